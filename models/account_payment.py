from odoo import models


class AccountPayment(models.Model):
    """Thin hook: a payment confirmed without a journal entry (no outstanding account) still pays invoices."""

    _inherit = "account.payment"

    def action_post(self):
        result = super().action_post()
        self.invoice_ids._get_erp_crm_deals()._erp_crm_on_event("payment")
        return result

    def action_validate(self):
        result = super().action_validate()
        self.invoice_ids._get_erp_crm_deals()._erp_crm_on_event("payment")
        return result
