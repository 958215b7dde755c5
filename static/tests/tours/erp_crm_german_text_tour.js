import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

/**
 * The German salesperson's screens, as text (issue 21): each tour waits for its screen to be drawn, then stores the
 * page's text (document.body.innerText) in an attachment named `erp_crm_page_text_<screen>`, which the test reads
 * and checks for English strings of erp_crm.
 */
function keepPageText(screen) {
    return {
        trigger: "body:not(:has(.o_loading_indicator))",
        content: `Keep the text of the ${screen}`,
        async run() {
            await rpc("/web/dataset/call_kw/ir.attachment/create", {
                model: "ir.attachment",
                method: "create",
                args: [{ name: `erp_crm_page_text_${screen}`, description: document.body.innerText }],
                kwargs: {},
            });
        },
    };
}

const screens = {
    pipeline: [
        {
            trigger: ".o_kanban_view .o_kanban_group .o_kanban_record",
            content: "The pipeline shows its stages and deals",
        },
    ],
    deal: [
        {
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current",
            content: "The deal's form with its stage",
        },
        {
            trigger: ".o_form_view .o-mail-Chatter .o-mail-Message",
            content: "and its chatter",
        },
    ],
    robot_board: [
        {
            trigger: ".o_form_view .oe_stat_button[name=action_open_robot_board]",
            content: "Open the funnel's robot board",
            run: "click",
        },
        {
            trigger: ".o_erp_crm_robot_board .o_kanban_group .o_kanban_record",
            content: "The board shows the stages with their robots",
        },
    ],
    dashboard: [
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
            trigger: ".o_spreadsheet_dashboard_action:not(:has(.dashboard-loading-status))",
            content: "Loaded",
        },
    ],
};

for (const [screen, steps] of Object.entries(screens)) {
    registry.category("web_tour.tours").add(`erp_crm_german_text_${screen}_tour`, {
        steps: () => [...steps, keepPageText(screen)],
    });
}
