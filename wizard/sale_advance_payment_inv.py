from odoo import api, models


class SaleAdvancePaymentInv(models.TransientModel):
    """Odoo's invoicing wizard, opened on one deal: while the deal has no down-payment invoice, it proposes the
    down payment its funnel's down-payment robot invoices (method and percentage); afterwards Odoo's own default,
    the regular (final) invoice with the down payment deducted."""

    _inherit = "sale.advance.payment.inv"

    @api.model
    def default_get(self, fields):
        defaults = super().default_get(fields)
        if not {"advance_payment_method", "amount"} & set(fields):
            return defaults
        context = self.env.context
        if context.get("active_model") != "sale.order" or len(context.get("active_ids") or []) != 1:
            return defaults
        percent = self.env["sale.order"].browse(context["active_ids"])._get_proposed_down_payment_percent()
        if not percent:
            return defaults
        if "advance_payment_method" in fields:
            defaults["advance_payment_method"] = "percentage"
        if "amount" in fields:
            defaults["amount"] = percent
        return defaults
