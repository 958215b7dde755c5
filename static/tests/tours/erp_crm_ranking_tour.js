import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("erp_crm_ranking_tour", {
    steps: () => [
        {
            trigger: ".o_main_navbar [data-menu-xmlid='erp_crm.res_partner_ranking_menu_root']",
            content: "Open the Customers menu",
            run: "click",
        },
        {
            trigger: ".dropdown-menu [data-menu-xmlid='erp_crm.res_partner_ranking_menu_pareto']",
            content: "Pareto Curve",
            run: "click",
        },
        {
            trigger: ".o_graph_view .o_graph_canvas_container canvas",
            content: "The Pareto curve is drawn, best customers first",
            run() {
                // three paying customers (9,000, 600, 400): percentiles 34, 67, 100 and 90, 96, 100 % cumulated
                const chart = window.Chart.getChart(this.anchor);
                const points = chart.data.labels.map((label, i) => [
                    Number(label),
                    Math.round(chart.data.datasets[0].data[i]),
                ]);
                if (JSON.stringify(points) !== "[[34,90],[67,96],[100,100]]") {
                    throw new Error(`Pareto curve drawn as ${JSON.stringify(points)}`);
                }
            },
        },
        {
            trigger: ".o_breadcrumb:contains('Pareto Curve')",
            content: "It is the Pareto report",
        },
        {
            trigger: ".o_main_navbar [data-menu-xmlid='sale.sale_order_menu']",
            content: "Open the Orders menu",
            run: "click",
        },
        {
            trigger: ".dropdown-menu [data-menu-xmlid='sale.res_partner_menu']",
            content: "Customers",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Tour Gamma')",
            content: "All customers are listed",
        },
        {
            trigger: ".o_searchview_dropdown_toggler",
            content: "Open the filters",
            run: "click",
        },
        {
            trigger: ".o_filter_menu .o_menu_item:contains('Class A')",
            content: "Only class A customers",
            run: "click",
        },
        {
            trigger: ".o_searchview_facet:contains('Class A')",
            content: "The filter is on",
        },
        {
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour Gamma'))) .o_data_row:contains('Tour Alpha')",
            content: "Alpha stays, Gamma (class C) is filtered out",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Tour Alpha') .o_field_badge:contains('A')",
            content: "The class shows as a badge",
        },
    ],
});
