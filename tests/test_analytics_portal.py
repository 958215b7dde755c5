from datetime import datetime, timedelta

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install", "erp_crm")
class TestPortalProgress(HttpCase):
    """The customer's progress page over HTTP, as two portal customers use it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.funnel = cls.env["sale.funnel"].create(
            {
                "name": "Portal windows",
                "stage_ids": [Command.clear()]
                + [
                    Command.create({"name": name, "sequence": i, "kind": kind, **extra})
                    for i, (name, kind, extra) in enumerate(
                        [
                            ("First call", "open", {"customer_note": "We call you back"}),
                            ("Credit check", "open", {"internal": True}),
                            ("Measurement", "open", {"customer_note": "We measure your windows on site"}),
                            ("Installation", "open", {}),
                            ("Won", "won", {}),
                            ("Lost", "lost", {}),
                        ]
                    )
                ],
            }
        )
        cls.stage_call, cls.stage_check, cls.stage_measure, __, cls.stage_won, __ = cls.funnel.stage_ids
        cls.user_ann = new_test_user(cls.env, login="erp_crm_portal_ann", groups="base.group_portal", name="Ann")
        cls.user_bob = new_test_user(cls.env, login="erp_crm_portal_bob", groups="base.group_portal", name="Bob")
        cls.deal_ann = cls._deal(cls.user_ann, "Ann's bay window")
        cls.deal_bob = cls._deal(cls.user_bob, "Bob's secret conservatory")

    @classmethod
    def _deal(cls, user, title):
        deal = cls.env["sale.order"].create(
            {"partner_id": user.partner_id.id, "funnel_id": cls.funnel.id, "title": title, "client_order_ref": title}
        )
        deal.message_subscribe(user.partner_id.ids)  # a customer follows their own order (portal access)
        return deal

    def _page(self, deal, **params):
        response = self.url_open(f"/my/orders/{deal.id}", params=params)
        self.assertEqual(response.status_code, 200)
        return response

    def test_customer_sees_visible_stages_next_step_and_dates(self):
        installation = (datetime.now() + timedelta(days=10)).replace(hour=9, minute=0, second=0, microsecond=0)
        self.deal_ann.write({"stage_id": self.stage_check.id, "installation_date": installation})
        self.authenticate("erp_crm_portal_ann", "erp_crm_portal_ann")
        page = self._page(self.deal_ann).text
        self.assertIn('id="erp_crm_progress"', page)
        for name in ("First call", "Measurement", "Installation", "Won"):
            self.assertIn(name, page)
        self.assertNotIn("Credit check", page, "an internal stage stays hidden")
        self.assertNotIn("Lost", page)
        # In the internal stage, the customer still sees First call as the current step.
        current = page.split("o_erp_crm_step_current")[1].split("</li>")[0]
        self.assertIn("First call", current)
        next_step = page.split("o_erp_crm_next_step")[1].split("</p>")[0]
        self.assertIn("Measurement", next_step)
        self.assertIn("We measure your windows on site", next_step)
        self.assertIn("Installation:", page)
        self.assertIn(str(installation.year), page.split("o_erp_crm_planned")[1])

    def test_no_planned_date_in_the_past(self):
        """Planned work already past (a date Odoo planned backwards, before the order existed) is not shown."""
        self.deal_ann.write(
            {"stage_id": self.stage_measure.id, "installation_date": datetime.now() - timedelta(days=2)}
        )
        self.assertFalse(self.deal_ann._get_portal_progress()["dates"])
        self.authenticate("erp_crm_portal_ann", "erp_crm_portal_ann")
        self.assertNotIn("o_erp_crm_planned", self._page(self.deal_ann).text)

    def test_german_customer_reads_the_names_shown_to_customers(self):
        """Each stage has a name for customers, translated; a German customer reads the page in German."""
        self.env["res.lang"]._activate_lang("de_DE")
        self.env["ir.module.module"]._load_module_terms(["erp_crm"], ["de_DE"], overwrite=True)
        self.stage_measure.portal_name = "We measure your windows"
        self.stage_measure.with_context(lang="de_DE").portal_name = "Wir messen Ihre Fenster auf"
        self.user_ann.lang = "de_DE"  # through the user: its session context follows
        self.deal_ann.write({"stage_id": self.stage_call.id})
        self.authenticate("erp_crm_portal_ann", "erp_crm_portal_ann")
        page = self._page(self.deal_ann).text
        self.assertIn("Wir messen Ihre Fenster auf", page)
        self.assertNotIn(">Measurement<", page.replace("\n", "").replace(" ", ""))
        self.assertIn("Nächster Schritt:", page)
        self.assertIn("First call", page, "a stage without a name for customers shows its name")

    def test_page_shows_the_deals_company(self):
        """The footer names the deal's company, also for a visitor with the order's link (not the database's first
        company)."""
        company = self.env["res.company"].create({"name": "Fensterbau Breisgau GmbH"})
        deal = (
            self.env["sale.order"]
            .with_company(company)
            .create({"partner_id": self.user_ann.partner_id.id, "company_id": company.id})
        )
        self.assertEqual(deal.company_id, company)
        page = self.url_open(f"/my/orders/{deal.id}", params={"access_token": deal._portal_ensure_token()}).text
        footer = page.split("o_footer_copyright_name")[1].split("</span></span>")[0]
        self.assertIn("Fensterbau Breisgau GmbH", footer)
        self.assertNotIn(self.env.ref("base.main_company").name, footer)

    def test_won_deal_shows_every_step_done(self):
        window = self.env["product.product"].create({"name": "Window", "list_price": 10})
        self.deal_ann.order_line = [Command.create({"product_id": window.id, "product_uom_qty": 1})]
        self.deal_ann.write({"stage_id": self.stage_won.id})
        self.authenticate("erp_crm_portal_ann", "erp_crm_portal_ann")
        page = self._page(self.deal_ann).text
        self.assertEqual(page.count("o_erp_crm_step_done"), 4)
        self.assertNotIn("o_erp_crm_next_step", page)

    def test_two_customers_never_see_each_other_deal(self):
        self.deal_bob.write({"stage_id": self.stage_measure.id})
        self.authenticate("erp_crm_portal_ann", "erp_crm_portal_ann")
        self.assertIn("Ann&#39;s bay window", self._page(self.deal_ann).text)
        # Bob's order, by id, with Ann's session: back to /my, nothing of Bob's deal.
        for params in ({}, {"access_token": self.deal_ann._portal_ensure_token()}, {"access_token": "forged"}):
            response = self.url_open(f"/my/orders/{self.deal_bob.id}", params=params)
            self.assertTrue(response.url.split("?")[0].endswith("/my"), response.url)
            self.assertNotIn("conservatory", response.text)
            self.assertNotIn("erp_crm_progress", response.text)
        # Bob sees his own, and not Ann's.
        self.authenticate("erp_crm_portal_bob", "erp_crm_portal_bob")
        page = self._page(self.deal_bob).text
        self.assertIn("conservatory", page)
        self.assertIn("o_erp_crm_step_current", page)
        response = self.url_open(f"/my/orders/{self.deal_ann.id}")
        self.assertNotIn("bay window", response.text)

    def test_customer_reads_no_forecast_over_rpc(self):
        deal = self.deal_ann.with_user(self.user_ann)
        self.assertTrue(deal.read(["name"]))
        with self.assertRaises(AccessError):
            deal.read(["date_expected_close"])
        with self.assertRaises(AccessError):
            self.env["sale.funnel.report"].with_user(self.user_ann).search_read([], ["order_id"])
        with self.assertRaises(AccessError):
            self.stage_measure.with_user(self.user_ann).read(["customer_note"])

    def test_lost_deal_shows_no_progress(self):
        self.deal_ann._mark_lost(self.env.ref("erp_crm.sale_lost_reason_price"))
        self.authenticate("erp_crm_portal_ann", "erp_crm_portal_ann")
        self.assertNotIn('id="erp_crm_progress"', self._page(self.deal_ann).text)
