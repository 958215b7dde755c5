from odoo import fields, models

TEMPLATE_PROJECTS = [("project", "Installers' Project"), ("desk", "Service Desk")]


class SaleFunnelTemplateTaskStage(models.Model):
    """A task stage of the installers' project or of the service desk a line of business template makes."""

    _name = "sale.funnel.template.task.stage"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Line of Business Template Project Stage"
    _order = "template_id, project_kind, sequence, id"

    template_id = fields.Many2one("sale.funnel.template", string="Template", required=True, ondelete="cascade")
    project_kind = fields.Selection(TEMPLATE_PROJECTS, string="Project", required=True, default="project")
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    fold = fields.Boolean(string="Folded")
    is_customer_wait = fields.Boolean(string="Waiting for the Customer")
