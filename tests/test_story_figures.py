"""Issue 20.15 and 20.17: figures that mislead (the Forecast's opening period, the customer's segment badge)."""

from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import fields
from odoo.fields import Domain
from odoo.tests import freeze_time, tagged
from odoo.tools.safe_eval import safe_eval

from .common import ErpCrmCommon


def opening_domain(env, xmlid):
    """The domain an action opens on, as the web client builds it from the action's ``search_default_*`` filters:
    a filter's domain evaluated with today's date, a date filter on its default period (``year`` or ``month``)."""
    action = env["ir.actions.act_window"]._for_xml_id(xmlid)
    Model = env[action["res_model"]]
    arch = etree.fromstring(Model.get_views([(False, "search")])["views"]["search"]["arch"])
    today = fields.Date.context_today(Model)
    domains = [Domain(safe_eval(action.get("domain") or "[]", {"uid": env.uid}))]
    for key, value in safe_eval(action.get("context") or "{}", {"uid": env.uid}).items():
        if not key.startswith("search_default_") or not value:
            continue
        node = arch.xpath(f"//filter[@name='{key.removeprefix('search_default_')}']")
        if not node:
            continue  # a field's default value, not a filter
        node = node[0]
        if node.get("date"):
            period = node.get("default_period") or "month"
            start = today.replace(month=1, day=1) if period == "year" else today.replace(day=1)
            end = start + (relativedelta(years=1) if period == "year" else relativedelta(months=1))
            domains.append(Domain(node.get("date"), ">=", start) & Domain(node.get("date"), "<", end))
        else:
            context = {"context_today": lambda: today, "relativedelta": relativedelta, "datetime": datetime}
            domains.append(Domain(safe_eval(node.get("domain"), {**context, "uid": env.uid})))
    return Domain.AND(domains)


@tagged("erp_crm")
@freeze_time("2026-12-07 10:00:00")
class TestForecastOpensOnTheComingMonths(ErpCrmCommon):
    def test_in_december_the_forecast_shows_next_months_deals(self):
        """A salesperson opens the Forecast on 7 December: the deals that close in January and February (next
        year) are on it, with November's win; a deal closing in a year is not."""
        january, february, next_december = (self._create_deal(user_id=self.user_sales.id) for _month in range(3))
        january.date_expected_close = date(2027, 1, 15)
        february.date_expected_close = date(2027, 2, 20)
        next_december.date_expected_close = date(2027, 12, 1)
        with freeze_time("2026-11-20 10:00:00"):
            won = self._create_deal(user_id=self.user_sales.id)
            won.stage_id = self.stage_won
        env = self.env(user=self.user_sales)
        Report = env["sale.forecast.report"]
        rows = Report.search(opening_domain(env, "erp_crm.sale_forecast_report_action"))
        self.assertEqual(
            {(row.order_id, row.kind) for row in rows},
            {(january, "forecast"), (february, "forecast"), (won, "won")},
        )


@tagged("erp_crm")
class TestSegmentBadgeSaysCustomer(ErpCrmCommon):
    def test_an_open_deal_of_a_lost_customer_says_customer_lost(self):
        deal = self._create_deal(user_id=self.user_sales.id)
        self.env["res.partner.ranking"].create(
            {"partner_id": self.partner.id, "company_id": deal.company_id.id, "rfm_segment": "lost"}
        )
        deal.invalidate_recordset()
        deal = deal.with_user(self.user_sales)
        self.assertEqual((deal.won_status, deal.erp_crm_rfm_segment), ("pending", "lost"))
        self.assertEqual(deal.erp_crm_rfm_segment_badge, "Customer: Lost")
        for view_type, xmlid in (("kanban", "erp_crm.sale_order_view_kanban"), ("form", "sale.view_order_form")):
            arch = deal.get_views([(self.env.ref(xmlid).id, view_type)])["views"][view_type]["arch"]
            with self.subTest(view=view_type):
                badge = etree.fromstring(arch).xpath("//field[@name='erp_crm_rfm_segment_badge']")
                self.assertEqual(badge[0].get("widget"), "badge")
                self.assertIn("not how this deal stands", badge[0].get("title"))
                self.assertFalse(
                    etree.fromstring(arch).xpath("//field[@name='erp_crm_rfm_segment'][@widget='badge']"),
                    'the bare segment ("Lost") is no badge of its own',
                )
        self.env["res.lang"]._activate_lang("de_DE")
        self.env["ir.module.module"]._load_module_terms(["erp_crm"], ["de_DE"], overwrite=True)
        german = deal.with_context(lang="de_DE")
        german.invalidate_recordset()
        self.assertEqual(german.erp_crm_rfm_segment_badge, "Kunde: Verloren")
