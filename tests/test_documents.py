import base64
import os
import re
import subprocess
import tempfile

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged
from odoo.tools import file_open, format_amount, html2plaintext
from odoo.tools.safe_eval import safe_eval

from .erp_common import ErpTriggerCommon
from .ranking_common import TODAY, RankingCommon

# Set to a directory to keep the rendered PDFs (to look at them: pdftoppm -png FILE.pdf page).
KEEP_PDFS = os.environ.get("ERP_CRM_TEST_KEEP_PDFS")


def pdf_text(testcase, report, records, user=None, name="document"):
    """Render ``report`` for ``records`` as ``user`` with wkhtmltopdf (a real PDF) and return its text
    (pdftotext -layout, whitespace collapsed) and its raw bytes."""
    Report = testcase.env["ir.actions.report"].with_context(force_report_rendering=True)
    if user:
        Report = Report.with_user(user)
    pdf = Report._render_qweb_pdf(report, records.ids)[0]
    testcase.assertTrue(pdf.startswith(b"%PDF"), "a real PDF, rendered by wkhtmltopdf")
    if KEEP_PDFS:
        with open(os.path.join(KEEP_PDFS, f"{name}.pdf"), "wb") as file:
            file.write(pdf)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        text = subprocess.run(
            ["pdftotext", "-layout", file.name, "-"], capture_output=True, check=True, text=True
        ).stdout
    return " ".join(text.replace("\xa0", " ").split()), text


def money(env, amount, currency):
    # The PDF and pdftotext turn the non-breaking space between amount and symbol into a plain space.
    return format_amount(env, amount, currency).replace("\xa0", " ")


