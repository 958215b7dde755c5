from odoo import models


class MrpProduction(models.Model):
    """Thin hook: manufacturing orders starting, finishing or being cancelled tell their deals."""

    _inherit = "mrp.production"

    def write(self, vals):
        result = super().write(vals)
        if "qty_producing" in vals or "state" in vals:
            self._get_erp_crm_deals()._erp_crm_on_event("production")
        return result

    def action_start(self):
        result = super().action_start()
        self._get_erp_crm_deals()._erp_crm_on_event("production")
        return result

    def button_mark_done(self):
        result = super().button_mark_done()
        self._get_erp_crm_deals()._erp_crm_on_event("production")
        return result

    def action_cancel(self):
        result = super().action_cancel()
        self._get_erp_crm_deals()._erp_crm_on_event("production")
        return result

    def _get_erp_crm_deals(self):
        return self.reference_ids.sale_ids | self.sale_line_id.order_id
