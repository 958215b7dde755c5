from datetime import timedelta

from odoo import fields, models

# Posting bursts (a batch of invoices) are ranked together, a little after the last one.
RANKING_DELAY = timedelta(minutes=10)


class AccountMove(models.Model):
    """Thin hook: posting invoices and credit notes tells their deals (in one batch) and wakes the ranking."""

    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._get_erp_crm_deals()._erp_crm_on_event("invoice_posted")
        if any(move.is_sale_document() for move in posted):
            # Deferred: ranking rows are never written inside the posting transaction (the cron ranks after it).
            self.env.ref("erp_crm.ir_cron_partner_ranking")._trigger(fields.Datetime.now() + RANKING_DELAY)
        return posted

    def _get_erp_crm_deals(self):
        """The deals of these customer invoices and credit notes (through their lines' sale lines)."""
        invoices = self.filtered(lambda move: move.is_sale_document(include_receipts=True))
        return invoices.line_ids.sale_line_ids.order_id
