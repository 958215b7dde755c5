import { registry } from "@web/core/registry";

const column = (name) => `.o_kanban_group:has(.o_column_title:contains('${name}'))`;
const deal = ".o_kanban_record:contains('Gate windows deal')";

registry.category("web_tour.tours").add("erp_crm_stage_gate_tour", {
    steps: () => [
        {
            trigger: `${column("First call")} ${deal}`,
            content: "The deal waits in First call, without an appointment",
        },
        {
            trigger: deal,
            content: "Drag the deal to Measurement, which asks for the appointment",
            run: `drag_and_drop (${column("Measurement")})`,
        },
        {
            trigger: ".modal:contains('To enter Measurement') .o_field_widget[name=appointment_at] input",
            content: "A dialog asks for the appointment",
        },
        {
            trigger: ".modal .o_form_button_cancel",
            content: "Cancel",
            run: "click",
        },
        {
            trigger: `body:not(:has(.modal)) ${column("First call")} ${deal}`,
            content: "The deal stays where it was, no error",
        },
        {
            trigger: deal,
            content: "Drag it again",
            run: `drag_and_drop (${column("Measurement")})`,
        },
        {
            trigger: ".modal .o_field_widget[name=appointment_at] input",
            content: "Give the appointment",
            run: "edit 03/20/2026 08:00:00 && click .modal-title",
        },
        {
            trigger: ".modal .o_form_button_save",
            content: "Save",
            run: "click",
        },
        {
            trigger: `body:not(:has(.modal)) ${column("Measurement")} ${deal}`,
            content: "The deal is in Measurement",
        },
        {
            trigger: `${column("Measurement")} ${deal}`,
            content: "Open the deal",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button:contains('Installation')",
            content: "Click Installation in the status bar, which asks for the installation date",
            run: "click",
        },
        {
            trigger: ".modal:contains('To enter Installation') .o_field_widget[name=installation_date] input",
            content: "Give the installation date",
            run: "edit 03/27/2026 07:00:00 && click .modal-title",
        },
        {
            trigger: ".modal .o_form_button_save",
            content: "Save",
            run: "click",
        },
        {
            trigger:
                "body:not(:has(.modal)) .o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Installation')",
            content: "The deal is in Installation",
        },
        {
            trigger: ".o-mail-Message:contains('Installation'):contains('Measurement')",
            content: "Saved: the chatter tells the stage change",
        },
    ],
});
