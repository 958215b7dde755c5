from odoo import api, fields, models
from odoo.exceptions import ValidationError

ROLE_ASSIGNMENTS = [
    ("salesperson", "The deal's salesperson"),
    ("user", "A fixed user"),
    ("round_robin", "A team, in turn"),
]


class SaleFunnelRole(models.Model):
    """Who does the work of a funnel: Salesperson, Surveyor, Accountant, Installer..."""

    _name = "sale.funnel.role"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Funnel Role"
    _order = "funnel_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    funnel_id = fields.Many2one("sale.funnel", string="Funnel", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="funnel_id.company_id", store=True, index=True)
    assignment = fields.Selection(ROLE_ASSIGNMENTS, required=True, default="user")
    user_id = fields.Many2one(
        "res.users", string="Default User", domain="[('share', '=', False)]", check_company=True, ondelete="set null"
    )
    user_ids = fields.Many2many(
        "res.users",
        "sale_funnel_role_res_users_rel",
        "role_id",
        "user_id",
        string="Team",
        domain="[('share', '=', False)]",
        help="Users given the deals of this role in turn; each deal keeps the one it got.",
    )
    last_user_id = fields.Many2one("res.users", string="Last Assigned", readonly=True, ondelete="set null")

    @api.constrains("assignment", "user_id", "user_ids")
    def _check_assignment(self):
        for role in self:
            if role.assignment == "round_robin" and not role.user_ids:
                raise ValidationError(self.env._("Role “%(role)s” gives deals in turn: add its team.", role=role.name))

    def _get_users(self, orders):
        """Person of this role for each deal: {order: user (possibly empty)}.

        Who holds the role now (the deal's own assignment, else the role's rule, see
        ``sale.order._get_role_user``); a round-robin role without one gives the next team member and saves
        that choice on the deal, so that it keeps the same person.
        """
        self.ensure_one()
        result = {}
        new_assignments = []
        for order in orders:
            user = order._get_role_user(self)
            if not user and self.assignment == "round_robin":
                user = self._next_round_robin_user()
                new_assignments.append({"order_id": order.id, "role_id": self.id, "user_id": user.id})
            result[order] = user
        if new_assignments:
            # sudo: the role memory of a deal is bookkeeping of the robots, written whatever the mover's rights.
            self.env["sale.order.role.user"].sudo().create(new_assignments)
        return result

    def _peek_round_robin_user(self):
        """The team member whose turn is next (nothing is saved)."""
        team = self.user_ids.sorted("id")
        if not team:
            return self.env["res.users"]
        position = team.ids.index(self.last_user_id.id) + 1 if self.last_user_id in team else 0
        return team[position % len(team)]

    def _next_round_robin_user(self):
        user = self._peek_round_robin_user()
        if user:
            # sudo: moving the round-robin pointer is part of assigning, which any funnel user triggers.
            self.sudo().last_user_id = user
        return user
