from odoo.tests import tagged
from odoo.tools import format_amount

from .erp_common import ErpTriggerCommon
from .test_documents import pdf_text


@tagged("erp_crm")
class TestPaymentRequest(ErpTriggerCommon):
    """The Payment Request states the amount due now (the stage's down payment), the total and what remains,
    in the PDF (real wkhtmltopdf, text extracted with pdftotext) and in its email, and matches the invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner.email = "customer@example.com"
        cls.report = cls.env.ref("erp_crm.action_report_payment_request")
        cls.template = cls.env.ref("erp_crm.mail_template_payment_request")
        Robot = cls.env["sale.funnel.robot"]
        Robot.create(
            [
                {
                    "name": "Send the payment request",
                    "sequence": 1,
                    "stage_id": cls.stage_payment.id,
                    "kind": "email",
                    "mail_template_id": cls.template.id,
                    "report_id": cls.report.id,
                    "document_in_move": True,  # the test reads the document right after the move
                },
                {
                    "name": "Invoice a 50% down payment",
                    "sequence": 2,
                    "stage_id": cls.stage_payment.id,
                    "kind": "down_payment",
                    "down_payment_percent": 50,
                    "document_in_move": True,
                },
            ]
        )

    def _pdf_text(self, deal):
        return pdf_text(self, self.report, deal, name="payment_request")[0]

    def _money(self, amount, deal):
        # The PDF and pdftotext turn the non-breaking space between amount and symbol into a plain space.
        return format_amount(self.env, amount, deal.currency_id).replace("\xa0", " ")

    def test_payment_request_states_the_down_payment_due_now(self):
        deal = self._create_deal(user_id=self.user_sales.id, title="5 windows, 3-room flat")
        deal.with_user(self.user_sales).write({"stage_id": self.stage_payment.id})
        invoice = deal.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_total, deal.amount_total / 2)
        total, due, remaining = deal.amount_total, invoice.amount_total, deal.amount_total - invoice.amount_total

        # The PDF the robot attached to the deal and the email, before the invoice existed.
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", deal.id), ("mimetype", "=", "application/pdf")]
        )
        self.assertEqual(len(attachment), 1)
        mail = self.env["mail.mail"].search([("model", "=", "sale.order"), ("res_id", "=", deal.id)])
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.attachment_ids, attachment)
        for text in (self._pdf_text(deal), " ".join(mail.body_html.replace("\xa0", " ").split())):
            with self.subTest(text=text[:40]):
                self.assertIn(self._money(due, deal), text)
                self.assertIn(self._money(total, deal), text)
                self.assertIn(self._money(remaining, deal), text)
                self.assertIn("50%", text.replace(" %", "%"))
        document = self._pdf_text(deal)
        # The row names the invoice and the amount due now; the invoice's name may wrap in its cell, which moves it
        # after the amount in the extracted text.
        row = document.split("Down payment due now (50%), invoice", 1)[1].split("Remaining after this payment", 1)[0]
        self.assertIn(invoice.name, row)
        self.assertIn(self._money(due, deal), row)
        self.assertIn(f"Order total {self._money(total, deal)}", document)
        self.assertIn(f"Remaining after this payment {self._money(remaining, deal)}", document)
        self.assertIn(f"Please pay {self._money(due, deal)}", document)

    def test_payment_request_without_down_payment_asks_for_the_total(self):
        deal = self._create_deal(user_id=self.user_sales.id)
        self.env["sale.funnel.robot"].search([("stage_id", "=", self.stage_payment.id)]).active = False
        deal.write({"stage_id": self.stage_payment.id})
        amounts = deal._erp_crm_payment_request_amounts()
        self.assertEqual((amounts["due_now"], amounts["remaining"]), (deal.amount_total, 0.0))
        text = self._pdf_text(deal)
        self.assertIn(f"Amount due now {self._money(deal.amount_total, deal)}", text)
        self.assertNotIn("Remaining", text)

    def test_printed_by_a_salesperson_without_accounting_rights(self):
        deal = self._create_deal(user_id=self.user_sales.id)
        deal.write({"stage_id": self.stage_payment.id})
        invoice = deal.invoice_ids
        amounts = deal.with_user(self.user_sales)._erp_crm_payment_request_amounts()
        self.assertEqual((amounts["due_now"], amounts["invoice_name"]), (invoice.amount_total, invoice.name))
        self.assertEqual(amounts["percent"], 50)
