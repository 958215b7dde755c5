import copy
import json
import math
import re

from odoo import models

# The Funnel filter of the Deals dashboard (data/files/deals_dashboard.json).
DEALS_FUNNEL_FILTER_ID = "a1d7c0de-0000-4000-8000-000000000004"
# Its "Deals entering each stage" chart: the template of the chart served for each funnel.
DEALS_STAGE_CHART_ID = "a1d7c0de-0000-4000-a000-000000000001"
# Layout of the dashboard's charts below its scorecards: two columns of 530 x 320 px from y = 130 (fits 1440 px).
CHART_TOP_PX, CHART_WIDTH_PX, CHART_HEIGHT_PX, CHART_GAP_PX, CHART_LEFT_PX = 130, 530, 320, 10, 10
ROW_HEIGHT_PX = 23  # o-spreadsheet's default row height: the tables in cells below the charts move by whole rows
CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def funnel_chart_id(funnel):
    """The figure id of a funnel's stage chart (stable, so that the dashboard's links and tests find it)."""
    return f"a1d7c0de-0000-4000-b000-{funnel.id:012d}"


class SpreadsheetDashboard(models.Model):
    """The Deals dashboard as served to a user: it opens on the user's funnel (its Funnel filter's default, as the
    pipeline does) and shows one "Deals entering each stage" chart per funnel, each with that funnel's stages on its
    own axis (one chart mixing funnels put unrelated stages side by side). Other dashboards are served unchanged."""

    _inherit = "spreadsheet.dashboard"

    def _get_serialized_readonly_dashboard(self):
        serialized = super()._get_serialized_readonly_dashboard()
        if self != self.env.ref("erp_crm.spreadsheet_dashboard_deals", raise_if_not_found=False):
            return serialized
        dashboard = json.loads(serialized)
        funnels = self.env["sale.funnel"].search([])  # the funnels the user may see (record rules apply)
        if funnels:
            self._erp_crm_chart_per_funnel(dashboard["snapshot"], funnels)
        funnel = self.env["sale.funnel"]._get_default_funnel(self.env.user.sale_team_id)
        if funnel:
            for global_filter in dashboard["snapshot"].get("globalFilters", []):
                if global_filter["id"] == DEALS_FUNNEL_FILTER_ID:
                    global_filter["defaultValue"] = {"operator": "in", "ids": funnel.ids}
        return json.dumps(dashboard)

    def _erp_crm_chart_per_funnel(self, snapshot, funnels):
        """Replace the stage chart by one chart per funnel (its domain on the funnel, grouped by stage), lay the
        charts out in two columns and move the tables below them down as far as the charts grew."""
        for sheet in snapshot["sheets"]:
            template = next((f for f in sheet["figures"] if f["id"] == DEALS_STAGE_CHART_ID), None)
            if template:
                break
        else:
            return
        charts = [self._erp_crm_funnel_chart(template, funnel) for funnel in funnels]
        menus = snapshot.setdefault("chartOdooMenusReferences", {})
        for chart in charts:
            if DEALS_STAGE_CHART_ID in menus:
                menus[chart["id"]] = menus[DEALS_STAGE_CHART_ID]
        menus.pop(DEALS_STAGE_CHART_ID, None)
        figures = [f for f in sheet["figures"] if f is not template]
        scorecards = [f for f in figures if f["offset"]["y"] < CHART_TOP_PX]
        others = [f for f in figures if f["offset"]["y"] >= CHART_TOP_PX]
        others.sort(key=lambda f: (f["offset"]["y"], f["offset"]["x"]))
        old_bottom = max(f["offset"]["y"] + f["height"] for f in [template, *others])
        grid = [*charts, *others]
        for index, figure in enumerate(grid):
            x = CHART_LEFT_PX + (index % 2) * (CHART_WIDTH_PX + CHART_GAP_PX)
            y = CHART_TOP_PX + (index // 2) * (CHART_HEIGHT_PX + CHART_GAP_PX)
            figure.update(x=x, y=y, width=CHART_WIDTH_PX, height=CHART_HEIGHT_PX, offset={"x": x, "y": y})
        sheet["figures"] = [*scorecards, *grid]
        new_bottom = max(f["offset"]["y"] + f["height"] for f in grid)
        if new_bottom > old_bottom:
            self._erp_crm_shift_rows(sheet, math.ceil((new_bottom - old_bottom) / ROW_HEIGHT_PX))

    def _erp_crm_funnel_chart(self, template, funnel):
        chart = copy.deepcopy(template)
        chart["id"] = chart["data"]["chartId"] = funnel_chart_id(funnel)
        data = chart["data"]
        data["title"]["text"] = self.env._("Deals entering each stage: %(funnel)s", funnel=funnel.name)
        data["legendPosition"] = "none"
        data["stacked"] = False
        data["metaData"]["groupBy"] = ["stage_id"]
        data["searchParams"]["groupBy"] = ["stage_id"]
        data["searchParams"]["domain"] = [["funnel_id", "=", funnel.id]]
        return chart

    def _erp_crm_shift_rows(self, sheet, rows):
        """Move the sheet's cells (and their styles, formats, borders) ``rows`` rows down."""

        def shift(key):
            return CELL_REF.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + rows}", key)

        for part in ("cells", "styles", "formats", "borders"):
            if isinstance(sheet.get(part), dict):
                sheet[part] = {shift(key): value for key, value in sheet[part].items()}
        if isinstance(sheet.get("rows"), dict):  # row sizes, by 0-based index
            sheet["rows"] = {str(int(index) + rows): value for index, value in sheet["rows"].items()}
        sheet["rowNumber"] = sheet.get("rowNumber", 100) + rows
