from odoo import models


class MrpProduction(models.Model):
    """Thin hook: manufacturing orders starting, finishing or being cancelled tell their deals.

    Starting (``action_start``, a produced quantity) and finishing (``button_mark_done``) write the state or the
    quantity, so the ``write`` hook hears them; ``button_mark_done`` only batches the writes Odoo makes one order at
    a time. A cancellation only cancels the moves (the state is computed from them), hence ``_action_cancel``.
    """

    _inherit = "mrp.production"

    def write(self, vals):
        result = super().write(vals)
        if "qty_producing" in vals or "state" in vals:
            self._get_erp_crm_deals()._erp_crm_on_event("production")
        return result

    def button_mark_done(self):
        # Odoo writes each finished order in its own write: their deals are told once, for the whole batch.
        with self.env["sale.order"]._erp_crm_events_deferred(self) as productions:
            return super(MrpProduction, productions).button_mark_done()

    def _action_cancel(self):
        result = super()._action_cancel()
        self._get_erp_crm_deals()._erp_crm_on_event("production")
        return result

    def _get_erp_crm_deals(self):
        return self.reference_ids.sale_ids | self.sale_line_id.order_id
