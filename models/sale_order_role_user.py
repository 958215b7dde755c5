from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SaleOrderRoleUser(models.Model):
    """The person who holds a role on one deal (overrides the funnel's rule)."""

    _name = "sale.order.role.user"
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
