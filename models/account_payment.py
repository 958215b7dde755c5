from odoo import models


class AccountPayment(models.Model):
    """Thin hook: a payment confirmed or validated (also without a journal entry) tells its invoices' deals.

    Payments with a journal entry also pay through the reconciliation (see ``account.move.line``); confirming
    and validating both write the payment's state, heard here once.
    """

    _inherit = "account.payment"

    def write(self, vals):
        result = super().write(vals)
        if vals.get("state") in ("in_process", "paid"):
            self.invoice_ids._get_erp_crm_deals()._erp_crm_on_event("payment")
        return result
