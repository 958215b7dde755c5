"""Issue 20.16: the Deals dashboard shows one funnel at a time, with a funnel filter, amounts in the currency, and
fits a 1440 px screen."""

import base64
import itertools
import json
import re

from odoo.tests import freeze_time, tagged

from odoo.addons.erp_crm.models.spreadsheet_dashboard import (
    DEALS_FUNNEL_FILTER_ID,
    DEALS_STAGE_CHART_ID,
    funnel_chart_id,
)

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

    def _served(self, user):
        return json.loads(self.dashboard.with_user(user)._get_serialized_readonly_dashboard())["snapshot"]

    def test_each_funnel_has_its_own_stage_chart(self):
        """With two funnels, the stage chart is served once per funnel: each asks for its funnel's deals grouped by
        stage, and what it reads holds only that funnel's stages (one axis per funnel, no mixing)."""
        with freeze_time("2026-02-05 09:00:00"):
            heat_deal = self.env["sale.order"].create(
                {"partner_id": self.partner.id, "funnel_id": self.heat_pumps.id, "user_id": self.user_sales.id}
            )
            heat_deal.write({"stage_id": self.heat_pumps.stage_ids[1].id})
        self.env.flush_all()
        snapshot = self._served(self.user_all)
        figures = {f["id"]: f for sheet in snapshot["sheets"] for f in sheet["figures"]}
        self.assertNotIn(DEALS_STAGE_CHART_ID, figures, "no chart mixing the funnels")
        for funnel, other in ((self.funnel, self.heat_pumps), (self.heat_pumps, self.funnel)):
            with self.subTest(funnel=funnel.name):
                chart = figures[funnel_chart_id(funnel)]["data"]
                self.assertIn(funnel.name, chart["title"]["text"])
                self.assertEqual(chart["metaData"]["groupBy"], ["stage_id"])
                self.assertEqual(chart["fieldMatching"][DEALS_FUNNEL_FILTER_ID]["chain"], "funnel_id")
                groups = (
                    self.env[chart["metaData"]["resModel"]]
                    .with_user(self.user_all)
                    ._read_group(chart["searchParams"]["domain"], chart["metaData"]["groupBy"], ["__count"])
                )
                stages = self.env["sale.funnel.stage"].union(*(stage for stage, __ in groups))
                self.assertTrue(stages, "the chart has bars")
                self.assertLessEqual(stages, funnel.stage_ids, "only its own funnel's stages")
                self.assertFalse(stages & other.stage_ids)
                menus = snapshot["chartOdooMenusReferences"]
                self.assertEqual(menus[funnel_chart_id(funnel)], "erp_crm.sale_funnel_report_menu")

        # laid out in two columns within 1440 px; the tables below the charts moved down with them
        dashboard = next(sheet for sheet in snapshot["sheets"] if sheet["name"] == "Dashboard")
        boxes = [f for f in dashboard["figures"] if f["offset"]["y"] >= 130]
        for figure in boxes:
            self.assertLessEqual(figure["offset"]["x"] + figure["width"], DASHBOARD_ROOM_PX)
        for first, second in itertools.combinations(boxes, 2):
            apart = (
                first["offset"]["x"] + first["width"] <= second["offset"]["x"]
                or second["offset"]["x"] + second["width"] <= first["offset"]["x"]
                or first["offset"]["y"] + first["height"] <= second["offset"]["y"]
                or second["offset"]["y"] + second["height"] <= first["offset"]["y"]
            )
            self.assertTrue(apart, f"{first['data']['title']} overlaps {second['data']['title']}")
        bottom = max(f["offset"]["y"] + f["height"] for f in boxes)
        first_table_row = min(int(re.match(r"[A-Z]+(\d+)", ref).group(1)) for ref in dashboard["cells"])
        self.assertGreater((first_table_row - 1) * 23, bottom, "the tables start below the last chart")

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
