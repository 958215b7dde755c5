from odoo import api, fields, models

from .sale_funnel_stage import STAGE_KINDS, STAGE_TRIGGERS


class SaleFunnelTemplateStage(models.Model):
    """A stage of a line of business template, with its trigger and gates."""

    _name = "sale.funnel.template.stage"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Line of Business Template Stage"
    _order = "template_id, sequence, id"

    template_id = fields.Many2one("sale.funnel.template", string="Template", required=True, ondelete="cascade")
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    kind = fields.Selection(STAGE_KINDS, required=True, default="open")
    probability = fields.Float(string="Probability (%)", default=10.0)
    max_hours = fields.Float(string="Time Limit (working hours)")
    fold = fields.Boolean(string="Folded in Pipeline")
    requirements = fields.Text(string="To Do in This Stage", translate=True)
    portal_name = fields.Char(string="Name Shown to Customers", translate=True)
    customer_note = fields.Char(string="Shown to Customers", translate=True)
    trigger = fields.Selection(STAGE_TRIGGERS, string="Enter When")
    trigger_percent = fields.Float(string="Paid at Least (%)", default=100.0)
    trigger_task_stage_id = fields.Many2one("sale.funnel.template.task.stage", string="Task Stage", ondelete="set null")
    gate_prepaid_percent = fields.Float(string="Prepaid at Least (%)")
    gate_field_ids = fields.Many2many(
        "ir.model.fields", "sale_funnel_template_stage_gate_field_rel", "stage_id", "field_id", string="Filled In"
    )
    gate_activity = fields.Boolean(string="Collection Activity")
    gate_activity_role_id = fields.Many2one(
        "sale.funnel.template.role", string="Collection By", ondelete="set null", help="Its holder gets it."
    )
    down_payment_share = fields.Boolean(
        string="Use the Down-Payment Share",
        help="The paid and prepaid percentages of this stage are the down-payment share asked at setup.",
    )
    confirm_order_on_entry = fields.Boolean(string="Confirm Order on Entry")

    def _prepare_stage_values(self, funnel):
        self.ensure_one()
        return {
            "funnel_id": funnel.id,
            "name": self.name,
            "sequence": self.sequence,
            "kind": self.kind,
            "probability": self.probability,
            "max_hours": self.max_hours,
            "fold": self.fold,
            "requirements": self.requirements,
            "portal_name": self.portal_name,
            "customer_note": self.customer_note,
            "confirm_order_on_entry": self.confirm_order_on_entry,
        }

    def _prepare_stage_rules(self, roles, task_stages, down_payment_percent):
        """Trigger and gate values of the stage made from this line ({} when it has none).

        :param roles: {template role: sale.funnel.role}
        :param task_stages: {template task stage: project.task.type}
        """
        self.ensure_one()
        vals = {}
        if self.trigger:
            vals["trigger"] = self.trigger
            vals["trigger_percent"] = down_payment_percent if self.down_payment_share else self.trigger_percent
            if self.trigger_task_stage_id in task_stages:
                vals["trigger_task_stage_id"] = task_stages[self.trigger_task_stage_id].id
        if self.gate_prepaid_percent:
            vals["gate_prepaid_percent"] = (
                down_payment_percent if self.down_payment_share else self.gate_prepaid_percent
            )
        if self.gate_field_ids:
            vals["gate_field_ids"] = [fields.Command.set(self.gate_field_ids.ids)]
        if self.gate_activity:
            vals["gate_activity"] = True
            role = roles.get(self.gate_activity_role_id)
            if role and role.user_id:
                vals["gate_activity_user_id"] = role.user_id.id
        return vals

    @api.model
    def _erp_crm_number_bounds(self):
        # the bounds of the stages the template makes
        made = self.env["sale.funnel.stage"]._erp_crm_number_bounds()
        return {
            **super()._erp_crm_number_bounds(),
            **{fname: made[fname] for fname in ("probability", "max_hours", "trigger_percent", "gate_prepaid_percent")},
        }
