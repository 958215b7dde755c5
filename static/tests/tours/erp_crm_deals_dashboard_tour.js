import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("erp_crm_deals_dashboard_tour", {
    steps: () => [
        {
            trigger: ".o_spreadsheet_dashboard_action .o_search_panel_category_value[data-name='Deals']",
            content: "Open the Deals dashboard",
            run: "click",
        },
        {
            trigger: ".o_search_panel_category_value.active[data-name='Deals']",
            content: "The Deals dashboard is the active one",
        },
        {
            trigger: ".o_spreadsheet_dashboard_action .o-figure:eq(9)",
            content: "Its scorecards and charts are drawn",
        },
        {
            trigger: ".o_spreadsheet_dashboard_action .o-figure canvas",
            content: "A chart is rendered",
        },
        {
            trigger: ".o_spreadsheet_dashboard_action:not(:has(.dashboard-loading-status))",
            content: "Loaded without error",
        },
    ],
});
