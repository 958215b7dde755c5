from datetime import timedelta

from odoo import fields, models

# Posting bursts (a batch of invoices) are ranked together, a little after the last one.
RANKING_DELAY = timedelta(minutes=10)


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        if any(move.is_sale_document() for move in posted):
            # Deferred: ranking rows are never written inside the posting transaction (the cron ranks after it).
            self.env.ref("erp_crm.ir_cron_partner_ranking")._trigger(fields.Datetime.now() + RANKING_DELAY)
        return posted
