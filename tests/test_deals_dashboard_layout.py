"""Issue 20.16: the Deals dashboard shows one funnel at a time, with a funnel filter, amounts in the currency, and
fits a 1440 px screen."""

import base64
import json

from odoo.tests import tagged

from odoo.addons.erp_crm.models.spreadsheet_dashboard import DEALS_FUNNEL_FILTER_ID

from .common import funnel_stage_commands
from .test_analytics import AnalyticsCommon

# Room for the dashboard on a 1440 px wide screen, beside the dashboards' side panel (Odoo's own Sales dashboard
# is 1,095 px wide); o-spreadsheet's default column width.
DASHBOARD_ROOM_PX = 1100
DEFAULT_COLUMN_PX = 96


@tagged("erp_crm")
class TestDealsDashboardLayout(AnalyticsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dashboard = cls.env.ref("erp_crm.spreadsheet_dashboard_deals")
        cls.heat_pumps = cls.env["sale.funnel"].create(
            {"name": "Heat pumps", "stage_ids": funnel_stage_commands(("Survey", "open"), ("Won", "won"))}
        )
        cls.sale_team.funnel_id = cls.funnel

    def _data(self):
        return json.loads(base64.b64decode(self.dashboard.spreadsheet_binary_data))

    def _sources(self, data):
        charts = [f["data"] for sheet in data["sheets"] for f in sheet["figures"] if f["data"].get("metaData")]
        return [*data["pivots"].values(), *charts]

    def test_the_dashboard_opens_on_the_users_funnel_with_a_funnel_filter(self):
        """Sally's team works the window funnel: her dashboard opens filtered on it, and every pivot and chart
        follows the Funnel filter; with two funnels, the stage chart keeps each funnel's stages in its own series."""
        self.user_sales.sale_team_id = self.sale_team
        served = json.loads(self.dashboard.with_user(self.user_sales)._get_serialized_readonly_dashboard())
        funnel_filter = next(f for f in served["snapshot"]["globalFilters"] if f["id"] == DEALS_FUNNEL_FILTER_ID)
        self.assertEqual((funnel_filter["type"], funnel_filter["modelName"]), ("relation", "sale.funnel"))
        self.assertEqual(funnel_filter["defaultValue"], {"operator": "in", "ids": self.funnel.ids})
        for source in self._sources(self._data()):
            with self.subTest(source=source.get("model") or source["metaData"]["resModel"]):
                self.assertEqual(source["fieldMatching"][DEALS_FUNNEL_FILTER_ID]["chain"], "funnel_id")
        stage_chart = next(
            s for s in self._sources(self._data()) if s.get("metaData", {}).get("resModel") == "sale.funnel.report"
        )
        self.assertEqual(stage_chart["metaData"]["groupBy"], ["stage_id", "funnel_id"])
        stage_pivot = next(p for p in self._data()["pivots"].values() if p["model"] == "sale.funnel.report")
        self.assertEqual([row["fieldName"] for row in stage_pivot["rows"]], ["funnel_id", "stage_id"])

    def test_other_dashboards_are_served_unchanged(self):
        other = self.dashboard.copy({"name": "Copy"})
        served = json.loads(other.with_user(self.user_sales)._get_serialized_readonly_dashboard())
        funnel_filter = next(f for f in served["snapshot"]["globalFilters"] if f["id"] == DEALS_FUNNEL_FILTER_ID)
        self.assertNotIn("defaultValue", funnel_filter)

    def test_amounts_are_shown_in_the_company_currency(self):
        """The spreadsheet formats a monetary measure in the company's currency (a float has no currency)."""
        amounts = [("sale.kpi.report", "won_amount"), ("sale.forecast.report", "amount")]
        for model, fname in amounts:
            with self.subTest(model=model, field=fname):
                self.assertEqual(self.env[model].fields_get([fname])[fname]["type"], "monetary")
        used = {(p["model"], m["fieldName"]) for p in self._data()["pivots"].values() for m in p["measures"]}
        used |= {
            (s["metaData"]["resModel"], s["metaData"]["measure"])
            for s in self._sources(self._data())
            if "metaData" in s
        }
        self.assertTrue(set(amounts) <= used)
        won = (
            self.env["sale.kpi.report"]
            .with_user(self.user_sales)
            .formatted_read_group([("funnel_id", "=", self.funnel.id)], [], ["won_amount:sum"])
        )
        self.assertAlmostEqual(won[0]["won_amount:sum"], self.amount[self.deal_a])

    def test_the_dashboard_fits_a_1440px_screen(self):
        for sheet in self._data()["sheets"]:
            if not sheet.get("isVisible", True) or sheet["name"] != "Dashboard":
                continue
            for figure in sheet["figures"]:
                with self.subTest(figure=figure["data"].get("title", {}).get("text")):
                    self.assertLessEqual(figure["offset"]["x"] + figure["width"], DASHBOARD_ROOM_PX)
            widths = [
                sheet.get("cols", {}).get(str(col), {}).get("size", DEFAULT_COLUMN_PX)
                for col in range(sheet["colNumber"])
            ]
            self.assertLessEqual(sum(widths), DASHBOARD_ROOM_PX)
