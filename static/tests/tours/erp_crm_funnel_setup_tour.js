import { registry } from "@web/core/registry";

const column = (name) => `.o_kanban_group:has(.o_column_title:contains('${name}'))`;

// New Line of Business (issue 23): a template, the role holders and the share on one screen, then the robot board.
registry.category("web_tour.tours").add("erp_crm_funnel_setup_tour", {
    steps: () => [
        {
            trigger: ".o_control_panel button:contains('New Line of Business')",
            content: "The funnel list offers the assistant",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=template_id] input",
            content: "Pick the heat pump template",
            run: "edit Heat pump",
        },
        {
            trigger: ".ui-autocomplete a.dropdown-item:contains('Heat pump installation')",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=role_line_ids] .o_data_row:contains('Installer')",
            content: "The template's roles are asked, each proposed to me",
        },
        {
            trigger: ".modal .o_field_widget[name=name] input",
            content: "Name the line of business",
            run: "edit Heat pumps North",
        },
        {
            trigger: ".modal .o_field_widget[name=down_payment_percent] input",
            content: "The down-payment share",
            run: "edit 35",
        },
        {
            trigger: ".modal button[name=action_create]",
            content: "Create everything",
            run: "click",
        },
        {
            trigger: ".o_notification.o_erp_crm_setup_checklist:contains('Connect incoming mail')",
            content: "What is left to do",
        },
        {
            trigger: `${column("First call")} .o_kanban_record:contains('Call the customer back')`,
            content: "Landed on the new funnel's robot board, with the template's robots",
        },
        {
            trigger: `${column("Ordering")} .o_erp_crm_stage_gate:contains('35')`,
            content: "The down-payment share is the Ordering stage's gate",
        },
    ],
});
