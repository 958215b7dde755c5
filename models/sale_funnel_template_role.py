from odoo import fields, models

from .sale_funnel_role import ROLE_ASSIGNMENTS


class SaleFunnelTemplateRole(models.Model):
    """A role of a line of business template; who holds it is asked when the line is set up."""

    _name = "sale.funnel.template.role"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Line of Business Template Role"
    _order = "template_id, sequence, id"

    template_id = fields.Many2one("sale.funnel.template", string="Template", required=True, ondelete="cascade")
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    assignment = fields.Selection(ROLE_ASSIGNMENTS, required=True, default="user")
