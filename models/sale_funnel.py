from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Command

from .erp_crm_input_guard import YEAR_MINUTES


class SaleFunnel(models.Model):
    _name = "sale.funnel"
    _inherit = ["mail.thread", "erp.crm.input.guard"]
    _description = "Sales Funnel"
    _order = "sequence, id"
    _check_company_auto = True

    def _default_stage_ids(self):
        # A new funnel starts usable: one open stage plus the two closing ones.
        return [
            Command.create({"name": self.env._("New"), "sequence": 1, "kind": "open", "probability": 10}),
            Command.create(
                {"name": self.env._("Won"), "sequence": 90, "kind": "won", "probability": 100, "fold": True}
            ),
            Command.create(
                {"name": self.env._("Lost"), "sequence": 99, "kind": "lost", "probability": 0, "fold": True}
            ),
        ]

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", string="Company", index=True, default=lambda self: self.env.company)
    team_ids = fields.Many2many(
        "crm.team",
        "crm_team_sale_funnel_rel",
        "funnel_id",
        "team_id",
        string="Sales Teams",
        check_company=True,
        help="Sales teams working with this funnel. Leave empty to offer it to every team.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Manager",
        domain="[('share', '=', False)]",
        check_company=True,
        help="Told when deals of this funnel need attention.",
    )
    stage_ids = fields.One2many(
        "sale.funnel.stage", "funnel_id", string="Stages", copy=True, default=lambda self: self._default_stage_ids()
    )
    role_ids = fields.One2many("sale.funnel.role", "funnel_id", string="Roles", copy=True)
    robot_ids = fields.One2many("sale.funnel.robot", "funnel_id", string="Robots")
    appointment_role_id = fields.Many2one(
        "sale.funnel.role",
        string="Appointments With",
        domain="[('funnel_id', '=', id)]",
        ondelete="set null",
        copy=False,
        help="Role whose holder visits the customer (e.g. the Surveyor): a deal's appointment becomes an event "
        "in their calendar, with the customer invited. Empty: the deal's salesperson.",
    )
    robot_count = fields.Integer(compute="_compute_robot_count")
    escalation_minutes = fields.Integer(
        string="Escalation Grace (minutes)",
        default=60,
        help="An overdue robot activity is escalated to the funnel's manager once it is overdue by this long.",
    )
    deal_count = fields.Integer(string="Open Deals", compute="_compute_deal_count")
    color = fields.Integer()
    service_desk_id = fields.Many2one(
        "project.project",
        string="Service Desk",
        index="btree_not_null",
        ondelete="set null",
        domain="[('is_service_desk', '=', True), ('company_id', 'in', [company_id, False])]",
        help="Where service requests about this funnel's deals go (the deal's button, the customer portal). Empty: "
        "the first service desk of the deal's company.",
    )

    _escalation_not_negative = models.Constraint(
        "CHECK(escalation_minutes >= 0)", "The escalation grace cannot be negative."
    )

    @api.model
    def _erp_crm_number_bounds(self):
        return {**super()._erp_crm_number_bounds(), "escalation_minutes": (0, YEAR_MINUTES, self.env._("a year"))}

    def _compute_robot_count(self):
        counts = dict(
            self.env["sale.funnel.robot"]._read_group([("funnel_id", "in", self.ids)], ["funnel_id"], ["__count"])
        )
        for funnel in self:
            funnel.robot_count = counts.get(funnel, 0)

    def _compute_deal_count(self):
        counts = dict(
            self.env["sale.order"]._read_group(
                [("funnel_id", "in", self.ids), ("won_status", "=", "pending")], ["funnel_id"], ["__count"]
            )
        )
        for funnel in self:
            funnel.deal_count = counts.get(funnel, 0)

    @api.constrains("stage_ids")
    def _check_has_open_stage(self):
        # A funnel being set up (no stage yet) is allowed; a funnel whose stages cannot hold a live deal is not.
        for funnel in self:
            if funnel.stage_ids and not funnel.stage_ids.filtered(lambda s: s.kind == "open"):
                raise ValidationError(
                    self.env._(
                        "The funnel “%(funnel)s” needs at least one open stage where deals can be worked on.",
                        funnel=funnel.name,
                    )
                )

    @api.constrains("appointment_role_id")
    def _check_appointment_role_of_funnel(self):
        for funnel in self:
            if funnel.appointment_role_id and funnel.appointment_role_id.funnel_id != funnel:
                raise ValidationError(
                    self.env._(
                        "Appointments With: the role “%(role)s” belongs to another funnel than “%(funnel)s”.",
                        role=funnel.appointment_role_id.name,
                        funnel=funnel.name,
                    )
                )

    @api.constrains("service_desk_id", "company_id")
    def _check_service_desk(self):
        """The funnel's desk is a service desk of the funnel's company (or shared by all companies): a desk of
        another company would take requests of customers it does not serve."""
        for funnel in self.filtered("service_desk_id"):
            # sudo: the desk's flag and company are compared whoever saves the funnel (they may not see the desk).
            desk = funnel.service_desk_id.sudo()
            if not desk.is_service_desk:
                raise ValidationError(
                    self.env._(
                        "Service Desk: %(desk)s is not a service desk; tick Service Desk in the project's settings "
                        "or choose another desk for the funnel %(funnel)s.",
                        desk=desk.display_name,
                        funnel=funnel.name,
                    )
                )
            if desk.company_id and desk.company_id != funnel.company_id:
                raise ValidationError(
                    self.env._(
                        "Service Desk: %(desk)s belongs to %(desk_company)s; the funnel %(funnel)s may only send "
                        "requests to a desk of %(company)s.",
                        desk=desk.display_name,
                        desk_company=desk.company_id.name,
                        funnel=funnel.name,
                        company=funnel.company_id.name or self.env._("every company (a shared desk)"),
                    )
                )

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if "name" not in (default or {}):
            for funnel, vals in zip(self, vals_list, strict=True):
                vals["name"] = self.env._("%s (copy)", funnel.name)
        return vals_list

    @api.readonly
    def action_open_deals(self):
        self.ensure_one()
        return self.env["sale.order"].with_context(erp_crm_funnel_id=self.id).action_open_deals()

    @api.readonly
    def action_open_robot_board(self):
        """The funnel's stages as columns with their robots, editable in place."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("erp_crm.sale_funnel_robot_action_board")
        action["domain"] = [("funnel_id", "=", self.id)]
        action["context"] = {"default_funnel_id": self.id, "erp_crm_board_funnel_id": self.id}
        action["display_name"] = self.env._("Robots: %(funnel)s", funnel=self.name)
        return action

    def _get_first_open_stage(self):
        """Stage where new deals of this funnel start (hook for other modules)."""
        self.ensure_one()
        return self.stage_ids.filtered(lambda s: s.kind == "open")[:1]

    def _get_lost_stage(self):
        self.ensure_one()
        return self.stage_ids.filtered(lambda s: s.kind == "lost")[:1]

    @api.model
    def _get_default_funnel(self, team=None, company=None):
        """Funnel for a new deal: the team's default, else the first funnel serving the team or every team."""
        company = company or self.env.company
        if team and team.funnel_id and team.funnel_id.company_id in (company, self.env["res.company"]):
            return team.funnel_id
        domain = [("company_id", "in", [company.id, False])]
        if team:
            domain.append(("team_ids", "in", [team.id, False]))
        else:
            domain.append(("team_ids", "=", False))
        return self.search(domain, limit=1) or self.search([("company_id", "in", [company.id, False])], limit=1)
