from unittest import SkipTest

from odoo.modules.module import get_manifest
from odoo.tests import HttpCase, tagged
from odoo.tools.convert import convert_file

from .test_documents import pdf_text


@tagged("post_install", "-at_install", "erp_crm", "erp_crm_german", "erp_crm_l10n_de")
class TestDemoGermanAccounting(HttpCase):
    """Issue 21: with Germany's accounting (``l10n_de``, which ``scripts/demo`` installs), the demo's window
    installer keeps its books in SKR03 and taxes its customers exactly as Odoo's German localisation decides: a
    German customer 19 %, the Austrian business customer with its VAT ID tax-free as an intra-EU delivery (fiscal
    position "Business partner EU (with VAT ID)", tax "0% EU D"), which its offer states.

    Needs ``l10n_de`` installed in the test database (``scripts/test`` installs erp_crm alone: the class is skipped
    there; e.g. ``python3 -m odoo -d mydb -i l10n_de`` once, then ``ERP_CRM_TEST_DB=mydb scripts/test -k l10n``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env["ir.module.module"].search_count([("name", "=", "l10n_de"), ("state", "=", "installed")]):
            raise SkipTest("l10n_de (Germany's accounting) is not installed in this database")
        idref = {}
        for filename in get_manifest("erp_crm")["demo"]:
            convert_file(cls.env, "erp_crm", filename, idref, mode="init", noupdate=False)
        # the documents speak the customer's German (the demo activates the language; its terms loaded as -u does)
        cls.env["ir.module.module"]._load_module_terms(["erp_crm"], ["de_DE"], overwrite=True)
        cls.company = cls.env.ref("erp_crm.res_company_demo_fensterbau")
        cls.Chart = cls.env["account.chart.template"].with_company(cls.company)
        cls.eu_deal = cls.env.ref("erp_crm.sale_order_demo_26")
        cls.german_deal = cls.env.ref("erp_crm.sale_order_demo_01")

    def _product_taxes(self, deal):
        return deal.order_line.filtered(lambda line: not line.display_type and not line.is_downpayment).tax_ids

    def test_eu_business_customer_is_taxed_as_l10n_de_decides(self):
        self.assertEqual(self.company.chart_template, "de_skr03")
        customer = self.eu_deal.partner_id
        self.assertEqual((customer.country_id.code, customer.vat), ("AT", "ATU12345675"))
        eu_position = self.Chart.ref("fiscal_position_eu_vat_id_partner_skr03")
        self.assertEqual(
            self.env["account.fiscal.position"].with_company(self.company)._get_fiscal_position(customer),
            eu_position,
            "Odoo's own choice for this customer",
        )
        self.assertEqual(self.eu_deal.fiscal_position_id, eu_position)
        self.assertEqual(self._product_taxes(self.eu_deal), self.Chart.ref("tax_eu_sale_skr03"))
        self.assertEqual(self.eu_deal.amount_tax, 0.0)
        self.assertEqual(self.eu_deal.amount_total, self.eu_deal.amount_untaxed)

    def test_german_customer_pays_19_percent(self):
        self.assertEqual(self.german_deal.partner_id.country_id.code, "DE")
        self.assertEqual(self.german_deal.fiscal_position_id, self.Chart.ref("fiscal_position_domestic_skr03"))
        self.assertEqual(self._product_taxes(self.german_deal), self.Chart.ref("tax_ust_19_skr03"))
        self.assertAlmostEqual(self.german_deal.amount_tax, self.german_deal.amount_untaxed * 0.19, places=2)

    def test_offer_states_the_tax_free_intra_eu_delivery(self):
        """The offer of the EU customer's deal says why it carries no VAT (the tax's label on invoices, as Odoo's
        German localisation prints it on the invoice) and the customer's VAT ID; a German customer's does not."""
        report = self.env.ref("erp_crm.action_report_deal_offer")
        text, _layout = pdf_text(self, report, self.eu_deal, name="offer_eu")
        self.assertIn("USt. 0 % (steuerfreie innergem. Lieferung)", text)
        self.assertIn("USt-IdNr. des Kunden: ATU12345675", text)
        german_text, _layout = pdf_text(self, report, self.german_deal, name="offer_de_skr03")
        self.assertIn("USt. 19 %", german_text)
        self.assertNotIn("innergem.", german_text)
        self.assertNotIn("USt-IdNr. des Kunden", german_text)
