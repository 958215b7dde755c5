from odoo import models


class AccountMove(models.Model):
    """Thin hook: posting invoices and credit notes tells their deals (in one batch)."""

    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._get_erp_crm_deals()._erp_crm_on_event("invoice_posted")
        return posted

    def _get_erp_crm_deals(self):
        """The deals of these customer invoices and credit notes (through their lines' sale lines)."""
        invoices = self.filtered(lambda move: move.is_sale_document(include_receipts=True))
        return invoices.line_ids.sale_line_ids.order_id
