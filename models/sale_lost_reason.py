from odoo import api, fields, models


class SaleLostReason(models.Model):
    _name = "sale.lost.reason"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Deal Lost Reason"
    _order = "sequence, id"

    name = fields.Char(string="Description", required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    deal_count = fields.Integer(string="Lost Deals", compute="_compute_deal_count")

    def _compute_deal_count(self):
        counts = dict(
            self.env["sale.order"]._read_group([("lost_reason_id", "in", self.ids)], ["lost_reason_id"], ["__count"])
        )
        for reason in self:
            reason.deal_count = counts.get(reason, 0)

    @api.readonly
    def action_open_lost_deals(self):
        self.ensure_one()
        return {
            "name": self.env._("Lost Deals"),
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "view_mode": "list,form",
            "domain": [("lost_reason_id", "in", self.ids)],
            "context": {"create": False},
        }
