import { registry } from "@web/core/registry";

const column = (name) => `.o_kanban_group:has(.o_column_title:contains('${name}'))`;

registry.category("web_tour.tours").add("erp_crm_deal_drag_tour", {
    steps: () => [
        {
            trigger: `${column("First call")} .o_kanban_record:contains('Tour windows deal')`,
            content: "The new deal waits in First call",
        },
        {
            trigger: `${column("Measurement")}`,
            content: "Measurement is shown even though it is empty",
        },
        {
            trigger: ".o_kanban_record:contains('Tour windows deal')",
            content: "Drag the deal to Measurement",
            run: `drag_and_drop (${column("Measurement")})`,
        },
        {
            trigger: `${column("Measurement")} .o_kanban_record:contains('Tour windows deal')`,
            content: "Open the deal",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Measurement')",
            content: "The status bar shows the new stage",
        },
        {
            trigger: ".o-mail-Message:contains('Measurement'):contains('First call')",
            content: "The chatter tells the stage change",
        },
        {
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Tour windows')",
            content: "Back to the pipeline",
            run: "click",
        },
        {
            trigger: `${column("First call")} .o_kanban_quick_add`,
            content: "Quick-create a deal in First call",
            run: "click",
        },
        {
            trigger: ".o_kanban_quick_create .o_field_widget[name=partner_id] input",
            content: "Customer",
            run: "edit Tour customer",
        },
        {
            trigger: ".ui-autocomplete a.dropdown-item:contains('Tour customer')",
            run: "click",
        },
        {
            trigger: ".o_kanban_quick_create .o_field_widget[name=title] input",
            content: "Title",
            run: "edit Balcony door, 2nd floor",
        },
        {
            trigger: ".o_kanban_quick_create .o_kanban_add",
            run: "click",
        },
        {
            trigger: `${column("First call")} .o_kanban_record:contains('Balcony door, 2nd floor')`,
            content: "The new deal waits in First call",
        },
    ],
});
