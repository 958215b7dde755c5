import { patch } from "@web/core/utils/patch";
import { DashboardSearchBar } from "@spreadsheet_dashboard/bundle/dashboard_action/dashboard_search_bar/dashboard_search_bar";

/**
 * Odoo shows an active global filter of a dashboard as a facet titled with the filter's label as written in the
 * dashboard's file: translate it, as the dashboard's other texts are (in the dashboard's translation namespace:
 * "Funnel" reads "Trichter" in German).
 */
patch(DashboardSearchBar.prototype, {
    async getFacetFor(filter) {
        const facet = await super.getFacetFor(filter);
        return { ...facet, title: this.props.model.getters.dynamicTranslate(filter.label) };
    },
});