@tagged("erp_crm", "post_install", "-at_install")
class TestOffer(ErpTriggerCommon, HttpCase):
    """The offer (SCENARIOS §1 step 4) as a real PDF: company header, the customer's name and address, the deal's
    title, the service lines, untaxed, taxes and total, the down payment due now and what remains, the company's
    bank account, the reference and Odoo's SEPA payment QR code, the validity date. An HttpCase, so that
    wkhtmltopdf fetches the report's styles from the running server (web.base.url points at it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.report = cls.env.ref("erp_crm.action_report_deal_offer")
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.pricelist_eur = cls.env["product.pricelist"].create({"name": "Euro", "currency_id": cls.eur.id})
        cls.partner.write(
            {
                "name": "Familie Schneider",
                "street": "Schwarzwaldstraße 7",
                "zip": "79117",
                "city": "Freiburg im Breisgau",
                "country_id": cls.env.ref("base.de").id,
                "email": "schneider@example.com",
            }
        )
        cls.bank = cls.env["res.partner.bank"].create(
            {
                "partner_id": cls.env.company.partner_id.id,
                "acc_number": "DE89 3704 0044 0532 0130 00",
                "acc_holder_name": "Fensterbau Breisgau GmbH",
            }
        )
        cls.env["sale.funnel.robot"].create(
            {
                "name": "Invoice a 50% down payment",
                "stage_id": cls.stage_payment.id,
                "kind": "down_payment",
                "down_payment_percent": 50,
                "document_in_move": True,  # the test reads the document right after the move
            }
        )

    def _offer_deal(self):
        deal = self._create_deal(
            user_id=self.user_sales.id,
            title="5 windows, 3-room flat",
            pricelist_id=self.pricelist_eur.id,
            validity_date="2026-12-31",
        )
        deal.write({"stage_id": self.stage_approval.id})
        return deal

    def test_offer_pdf_states_the_customer_the_amounts_and_how_to_pay(self):
        deal = self._offer_deal()
        self.assertEqual(deal.currency_id, self.eur)
        amounts = deal._erp_crm_payment_request_amounts()
        self.assertEqual(amounts["percent"], 50, "the funnel's down payment robot asks for half")
        text, layout = pdf_text(self, self.report, deal, user=self.user_sales, name="offer")
        eur = self.eur
        for expected in (
            f"Offer {deal.name}",
            "5 windows, 3-room flat",
            "Familie Schneider",
            "Schwarzwaldstraße 7",
            "79117 Freiburg im Breisgau",
            self.env.company.name,  # the sender line
            self.product.name,
            f"Untaxed amount {money(self.env, deal.amount_untaxed, eur)}",
            f"Taxes {money(self.env, deal.amount_tax, eur)}",
            f"Order total {money(self.env, deal.amount_total, eur)}",
            f"Down payment due now (50%) {money(self.env, amounts['due_now'], eur)}",
            f"Remaining after this payment {money(self.env, amounts['remaining'], eur)}",
            f"down payment of {money(self.env, deal.amount_total / 2, eur)}",
            "Bank account: DE89 3704 0044 0532 0130 00",
            "Account holder: Fensterbau Breisgau GmbH",
            f"Reference: {deal.name}",
            f"Scan with your banking app to pay {money(self.env, amounts['due_now'], eur)}",
            "Valid until",
        ):
            with self.subTest(expected=expected):
                self.assertIn(expected, text)
        # The company header is drawn by the layout (in its web font: no text layer, see the template).
        html = self.env["ir.actions.report"]._render_qweb_html(self.report, deal.ids)[0].decode()
        self.assertIn(self.env.company.name, html)
        # Styled: the layout's columns hold (the amounts sit right of their labels, the header is laid out), which
        # only happens when wkhtmltopdf got the report's CSS from the server.
        self.assertRegex(layout, r"Untaxed amount {3,}\S")

    def test_offer_carries_the_sepa_qr_code_of_the_company_account(self):
        deal = self._offer_deal()
        amounts = deal._erp_crm_payment_request_amounts()
        payment = deal._erp_crm_payment_details(amounts)
        self.assertEqual(payment["bank"], self.bank)
        self.assertTrue(payment["qr_code"].startswith("data:image/png;base64,"))
        html = self.env["ir.actions.report"]._render_qweb_html(self.report, deal.ids)[0].decode()
        self.assertIn('class="col-4 text-end o_erp_crm_payment_qr"', html)
        self.assertIn('alt="Payment QR code" style="width: 128px; height: 128px;" src="data:image/png;base64,', html)
        # What the QR code says is Odoo's EPC payload: the IBAN, the amount in euros, the reference.
        payload = self.bank._get_qr_vals("sct_qr", amounts["due_now"], self.eur, deal.partner_id, deal.name, None)
        self.assertIn("DE89370400440532013000", payload)
        self.assertIn(f"EUR{amounts['due_now']}", payload)
        self.assertIn(deal.name, payload)

    def test_no_qr_code_where_odoo_cannot_make_one(self):
        deal = self._create_deal(user_id=self.user_sales.id)  # the company currency, not euros
        if deal.currency_id == self.eur:
            self.skipTest("the test company works in euros")
        payment = deal._erp_crm_payment_details(deal._erp_crm_payment_request_amounts())
        self.assertEqual(payment["bank"], self.bank)
        self.assertFalse(payment["qr_code"])
        text, _layout = pdf_text(self, self.report, deal, name="offer_no_qr")
        self.assertIn("Bank account: DE89 3704 0044 0532 0130 00", text)
        self.assertNotIn("Scan with your banking app", text)
        self.assertIn(f"Down payment due now (50%) {money(self.env, deal.amount_total / 2, deal.currency_id)}", text)

    def test_email_robot_sends_the_offer(self):
        """The email robot attaches the document it is given: here the offer, to the deal and to the email."""
        self.env["sale.funnel.robot"].create(
            {
                "name": "Send the offer",
                "stage_id": self.stage_payment.id,
                "sequence": 1,
                "kind": "email",
                "mail_template_id": self.env.ref("erp_crm.mail_template_payment_request").id,
                "report_id": self.report.id,
                "document_in_move": True,  # the test reads the document right after the move
            }
        )
        deal = self._offer_deal()
        deal.with_user(self.user_sales).with_context(force_report_rendering=True).write(
            {"stage_id": self.stage_payment.id}
        )
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", deal.id), ("mimetype", "=", "application/pdf")]
        )
        self.assertEqual(attachment.name, f"Offer - {deal.name}.pdf")
        mail = self.env["mail.mail"].search([("model", "=", "sale.order"), ("res_id", "=", deal.id)])
        self.assertEqual(mail.attachment_ids, attachment)
        self.assertTrue(attachment.raw.startswith(b"%PDF"))

    def test_payment_request_shares_the_offer_blocks(self):
        """The payment request uses the same blocks: amounts with taxes and the payment details after posting
        the down payment (the invoice's bank account and payment reference, its QR code)."""
        deal = self._offer_deal()
        deal.write({"stage_id": self.stage_payment.id})
        invoice = deal.invoice_ids
        self.assertEqual(invoice.state, "posted")
        report = self.env.ref("erp_crm.action_report_payment_request")
        text, _layout = pdf_text(self, report, deal, name="payment_request")
        eur = self.eur
        self.assertIn(f"Payment request {deal.name}", text)
        self.assertIn(f"Taxes {money(self.env, deal.amount_tax, eur)}", text)
        due = money(self.env, invoice.amount_total, eur)
        # (the label wraps in its column: pdftotext puts the amount before the invoice number)
        self.assertRegex(text, rf"Down payment due now \(50%\), invoice ({re.escape(due)} )?{re.escape(invoice.name)}")
        self.assertIn(due, text)
        self.assertIn(f"Reference: {invoice.payment_reference or invoice.name}", text)
        self.assertIn(f"Scan with your banking app to pay {money(self.env, invoice.amount_total, eur)}", text)


@tagged("erp_crm", "post_install", "-at_install")
@freeze_time(TODAY)
class TestRankingSheet(RankingCommon, HttpCase):
    """The customer ranking sheet: a real PDF with the class, segment, RFM scores and figures of the customer in
    the printing user's company; sales users only, customers ranked by their own company only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.report = cls.env.ref("erp_crm.action_report_partner_ranking")
        cls.env["res.partner.ranking"]._compute_ranking(cls.company | cls.company_b)
        cls.open_deal = cls._create_deal(partner_id=cls.alpha.id, user_id=cls.user_sales.id)

    def test_ranking_sheet_shows_class_segment_and_figures(self):
        ranking = self.Ranking.search([("partner_id", "=", self.alpha.id), ("company_id", "=", self.company.id)])
        self.assertEqual((ranking.abc_class, ranking.rfm_segment), ("a", "champions"))
        text, _layout = pdf_text(self, self.report, self.alpha, user=self.user_sales, name="ranking_sheet")
        currency = self.company.currency_id
        # revenue amounts: for sales administrators and invoicing users only (README, money), not the salesperson
        self.assertNotIn("Revenue of the period", text)
        self.assertNotIn("Lifetime revenue", text)
        manager_text, _layout = pdf_text(self, self.report, self.alpha, user=self.user_manager)
        self.assertIn(f"Revenue of the period {money(self.env, 6000, currency)}", manager_text)
        self.assertIn(f"Lifetime revenue {money(self.env, 6000, currency)}", manager_text)
        for expected in (
            "Customer ranking: Alpha",
            "A Champions",
            "Share of the company's revenue 54.1 %",
            "Purchases in the period 2",
            "Deal conversion (won / closed) 50 % (1 / 2)",
            "Open deals 1",
        ):
            with self.subTest(expected=expected):
                self.assertIn(expected, text)
        self.assertIn("R5·F5·M5", text.replace(" ", ""))
        self.assertIn("Last invoice 06/10/2026", text)
        self.assertNotIn("Windows North", text, "company B's ranking of Alpha stays out")

    def test_a_contact_prints_its_company_ranking(self):
        text, _layout = pdf_text(self, self.report, self.ann, user=self.user_sales)
        self.assertIn("Customer ranking: Alpha", text)
        self.assertIn("A Champions", text)

    def test_other_companies_customers_are_refused(self):
        # Theta buys from company B only: not ranked by the salesperson's company.
        with self.assertRaisesRegex(UserError, "No ranking of Theta"):
            pdf_text(self, self.report, self.theta, user=self.user_sales)
        # Company B's salesperson reads company B's ranking of Theta, and cannot switch to company A.
        text, _layout = pdf_text(self, self.report, self.theta, user=self.user_sales_b)
        self.assertIn("Customer ranking: Theta", text)
        Report = (
            self.env["ir.actions.report"]
            .with_user(self.user_sales_b)
            .with_context(allowed_company_ids=self.company.ids, force_report_rendering=True)
        )
        with self.assertRaises(AccessError):
            Report._render_qweb_pdf(self.report, self.alpha.ids)

    def test_users_without_sales_rights_are_refused(self):
        clerk = new_test_user(self.env, login="erp_crm_clerk", groups="base.group_user", name="Carl Clerk")
        with self.assertRaises(AccessError):
            pdf_text(self, self.report, self.alpha, user=clerk)


def qr_payloads(testcase, pdf):
    """Every QR code found on the PDF's pages (rasterized by pdftoppm, decoded by zbarimg), one per page it is
    whole on: a code cut by a page break decodes on neither page."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "document.pdf")
        with open(path, "wb") as file:
            file.write(pdf)
        subprocess.run(["pdftoppm", "-r", "150", "-png", path, os.path.join(directory, "page")], check=True)
        pages = sorted(name for name in os.listdir(directory) if name.endswith(".png"))
        testcase.assertTrue(pages)
        payloads = []
        for page in pages:
            result = subprocess.run(
                ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", os.path.join(directory, page)],
                capture_output=True,
                text=True,
                check=False,
            )
            # zbarimg exits 4 when a page holds no code.
            testcase.assertIn(result.returncode, (0, 4), result.stderr)
            if result.stdout.strip():
                payloads.append(result.stdout.strip())
    return payloads


@tagged("erp_crm", "post_install", "-at_install")
class TestGermanDocuments(ErpTriggerCommon, HttpCase):
    """What a German GmbH sends (issue 21): the offer and the payment request of a German customer's deal, as real
    PDFs, in German with German dates and amounts, the salutation by the contact's title and name, the VAT rate,
    the company's legal footer (registered office, register court and number, VAT ID, managing directors) and a
    payment QR code whole on one page that decodes to the EPC payload of the amount due."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("de_DE")
        cls.env["ir.module.module"]._load_module_terms(["erp_crm"], ["de_DE"], overwrite=True)
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.pricelist_eur = cls.env["product.pricelist"].create({"name": "Euro", "currency_id": cls.eur.id})
        company = cls.env.company
        company.write(
            {
                "name": "Fensterbau Breisgau GmbH",
                "street": "Hauptstraße 1",
                "zip": "79098",
                "city": "Freiburg im Breisgau",
                "country_id": cls.env.ref("base.de").id,
                "company_registry": "Amtsgericht Freiburg i. Br. HRB 712345",
                "vat": "DE811907980",
                "logo": base64.b64encode(file_open("base/static/img/res_company_logo.png", "rb").read()),
            }
        )
        company.with_context(lang="de_DE").report_footer = "<p>Geschäftsführer: Anna Breisgau, Jonas Holz</p>"
        cls.bank = cls.env["res.partner.bank"].create(
            {
                "partner_id": company.partner_id.id,
                "acc_number": "DE89 3704 0044 0532 0130 00",
                "acc_holder_name": "Fensterbau Breisgau GmbH",
            }
        )
        cls.vat19 = cls.env["account.tax"].create({"name": "19% USt", "amount": 19, "type_tax_use": "sale"})
        cls.partner.write(
            {
                "name": "Petra Neumann",
                "erp_crm_title": "ms",
                "lang": "de_DE",
                "street": "Schwarzwaldstraße 7",
                "zip": "79117",
                "city": "Freiburg im Breisgau",
                "country_id": cls.env.ref("base.de").id,
                "email": "neumann@example.com",
            }
        )
        cls.env["sale.funnel.robot"].create(
            {
                "name": "Invoice a 50% down payment",
                "stage_id": cls.stage_payment.id,
                "kind": "down_payment",
                "down_payment_percent": 50,
                "document_in_move": True,  # the test reads the document right after the move
            }
        )

    def _german_deal(self, partner=None):
        # 16,477.31 € plus 19 % VAT: 19,608.00 €.
        deal = self._create_deal(
            partner_id=(partner or self.partner).id,
            user_id=self.user_sales.id,
            pricelist_id=self.pricelist_eur.id,
            validity_date="2026-12-31",
            order_line=[
                Command.create(
                    {
                        "product_id": self.product.id,
                        "product_uom_qty": 1,
                        "price_unit": 16477.31,
                        "tax_ids": [Command.set(self.vat19.ids)],
                    }
                )
            ],
        )
        deal.write({"stage_id": self.stage_approval.id})
        self.assertEqual(deal.amount_total, 19608.0)
        return deal

    def _assert_legal_footer(self, text):
        for expected in (
            "Fensterbau Breisgau GmbH",
            "Sitz: Freiburg im Breisgau",
            "Amtsgericht Freiburg i. Br. HRB 712345",
            "USt-IdNr.: DE811907980",
            "Geschäftsführer: Anna Breisgau, Jonas Holz",
        ):
            with self.subTest(expected=expected):
                self.assertIn(expected, text)

    def test_german_offer_pdf(self):
        deal = self._german_deal()
        text, layout = pdf_text(self, self.env.ref("erp_crm.action_report_deal_offer"), deal, name="offer_de")
        self.assertEqual(layout.count("\f"), 1, "the offer holds on one page, its legal footer included")
        for expected in (
            f"Angebot {deal.name}",
            "Sehr geehrte Frau Neumann,",
            "Vielen Dank für Ihre Anfrage.",
            "Auftragssumme 19.608,00 €",
            "USt. 19 % 3.130,69 €",
            "Jetzt fällige Anzahlung (50 %) 9.804,00 €",
            "Gültig bis",
            "31.12.2026",  # valid until
            "11.03.2026",  # the offer's date
        ):
            with self.subTest(expected=expected):
                self.assertIn(expected, text)
        self.assertRegex(text, r"16\.477,31 19 % 16\.477,31 €", "the line states its VAT rate")
        self.assertNotIn("Dear", text)
        self._assert_legal_footer(text)
        html = self.env["ir.actions.report"]._render_qweb_html(
            self.env.ref("erp_crm.action_report_deal_offer"), deal.ids
        )[0]
        self.assertIn(b'alt="Logo"', html, "the company's logo")

    def test_german_payment_request_pdf_and_its_qr_code(self):
        deal = self._german_deal()
        deal.write({"stage_id": self.stage_payment.id})
        invoice = deal.invoice_ids
        self.assertEqual(invoice.amount_total, 9804.0)
        report = self.env.ref("erp_crm.action_report_payment_request")
        text, _layout = pdf_text(self, report, deal, name="payment_request_de")
        for expected in (
            f"Zahlungsaufforderung {deal.name}",
            "Sehr geehrte Frau Neumann,",
            "Auftragssumme 19.608,00 €",
            "USt. 19 % 3.130,69 €",
            "9.804,00 €",
        ):
            with self.subTest(expected=expected):
                self.assertIn(expected, text)
        self._assert_legal_footer(text)
        pdf = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, deal.ids)[0]
        )
        payloads = qr_payloads(self, pdf)
        self.assertEqual(len(payloads), 1, "one QR code, whole on one page")
        lines = payloads[0].splitlines()
        self.assertEqual(lines[:4], ["BCD", "002", "1", "SCT"], "Odoo's EPC (SEPA credit transfer) payload")
        self.assertIn("DE89370400440532013000", lines)
        self.assertIn("EUR9804.0", lines, "the amount due now")

    def test_salutation_by_title_name_and_language(self):
        deal = self._german_deal()
        company = self.env["res.partner"].create({"name": "Wohnbau Breisgau GmbH", "is_company": True, "lang": "de_DE"})
        german = self.partner.with_context(lang="de_DE")
        english = self.partner.with_context(lang="en_US")
        self.assertEqual(german._erp_crm_salutation(), "Sehr geehrte Frau Neumann,")
        self.assertEqual(english._erp_crm_salutation(), "Dear Ms Neumann,")
        self.partner.erp_crm_title = "mr"
        self.assertEqual(german._erp_crm_salutation(), "Sehr geehrter Herr Neumann,")
        self.partner.erp_crm_title = False
        self.assertEqual(german._erp_crm_salutation(), "Guten Tag Petra Neumann,")
        self.assertEqual(company.with_context(lang="de_DE")._erp_crm_salutation(), "Sehr geehrte Damen und Herren,")
        self.assertEqual(company.with_context(lang="en_US")._erp_crm_salutation(), "Dear Sir or Madam,")
        deal.partner_id = company
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(self.env.ref("erp_crm.action_report_deal_offer"), deal.ids)[0]
            .decode()
        )
        self.assertIn("Sehr geehrte Damen und Herren,", html)

    def test_german_robot_email(self):
        """The payment request email the robot sends is rendered in the customer's language, with German amounts,
        the salutation and the down payment's rate with one sign."""
        self.env["sale.funnel.robot"].create(
            {
                "name": "Send the payment request",
                "stage_id": self.stage_payment.id,
                "sequence": 1,
                "kind": "email",
                "mail_template_id": self.env.ref("erp_crm.mail_template_payment_request").id,
                "report_id": self.env.ref("erp_crm.action_report_payment_request").id,
                "document_in_move": True,  # the test reads the document right after the move
            }
        )
        deal = self._german_deal()
        deal.with_user(self.user_sales).with_context(force_report_rendering=True).write(
            {"stage_id": self.stage_payment.id}
        )
        mail = self.env["mail.mail"].search([("model", "=", "sale.order"), ("res_id", "=", deal.id)])
        self.assertEqual(len(mail), 1)
        body = " ".join(html2plaintext(mail.body_html).replace("\xa0", " ").replace("*", "").split())
        for expected in (
            "Sehr geehrte Frau Neumann,",
            "Vielen Dank für Ihren Auftrag",
            "Jetzt fälliger Betrag: 9.804,00 €",
            "(Anzahlung von 50 %)",
            "Auftragssumme: 19.608,00 €",
        ):
            with self.subTest(expected=expected):
                self.assertIn(expected, body)
        self.assertIn("Zahlungsaufforderung", mail.subject)
        self.assertEqual(mail.attachment_ids.mimetype, "application/pdf")
        self.assertEqual(mail.attachment_ids.name, f"Zahlungsaufforderung - {deal.name}.pdf")

    def test_document_file_names_in_the_customers_language(self):
        """The offer and the payment request are named in the customer's language (their reports'
        ``print_report_name``, as the web client names a printed PDF), whoever prints them; the quotation PDF the
        customer downloads from the portal too."""
        deal = self._german_deal()
        english = self.env["res.partner"].create({"name": "Ann Smith", "lang": "en_US", "email": "ann@example.com"})
        english_deal = self._german_deal(partner=english)
        names = {}
        for xmlid in ("erp_crm.action_report_deal_offer", "erp_crm.action_report_payment_request"):
            report = self.env.ref(xmlid).with_user(self.user_sales)
            for order in (deal, english_deal):
                names[xmlid, order] = safe_eval(report.print_report_name, {"object": order.with_user(self.user_sales)})
        self.assertEqual(names["erp_crm.action_report_deal_offer", deal], f"Angebot - {deal.name}")
        self.assertEqual(names["erp_crm.action_report_payment_request", deal], f"Zahlungsaufforderung - {deal.name}")
        self.assertEqual(names["erp_crm.action_report_deal_offer", english_deal], f"Offer - {english_deal.name}")
        self.assertEqual(
            names["erp_crm.action_report_payment_request", english_deal], f"Payment request - {english_deal.name}"
        )
        response = self.url_open(
            f"/my/orders/{deal.id}?access_token={deal._portal_ensure_token()}&report_type=pdf&download=true"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(f"Angebot_{deal.name}.pdf", response.headers["Content-Disposition"])
