import { registry } from "@web/core/registry";

const column = (name) => `.o_kanban_group:has(.o_column_title:contains('${name}'))`;
const card = (name) => `.o_kanban_record:contains('${name}')`;

registry.category("web_tour.tours").add("erp_crm_service_tour", {
    steps: () => [
        {
            trigger: `${column("New")} ${card("Tour leak")} .o_erp_crm_sla_badge`,
            content: "The new request waits in New with its SLA badge",
        },
        {
            trigger: `${column("New")} ${card("Tour leak")} .o_field_widget[name=service_priority]:contains('High')`,
            content: "A complaint is high priority",
        },
        {
            trigger: card("Tour leak"),
            content: "Drag the request to In Progress",
            run: `drag_and_drop (${column("In Progress")})`,
        },
        {
            trigger: `${column("In Progress")} ${card("Tour leak")}`,
            content: "Open the request",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('In Progress')",
            content: "The request is in progress",
        },
        {
            trigger: ".o_notebook .nav-link:contains('SLAs')",
            content: "Its SLAs",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=sla_ids] .o_data_row:contains('First answer'):contains('Reached')",
            content: "The first answer is reached",
        },
    ],
});
