from odoo import api, fields, models

from ..tools.units import TIME_UNITS
from .sale_funnel_robot import DEADLINE_MODES, REENTRY_POLICIES, ROBOT_KINDS, TASK_ROLES


class SaleFunnelTemplateRobot(models.Model):
    """A robot of a line of business template: on a deal stage, or on a stage of its service desk."""

    _name = "sale.funnel.template.robot"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Line of Business Template Robot"
    _order = "template_id, sequence, id"

    template_id = fields.Many2one("sale.funnel.template", string="Template", required=True, ondelete="cascade")
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    stage_id = fields.Many2one("sale.funnel.template.stage", string="Stage", ondelete="cascade")
    task_stage_id = fields.Many2one("sale.funnel.template.task.stage", string="Service Stage", ondelete="cascade")
    kind = fields.Selection(ROBOT_KINDS, required=True, default="activity")
    reentry = fields.Selection(REENTRY_POLICIES, string="On Re-entry", default="no_open", required=True)
    role_id = fields.Many2one("sale.funnel.template.role", string="Role", ondelete="set null")
    task_role = fields.Selection(TASK_ROLES, string="Request Role", default="assignee")
    activity_type_id = fields.Many2one("mail.activity.type", string="Activity Type", ondelete="set null")
    summary = fields.Char(translate=True)
    note = fields.Html(translate=True)
    deadline_mode = fields.Selection(DEADLINE_MODES, default="offset", required=True)
    deadline_amount = fields.Integer(string="Deadline")
    deadline_unit = fields.Selection(TIME_UNITS, default="hours", required=True)
    deadline_field_id = fields.Many2one("ir.model.fields", string="Deadline Field", ondelete="set null")
    mail_template_id = fields.Many2one("mail.template", string="Email Template", ondelete="set null")
    report_id = fields.Many2one("ir.actions.report", string="Attach Document", ondelete="set null")
    down_payment_share = fields.Boolean(
        string="Use the Down-Payment Share", help="A down-payment robot invoices the share asked at setup."
    )
    down_payment_percent = fields.Float(string="Down Payment (%)", default=50.0)

    def _prepare_robot_values(self, stages, roles, projects, task_stages, down_payment_percent):
        """Values of the robot made from this line.

        :param stages: {template stage: sale.funnel.stage}
        :param roles: {template role: sale.funnel.role}
        :param projects: {"project"|"desk": project.project}
        :param task_stages: {template task stage: project.task.type}
        """
        self.ensure_one()
        vals = {
            "name": self.name,
            "sequence": self.sequence,
            "kind": self.kind,
            "reentry": self.reentry,
            "activity_type_id": self.activity_type_id.id,
            "summary": self.summary,
            "note": self.note,
            "deadline_mode": self.deadline_mode,
            "deadline_amount": self.deadline_amount,
            "deadline_unit": self.deadline_unit,
            "deadline_field_id": self.deadline_field_id.id,
            "mail_template_id": self.mail_template_id.id,
            "report_id": self.report_id.id,
            "down_payment_percent": down_payment_percent if self.down_payment_share else self.down_payment_percent,
        }
        if self.task_stage_id:
            vals.update(task_stage_id=task_stages[self.task_stage_id].id, task_role=self.task_role)
        else:
            role = roles.get(self.role_id)
            vals.update(stage_id=stages[self.stage_id].id, role_id=role.id if role else False)
            if self.kind == "task":
                vals["project_id"] = projects.get("project", self.env["project.project"]).id
        return vals

    @api.model
    def _erp_crm_number_bounds(self):
        # the bounds of the robots the template makes
        made = self.env["sale.funnel.robot"]._erp_crm_number_bounds()
        return {
            **super()._erp_crm_number_bounds(),
            **{fname: made[fname] for fname in ("deadline_amount", "down_payment_percent")},
        }
