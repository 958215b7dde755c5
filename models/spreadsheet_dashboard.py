import json

from odoo import models

# The Funnel filter of the Deals dashboard (data/files/deals_dashboard.json).
DEALS_FUNNEL_FILTER_ID = "a1d7c0de-0000-4000-8000-000000000004"


class SpreadsheetDashboard(models.Model):
    """The Deals dashboard opens on the user's funnel (its Funnel filter's default, set when it is served), as the
    pipeline does: its stage chart and table show one funnel's stages. Other dashboards are served unchanged."""

    _inherit = "spreadsheet.dashboard"

    def _get_serialized_readonly_dashboard(self):
        serialized = super()._get_serialized_readonly_dashboard()
        if self != self.env.ref("erp_crm.spreadsheet_dashboard_deals", raise_if_not_found=False):
            return serialized
        funnel = self.env["sale.funnel"]._get_default_funnel(self.env.user.sale_team_id)
        if not funnel:
            return serialized
        dashboard = json.loads(serialized)
        for global_filter in dashboard["snapshot"].get("globalFilters", []):
            if global_filter["id"] == DEALS_FUNNEL_FILTER_ID:
                global_filter["defaultValue"] = {"operator": "in", "ids": funnel.ids}
        return json.dumps(dashboard)
