from odoo import models


class AccountMoveLine(models.Model):
    """Thin hook: a reconciliation (payment, partial payment, credit note) tells the invoices' deals."""

    _inherit = "account.move.line"

    def _reconcile_post_hook(self, data):
        result = super()._reconcile_post_hook(data)
        self.move_id._get_erp_crm_deals()._erp_crm_on_event("payment")
        return result
