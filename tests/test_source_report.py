"""Lead sources (issue 11 items 5 and 8): conversion and won amount per utm source and campaign."""

from odoo.fields import Command
from odoo.tests import freeze_time, new_test_user, tagged

from .common import ErpCrmCommon


@tagged("erp_crm")
@freeze_time("2026-03-02 12:00:00")
class TestLeadSources(ErpCrmCommon):
    """Hand-built deals, each step at a known time.

    2026-01-05  A (Sally, Google, Spring), B (Sally, Google, Spring), C (Sam, Partner site, Autumn), D (Sally, no
                source) come in
    2026-01-12  A is won, C is lost
    2026-02-03  E (Sam, Google, Autumn) comes in; won on 2026-02-05
    A deal of another company (Google) comes in on 2026-01-05.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Source, Campaign = cls.env["utm.source"], cls.env["utm.campaign"]
        cls.google = Source.create({"name": "Google"})
        cls.partner_site = Source.create({"name": "Partner site"})
        cls.spring = Campaign.create({"title": "Spring"})
        cls.autumn = Campaign.create({"title": "Autumn"})
        cls.product.list_price = 100.0

        def deal(user, qty, source=None, campaign=None):
            return cls._create_deal(
                user_id=user.id,
                source_id=source.id if source else False,
                campaign_id=campaign.id if campaign else False,
                order_line=[Command.create({"product_id": cls.product.id, "product_uom_qty": qty})],
            )

        with freeze_time("2026-01-05 09:00:00"):
            cls.deal_a = deal(cls.user_sales, 10, cls.google, cls.spring)
            cls.deal_b = deal(cls.user_sales, 20, cls.google, cls.spring)
            cls.deal_c = deal(cls.user_sales_2, 30, cls.partner_site, cls.autumn)
            cls.deal_d = deal(cls.user_sales, 40)
        with freeze_time("2026-01-12 09:00:00"):
            cls.deal_a.write({"stage_id": cls.stage_won.id})
            cls.deal_c._mark_lost(cls.lost_reason)
        with freeze_time("2026-02-03 09:00:00"):
            cls.deal_e = deal(cls.user_sales_2, 50, cls.google, cls.autumn)
        with freeze_time("2026-02-05 09:00:00"):
            cls.deal_e.write({"stage_id": cls.stage_won.id})
        cls.company_b = cls.env["res.company"].create({"name": "Windows B"})
        with freeze_time("2026-01-05 09:00:00"):
            cls.deal_b_company = (
                cls.env["sale.order"]
                .with_company(cls.company_b)
                .create(
                    {
                        "partner_id": cls.partner.id,
                        "company_id": cls.company_b.id,
                        "funnel_id": cls.funnel.id,
                        "team_id": False,
                        "source_id": cls.google.id,
                        "order_line": [Command.create({"product_id": cls.product.id, "product_uom_qty": 60})],
                    }
                )
            )
        cls.env.flush_all()

    def _by(self, groupby, user=None, domain=()):
        Report = self.env["sale.source.report"].with_user(user or self.user_all)
        groups = Report.formatted_read_group(
            [("funnel_id", "=", self.funnel.id), *domain],
            [groupby],
            [
                "created_count:sum",
                "won_count:sum",
                "lost_count:sum",
                "conversion_rate:avg",
                "win_rate:avg",
                "won_amount:sum",
                "amount:sum",
            ],
        )
        return {(group[groupby] or (False, "None"))[1]: group for group in groups}

    def _figures(self, group):
        return (
            group["created_count:sum"],
            group["won_count:sum"],
            group["lost_count:sum"],
            round(group["conversion_rate:avg"] or 0.0, 2),
            round(group["win_rate:avg"] or 0.0, 2),
            group["won_amount:sum"],
        )

    def test_amounts_are_known(self):
        self.assertEqual(
            [d.amount_untaxed for d in (self.deal_a, self.deal_b, self.deal_c, self.deal_d, self.deal_e)],
            [1000.0, 2000.0, 3000.0, 4000.0, 5000.0],
        )

    def test_conversion_and_won_amount_per_source(self):
        groups = self._by("source_id")
        self.assertEqual(set(groups), {"Google", "Partner site", "None"})
        # created, won, lost, conversion (won / created), win rate (won / closed), won amount
        self.assertEqual(self._figures(groups["Google"]), (3, 2, 0, 66.67, 100.0, 6000.0))
        self.assertEqual(self._figures(groups["Partner site"]), (1, 0, 1, 0.0, 0.0, 0.0))
        self.assertEqual(self._figures(groups["None"]), (1, 0, 0, 0.0, 0.0, 0.0), "no deal closed yet")

    def test_conversion_and_won_amount_per_campaign(self):
        groups = self._by("campaign_id")
        self.assertEqual(self._figures(groups["Spring"]), (2, 1, 0, 50.0, 100.0, 1000.0))
        self.assertEqual(self._figures(groups["Autumn"]), (2, 1, 1, 50.0, 50.0, 5000.0))
        self.assertEqual(groups["Autumn"]["amount:sum"], 8000.0)

    def test_period_counts_the_deals_that_came_in(self):
        january = [("date", ">=", "2026-01-01"), ("date", "<", "2026-02-01")]
        groups = self._by("source_id", domain=january)
        self.assertEqual(self._figures(groups["Google"]), (2, 1, 0, 50.0, 100.0, 1000.0))
        by_month = self._by("date:month")
        self.assertEqual(
            {month: group["created_count:sum"] for month, group in by_month.items()},
            {"January 2026": 4, "February 2026": 1},
        )
        rows = self.env["sale.source.report"].search([("order_id", "=", self.deal_e.id)])
        self.assertEqual(str(rows.date), "2026-02-03 09:00:00")
        self.assertEqual(str(rows.date_closed), "2026-02-05 09:00:00")

    def test_salesperson_sees_own_and_unassigned_deals_only(self):
        groups = self._by("source_id", user=self.user_sales)
        self.assertEqual(set(groups), {"Google", "None"}, "Sam's partner-site deal is not Sally's")
        self.assertEqual(self._figures(groups["Google"]), (2, 1, 0, 50.0, 100.0, 1000.0))
        self.assertEqual(
            self.env["sale.source.report"].with_user(self.user_sales).search([]).order_id,
            self.deal_a | self.deal_b | self.deal_d,
        )

    def test_companies_are_kept_apart(self):
        Report = self.env["sale.source.report"]
        self.assertIn(self.deal_b_company, Report.search([]).order_id, "the superuser sees every company")
        self.assertNotIn(self.deal_b_company, Report.with_user(self.user_all).search([]).order_id)
        user_b = new_test_user(
            self.env,
            login="erp_crm_sources_b",
            groups="erp_crm.erp_crm_group_all_deals",
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        self.assertEqual(Report.with_user(user_b).search([]).order_id, self.deal_b_company)

    def test_deal_screens_show_the_sources(self):
        Deal = self.env["sale.order"].with_user(self.user_sales)
        form = Deal.get_views([(self.env.ref("sale.view_order_form").id, "form")])["views"]["form"]["arch"]
        self.assertIn('name="erp_crm_source"', form)
        search = Deal.get_views([(self.env.ref("erp_crm.sale_order_view_search").id, "search")])["views"]["search"]
        for name in ("groupby_source", "groupby_medium", "groupby_campaign"):
            self.assertIn(f'name="{name}"', search["arch"])
