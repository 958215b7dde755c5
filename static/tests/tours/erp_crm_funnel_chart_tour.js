import { registry } from "@web/core/registry";

const stage = (name) => `.o_erp_crm_funnel_chart .o_funnel_stage[data-stage='${name}']`;

registry.category("web_tour.tours").add("erp_crm_funnel_chart_tour", {
    steps: () => [
        {
            trigger: ".o_erp_crm_funnel_chart .o_funnel_select",
            content: "Choose the funnel to look at",
            run: "selectByLabel Chart windows",
        },
        {
            trigger: `${stage("First call")} .o_funnel_count:contains('3')`,
            content: "Three deals entered First call",
        },
        {
            trigger: `${stage("Measurement")} .o_funnel_count:contains('2')`,
            content: "Two of them reached Measurement",
        },
        {
            trigger: ".o_erp_crm_funnel_chart .o_funnel_conversion:first .o_funnel_rate:contains('66.7')",
            content: "Conversion from First call to the next stage",
        },
        {
            trigger: ".o_erp_crm_funnel_chart .o_funnel_lost:contains('Lost: 1')",
            content: "The deal lost from First call",
        },
        {
            trigger: ".o_erp_crm_funnel_chart .o_period_select",
            content: "Only the last 30 days",
            run: "selectByLabel Last 30 days",
        },
        {
            trigger: `${stage("First call")} .o_funnel_count:contains('0')`,
            content: "The old entries leave the chart",
        },
        {
            trigger: `${stage("Won")} .o_funnel_count:contains('1')`,
            content: "The recent win stays",
        },
        {
            trigger: stage("Won"),
            content: "Open the won entries",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Won')",
            content: "The list of the stage's entries",
        },
    ],
});
