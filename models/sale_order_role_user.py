from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SaleOrderRoleUser(models.Model):
    """The person who holds a role on one deal (overrides the funnel's rule)."""

    _name = "sale.order.role.user"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Deal Role Assignment"
    _order = "role_id"

    order_id = fields.Many2one("sale.order", string="Deal", required=True, index=True, ondelete="cascade")
    role_id = fields.Many2one("sale.funnel.role", string="Role", required=True, ondelete="cascade")
    user_id = fields.Many2one("res.users", string="User", domain="[('share', '=', False)]", ondelete="set null")
    company_id = fields.Many2one(related="order_id.company_id", store=True)

    _role_once_per_deal = models.UniqueIndex("(order_id, role_id)", "A role is held by one person per deal.")

    @api.constrains("role_id", "order_id")
    def _check_role_of_deal_funnel(self):
        for line in self:
            if line.role_id.funnel_id != line.order_id.funnel_id:
                raise ValidationError(
                    self.env._(
                        "Role “%(role)s” belongs to the funnel “%(funnel)s”, not to the funnel of deal %(deal)s.",
                        role=line.role_id.name,
                        funnel=line.role_id.funnel_id.name,
                        deal=line.order_id.name,
                    )
                )

    @api.constrains("user_id", "order_id")
    def _check_holder_works_for_deal(self):
        """A role holder is an internal user who works for the deal's company: robots give them its work."""
        for line in self.filtered("user_id"):
            user, deal = line.user_id, line.order_id
            if user.share:
                raise ValidationError(
                    self.env._(
                        "User: %(user)s is not an internal user and cannot hold the role %(role)s on deal %(deal)s.",
                        user=user.name,
                        role=line.role_id.name,
                        deal=deal.name,
                    )
                )
            if deal.company_id and deal.company_id not in user.company_ids:
                raise ValidationError(
                    self.env._(
                        "User: %(user)s does not work for %(company)s and cannot hold a role on its deal %(deal)s.",
                        user=user.name,
                        company=deal.company_id.name,
                        deal=deal.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._erp_crm_check_values(vals)  # before reading the deal's id
        self._check_deal_access({vals.get("order_id") for vals in vals_list})
        lines = super().create(vals_list)
        lines.order_id._erp_crm_sync_appointment_events()  # the role's holder visits (sale_order_appointment.py)
        return lines

    def write(self, vals):
        self._erp_crm_check_values(vals)  # before reading the deal's id
        # Moving an assignment to another deal needs the right to edit that deal, not only the one it left.
        self._check_deal_access({vals.get("order_id")})
        deals = self.order_id
        result = super().write(vals)
        if vals.keys() & {"user_id", "role_id", "order_id"}:
            (deals | self.order_id)._erp_crm_sync_appointment_events()  # sale_order_appointment.py
        return result

    @api.model
    def _check_deal_access(self, order_ids):
        """Who holds a role on a deal is decided by people who may edit that deal."""
        order_ids = {order_id for order_id in order_ids if order_id}
        if order_ids and not self.env.su:
            self.env["sale.order"].browse(order_ids).check_access("write")
