from odoo import fields, models
from odoo.tools import is_html_empty


class SaleOrderLost(models.TransientModel):
    _name = "sale.order.lost"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Mark Deals as Lost"

    order_ids = fields.Many2many("sale.order", string="Deals", required=True)
    lost_reason_id = fields.Many2one("sale.lost.reason", string="Lost Reason", required=True)
    lost_feedback = fields.Html(string="Closing Note", sanitize=True)

    def action_mark_lost(self):
        self.ensure_one()
        feedback = self.lost_feedback if not is_html_empty(self.lost_feedback) else None
        self.order_ids._mark_lost(self.lost_reason_id, feedback=feedback)
        return {"type": "ir.actions.act_window_close"}
