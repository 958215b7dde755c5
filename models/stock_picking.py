from odoo import models


class StockPicking(models.Model):
    """Thin hook: validated transfers tell their deals."""

    _inherit = "stock.picking"

    def _action_done(self):
        result = super()._action_done()
        self.sale_id._erp_crm_on_event("delivery_done")
        return result
