"""Issue 20.13: RFM frequency counts purchases, not invoices (a down payment and its final invoice are one)."""

from odoo.fields import Command
from odoo.tests import freeze_time, tagged

from .erp_common import ErpTriggerCommon


@tagged("erp_crm")
@freeze_time("2026-06-15 10:00:00")
class TestFrequencyCountsPurchases(ErpTriggerCommon):
    """Five customers of the main company (no other invoices), ranked on 2026-06-15 over 12 months.

    Oscar bought once: a 30% down payment (2026-06-10) and its final invoice (2026-06-12) -> 1 purchase (2 invoices).
    Paula bought twice, each order invoiced once (2026-01-10, 2026-03-10) -> 2.
    Quinn has two invoices made without an order (2026-02-01, 2026-04-01) -> 2.
    Rosa bought two orders invoiced together in one invoice (2026-05-01) -> 2.
    Sam paid a down payment before the period (2025-01-10), the final invoice in it (2026-05-15) -> 1.

    F (5 customers, score = 5 - floor(5 * (rank - 1) / 5)): Paula = Quinn = Rosa rank 1 -> 5; Oscar = Sam rank 4 -> 2.
    R (last invoice): Oscar 06-12 -> 5, Sam 05-15 -> 4, Rosa 05-01 -> 3, Quinn 04-01 -> 2, Paula 03-10 -> 1.
    Segments: Oscar R5 F2 and Sam R4 F2 potential (not champions: counting invoices made Oscar F = 2, rank 1,
    F 5, a champion), Rosa R3 F5 loyal, Quinn R2 F5 and Paula R1 F5 can't lose.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.oscar, cls.paula, cls.quinn, cls.rosa, cls.sam = Partner.create(
            [{"name": name, "is_company": True} for name in ("Oscar", "Paula", "Quinn", "Rosa", "Sam")]
        )

    def _post_on(self, day, invoices):
        with freeze_time(f"{day} 10:00:00"):
            invoices.invoice_date = day
            invoices.action_post()
        return invoices

    def _down_payment_on(self, day, deal, percent=30.0):
        with freeze_time(f"{day} 10:00:00"):
            return self._post_on(day, self._down_payment(deal, percent, post=False))

    def _final_invoice_on(self, day, deals):
        with freeze_time(f"{day} 10:00:00"):
            deals.filtered(lambda d: d.state != "sale").action_confirm()
            return self._post_on(day, deals._create_invoices(final=True))

    def _invoice_without_order_on(self, day, partner):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_line_ids": [Command.create({"name": "Repair", "price_unit": 90})],
            }
        )
        return self._post_on(day, invoice)

    def test_frequency_counts_purchases_and_a_one_time_buyer_is_no_champion(self):
        oscar_deal = self._create_deal(partner_id=self.oscar.id)
        self._down_payment_on("2026-06-10", oscar_deal)
        self._final_invoice_on("2026-06-12", oscar_deal)
        for day in ("2026-01-10", "2026-03-10"):
            self._final_invoice_on(day, self._create_deal(partner_id=self.paula.id))
        for day in ("2026-02-01", "2026-04-01"):
            self._invoice_without_order_on(day, self.quinn)
        rosa_invoice = self._final_invoice_on(
            "2026-05-01", self._create_deal(partner_id=self.rosa.id) | self._create_deal(partner_id=self.rosa.id)
        )
        self.assertEqual(len(rosa_invoice), 1, "Rosa's two orders are invoiced together")
        sam_deal = self._create_deal(partner_id=self.sam.id)
        self._down_payment_on("2025-01-10", sam_deal)
        self._final_invoice_on("2026-05-15", sam_deal)
        self.assertEqual(len(oscar_deal.invoice_ids), 2, "Oscar has a down payment and a final invoice")

        self.env["res.partner.ranking"]._compute_ranking(self.env.company)
        rows = self.env["res.partner.ranking"].search([("company_id", "=", self.env.company.id)])
        got = {row.partner_id.name: (row.frequency, row.r_score, row.f_score, row.rfm_segment) for row in rows}
        self.assertEqual(
            got,
            {
                "Oscar": (1, 5, 2, "potential"),
                "Paula": (2, 1, 5, "cant_lose"),
                "Quinn": (2, 2, 5, "cant_lose"),
                "Rosa": (2, 3, 5, "loyal"),
                "Sam": (1, 4, 2, "potential"),
            },
        )
        oscar = rows.filtered(lambda r: r.partner_id == self.oscar)
        self.assertEqual(oscar.invoice_count, 2, "the lifetime figures still count invoices")
