import base64
import json

from odoo.tests import tagged

from .test_analytics import AnalyticsCommon
from .tour_common import TourCase


@tagged("erp_crm")
class TestDealsDashboard(AnalyticsCommon):
    """The Deals dashboard's pivots and charts ask the reports for fields they have, and get numbers."""

    def _dashboard_data(self):
        dashboard = self.env.ref("erp_crm.spreadsheet_dashboard_deals")
        return json.loads(base64.b64decode(dashboard.spreadsheet_binary_data))

    def test_every_pivot_and_chart_reads_its_report(self):
        data = self._dashboard_data()
        filters = {f["id"] for f in data["globalFilters"]}
        queries = [
            (pivot["model"], [row["fieldName"] for row in pivot["rows"]], [m["fieldName"] for m in pivot["measures"]])
            for pivot in data["pivots"].values()
        ]
        charts = [f["data"] for sheet in data["sheets"] for f in sheet["figures"] if f["data"].get("metaData")]
        queries += [(c["metaData"]["resModel"], c["metaData"]["groupBy"], [c["metaData"]["measure"]]) for c in charts]
        self.assertEqual(len(queries), 7)
        for model, groupby, measures in queries:
            Report = self.env[model].with_user(self.user_sales)
            aggregates = [f"{m}:{Report._fields[m].aggregator}" for m in measures]
            with self.subTest(model=model, groupby=groupby):
                self.assertTrue(Report.formatted_read_group([], groupby, aggregates))
        for item in [*data["pivots"].values(), *charts]:
            model = self.env[item.get("model") or item["metaData"]["resModel"]]
            self.assertEqual(set(item["fieldMatching"]), filters)
            for matching in item["fieldMatching"].values():
                if matching:
                    self.assertIn(matching["chain"], model._fields)

    def test_percentages_carry_one_sign(self):
        """A cell that prints a rate with its "%" is not labelled "(%)" as well ("Conversion (%) 18.5%")."""
        data = self._dashboard_data()
        cells = {name: cell for sheet in data["sheets"] for name, cell in sheet.get("cells", {}).items()}
        self.assertIn('&"%"', cells["C5"] if isinstance(cells["C5"], str) else cells["C5"]["content"])
        titles = [f["data"].get("title", {}).get("text", "") for sheet in data["sheets"] for f in sheet["figures"]]
        self.assertIn("Conversion", titles)
        self.assertFalse([title for title in titles if "(%)" in title])

    def test_kpi_cells_read_sallys_numbers(self):
        pivot = self._dashboard_data()["pivots"]["1"]
        aggregates = [
            f"{m['fieldName']}:{self.env[pivot['model']]._fields[m['fieldName']].aggregator}" for m in pivot["measures"]
        ]
        totals = (
            self.env[pivot["model"]]
            .with_user(self.user_sales)
            .formatted_read_group([("funnel_id", "=", self.funnel.id)], [], aggregates)[0]
        )
        self.assertEqual((totals["created_count:sum"], totals["won_count:sum"], totals["call_count:sum"]), (2, 1, 1))


@tagged("post_install", "-at_install", "erp_crm")
class TestDealsDashboardTour(TourCase):
    def test_deals_dashboard_opens(self):
        self.start_tour(
            "/odoo/action-spreadsheet_dashboard.ir_actions_dashboard_action",
            "erp_crm_deals_dashboard_tour",
            login="admin",
        )
