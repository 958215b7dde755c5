from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command


class SaleFunnelSetup(models.TransientModel):
    """New Line of Business: pick a template (or start blank), answer what only the business knows on one screen,
    and land on the new funnel's robot board. Everything is created as the user (their rights and the models'
    checks apply)."""

    _name = "sale.funnel.setup"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "New Line of Business"

    template_id = fields.Many2one(
        "sale.funnel.template", string="Template", help="Empty: start with a blank funnel (New, Won, Lost)."
    )
    template_description = fields.Text(related="template_id.description")
    name = fields.Char(compute="_compute_name", store=True, readonly=False)
    down_payment_percent = fields.Float(
        string="Down Payment (%)", compute="_compute_down_payment_percent", store=True, readonly=False
    )
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        default=lambda self: self._default_resource_calendar_id(),
        help="The company's working hours: robots' deadlines, stage time limits and SLAs count them.",
    )
    role_line_ids = fields.One2many(
        "sale.funnel.setup.role",
        "setup_id",
        string="Who Does What",
        compute="_compute_role_line_ids",
        store=True,
        readonly=False,
    )

    def _default_resource_calendar_id(self):
        return self.env.company.resource_calendar_id

    @api.depends("template_id")
    def _compute_name(self):
        for setup in self:
            setup.name = setup.template_id.name or setup.name

    @api.depends("template_id")
    def _compute_down_payment_percent(self):
        for setup in self:
            setup.down_payment_percent = setup.template_id.down_payment_percent or 50.0

    @api.depends("template_id")
    def _compute_role_line_ids(self):
        for setup in self:
            setup.role_line_ids = [Command.clear()] + [
                Command.create({"template_role_id": role.id, "user_id": self.env.uid})
                for role in setup.template_id.role_ids.filtered(lambda r: r.assignment == "user")
            ]

    def _check_answers(self):
        if not (self.name or "").strip():
            raise UserError(self.env._("Name: give the line of business a name, e.g. “Heat pump installation”."))
        if not 0 < self.down_payment_percent <= 100:
            raise UserError(
                self.env._(
                    "Down Payment (%%): %(value)s is not a share; give a number between 1 and 100.",
                    value=self.down_payment_percent,
                )
            )
        wrong = self.role_line_ids.template_role_id.template_id - self.template_id
        if wrong:
            raise UserError(self.env._("Who Does What: the roles must be those of the chosen template."))

    def _apply_working_hours(self):
        """The company's working hours, when changed here (as the user: only who may edit the company may)."""
        company = self.env.company
        calendar = self.resource_calendar_id
        if not calendar or calendar == company.resource_calendar_id:
            return
        if not company.has_access("write"):
            raise UserError(
                self.env._(
                    "Working Hours: only an administrator may change the company's working hours (now “%(now)s”). "
                    "Keep them, or ask an administrator.",
                    now=company.resource_calendar_id.name or "-",
                )
            )
        company.resource_calendar_id = calendar

    def action_create(self):
        self.ensure_one()
        self._check_answers()
        self.template_id._check_can_create()
        self._apply_working_hours()
        role_users = {line.template_role_id: line.user_id for line in self.role_line_ids}
        funnel = self.template_id._create_line_of_business(self.name.strip(), role_users, self.down_payment_percent)
        board = funnel.action_open_robot_board()
        checklist = funnel._get_setup_checklist()
        if not checklist:
            return board
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("“%(funnel)s” is ready. Left to do:", funnel=funnel.name),
                "message": "\n".join(f"• {item}" for item in checklist),
                "type": "info",
                "sticky": True,
                "className": "o_erp_crm_setup_checklist",
                "next": board,
            },
        }


class SaleFunnelSetupRole(models.TransientModel):
    _name = "sale.funnel.setup.role"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "New Line of Business: Role Holder"

    setup_id = fields.Many2one("sale.funnel.setup", required=True, ondelete="cascade")
    template_role_id = fields.Many2one("sale.funnel.template.role", string="Role", required=True)
    user_id = fields.Many2one("res.users", string="Held By", domain="[('share', '=', False)]")
