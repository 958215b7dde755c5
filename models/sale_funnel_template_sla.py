from odoo import api, fields, models

from .project_service_type import SERVICE_PRIORITIES
from .project_sla_policy import SLA_KINDS


class SaleFunnelTemplateSla(models.Model):
    """An SLA policy of the service desk a line of business template makes."""

    _name = "sale.funnel.template.sla"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Line of Business Template SLA Policy"
    _order = "template_id, sequence, id"

    template_id = fields.Many2one("sale.funnel.template", string="Template", required=True, ondelete="cascade")
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    kind = fields.Selection(SLA_KINDS, required=True, default="resolution")
    service_priority = fields.Selection(SERVICE_PRIORITIES, "Priority")
    stage_id = fields.Many2one("sale.funnel.template.task.stage", "Target Stage", required=True, ondelete="cascade")
    working_hours = fields.Float("Within (Working Hours)", required=True)

    @api.model
    def _erp_crm_number_bounds(self):
        # the bounds of the SLA policies the template makes
        made = self.env["project.sla.policy"]._erp_crm_number_bounds()
        return {**super()._erp_crm_number_bounds(), **{fname: made[fname] for fname in ("working_hours",)}}
