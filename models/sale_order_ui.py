from odoo import models
from odoo.exceptions import UserError
from odoo.tools import is_html_empty

from ..tools import format_percent


class SaleOrder(models.Model):
    """What the deal's screens and documents need: the Won button, the documents' file names in the customer's
    language, the amounts of the payment request."""

    _inherit = "sale.order"

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_mark_won(self):
        """The deal form's Won button: move the deal to its funnel's won stage, through the door."""
        for funnel, deals in self.grouped("funnel_id").items():
            won_stage = funnel.stage_ids.filtered(lambda s: s.kind == "won")[:1]
            if not won_stage:
                raise UserError(
                    self.env._(
                        "The funnel “%(funnel)s” has no won stage: add one in its Stages tab.",
                        funnel=funnel.display_name or self.env._("none"),
                    )
                )
            deals._move_to_stage(won_stage)
        return True

    # ------------------------------------------------------------
    # DOCUMENTS
    # ------------------------------------------------------------

    def _get_report_base_filename(self):
        """Odoo's quotation PDF downloaded from the portal is named in the customer's language, as it is printed."""
        self.ensure_one()
        env = self._erp_crm_customer_env()
        kind = env._("Quotation") if self.state in ("draft", "sent", "cancel") else env._("Sales Order")
        return f"{kind} {self.name}"

    def _erp_crm_customer_env(self):
        """The environment in the customer's language, in which their documents are printed."""
        return self.with_context(lang=self.partner_id.lang or self.env.lang).env

    def _erp_crm_report_filename(self, document):
        """The file name (without extension) of the offer or the payment request of this deal, in the customer's
        language: the reports' ``print_report_name``, so the PDF attached to an email, printed or downloaded is
        named as the customer reads it (“Angebot - S00012”)."""
        self.ensure_one()
        env = self._erp_crm_customer_env()
        if document == "payment_request":
            return env._("Payment request - %(order)s", order=self.name)
        return env._("Offer - %(order)s", order=self.name)

    # ------------------------------------------------------------
    # THE PAYMENT REQUEST
    # ------------------------------------------------------------

    def _erp_crm_payment_request_amounts(self):
        """What the payment request asks for: the amount due now, the order total and what remains.

        The amount due now is the deal's down-payment invoice when it has one (what the customer must pay),
        else the share of the down-payment robot of the deal's stage (its funnel's, when the stage has none),
        else the whole order total.
        """
        self.ensure_one()
        currency = self.currency_id
        total = self.amount_total
        # sudo: the customer document states the invoice's amount even when printed by a user without
        # accounting rights; only amounts of this deal's own invoice are read.
        invoice = self.sudo()._get_down_payment_invoices().filtered(lambda m: m.state == "posted").sorted("id")[:1]
        percent = self._erp_crm_down_payment_percent()
        if invoice:
            due_now = invoice.amount_total
            percent = percent or (total and due_now * 100 / total)
        elif percent:
            due_now = currency.round(total * percent / 100)
        else:
            due_now = total
        return {
            "currency": currency,
            "percent": percent,
            "percent_label": format_percent(self.env, percent),
            "due_now": due_now,
            "untaxed": self.amount_untaxed,
            "taxes": self.amount_tax,
            "total": total,
            "remaining": currency.round(total - due_now),
            "invoice_name": invoice.name or False,
            "invoice_due_date": invoice.invoice_date_due or False,
            "invoice": invoice,
        }

    def _erp_crm_payment_details(self, amounts):
        """How the customer pays what ``amounts`` (:meth:`_erp_crm_payment_request_amounts`) asks for now: the
        company's bank account (the down-payment invoice's, when it has one), the reference to quote (the
        invoice's payment reference, else the order number) and a payment QR code as a data URI, made by Odoo's
        own machinery (``res.partner.bank.build_qr_code_base64``: e.g. the SEPA credit transfer QR of
        account_qr_code_sepa for an IBAN in euros), or False where Odoo cannot make one."""
        self.ensure_one()
        invoice = amounts["invoice"]
        currency = amounts["currency"]
        if invoice:
            bank = invoice.partner_bank_id
            reference = invoice.payment_reference or invoice.name
            structured = invoice.payment_reference or None
        else:
            # The bank account an invoice of this company would get (account.move._compute_partner_bank_id).
            banks = self.company_id.partner_id.bank_ids.filtered(
                lambda b: not b.company_id or b.company_id == self.company_id
            )
            bank = banks.sorted(lambda b: (bool(b.currency_id) and b.currency_id != currency, not b.allow_out_payment))[
                :1
            ]
            reference = self.reference or self.name
            structured = None
        qr_code = False
        if bank and amounts["due_now"] > 0:
            qr_code = bank.build_qr_code_base64(
                currency.round(amounts["due_now"]), reference, structured, currency, self.partner_id
            )
        return {"bank": bank, "reference": reference, "qr_code": qr_code or False}

    # ------------------------------------------------------------
    # THE CUSTOMER DOCUMENTS (offer, payment request)
    # ------------------------------------------------------------

    def _erp_crm_tax_rate_label(self, taxes):
        """The rates of a line's taxes as the reader's language writes them ("19 %"); a tax that is not a
        percentage by its name."""
        return ", ".join(
            format_percent(self.env, tax.amount) if tax.amount_type == "percent" else tax.name
            for tax in taxes.sorted("sequence")
        )

    def _erp_crm_tax_rows(self):
        """(label, amount) per tax group of Odoo's tax summary of the order, labelled with its rates
        ("VAT 19 %"), so that the document states each rate beside its amount."""
        self.ensure_one()
        taxes = self.order_line.tax_ids
        rows = []
        for subtotal in (self.tax_totals or {}).get("subtotals", []):
            for group in subtotal["tax_groups"]:
                group_taxes = taxes.filtered(lambda t, g=group: t.tax_group_id.id == g["id"])
                rates = sorted(set(group_taxes.filtered(lambda t: t.amount_type == "percent").mapped("amount")))
                label = (
                    self.env._("VAT %(rate)s", rate=", ".join(format_percent(self.env, rate) for rate in rates))
                    if rates
                    else group["group_name"]
                )
                # A tax-free line says why, by its tax's label on invoices (l10n_de: "steuerfreie innergem.
                # Lieferung" for an EU business customer with a VAT ID).
                exempt = sorted({tax.invoice_label for tax in group_taxes if not tax.amount and tax.invoice_label})
                if rates == [0.0] and exempt:
                    label = f"{label} ({', '.join(exempt)})"
                rows.append((label, group["tax_amount_currency"]))
        return rows

    def _erp_crm_legal_notes(self):
        """The legal notes Odoo prints on the invoice for this order's fiscal position and taxes (the position's
        note, the taxes' legal notes), for the offer and the payment request to state them as well."""
        self.ensure_one()
        # sudo: fiscal positions and taxes are accounting configuration; only their printed notes are read.
        notes = [self.fiscal_position_id.sudo().note, *self.order_line.tax_ids.sudo().mapped("invoice_legal_notes")]
        return [note for note in dict.fromkeys(notes) if not is_html_empty(note)]

    def _erp_crm_down_payment_percent(self):
        """Share asked by the down-payment robot of the deal's stage, else of its funnel (0 when none)."""
        self.ensure_one()
        # sudo: robots are configuration of managers; a salesperson printing the request only reads the share.
        Robot = self.env["sale.funnel.robot"].sudo()
        domain = [("kind", "=", "down_payment"), ("active", "=", True)]
        robot = Robot.search([*domain, ("stage_id", "=", self.stage_id.id)], limit=1)
        robot = robot or Robot.search([*domain, ("funnel_id", "=", self.funnel_id.id)], limit=1)
        return robot.down_payment_percent if robot and self.funnel_id else 0.0
