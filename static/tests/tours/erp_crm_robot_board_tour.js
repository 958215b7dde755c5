import { registry } from "@web/core/registry";

const column = (name) => `.o_kanban_group:has(.o_column_title:contains('${name}'))`;

registry.category("web_tour.tours").add("erp_crm_robot_board_tour", {
    steps: () => [
        {
            trigger: ".o_form_view .oe_stat_button:contains('Robots')",
            content: "Open the funnel's robot board",
            run: "click",
        },
        {
            trigger: `${column("First call")} .o_kanban_record:contains('Call back')`,
            content: "The board shows the stages as columns with their robots",
        },
        {
            trigger: `${column("Measurement")} .o_erp_crm_stage_trigger:contains('An invoice is posted → moves here')`,
            content: "Above the robots, the column says which ERP event moves deals into the stage",
        },
        {
            trigger: `${column("Measurement")} .o_erp_crm_stage_gate:contains('Prepaid at least 50%')`,
            content: "and what a deal must meet to enter it (its gates)",
        },
        {
            trigger: `${column("Measurement")} .o_erp_crm_stage_gate:contains('Customer has no overdue invoices')`,
            content: "every gate, one per line",
        },
        {
            trigger: `${column("First call")} .o_kanban_header:not(:has(.o_erp_crm_stage_rules))`,
            content: "A stage moved by hand only and open to every deal shows no rules",
        },
        {
            trigger: `${column("Measurement")} .o_kanban_quick_add`,
            content: "Add a robot to the empty Measurement stage",
            run: "click",
        },
        {
            trigger: ".o_kanban_quick_create .o_field_widget[name=name] input",
            content: "Name the robot",
            run: "edit Measure on site",
        },
        {
            trigger: ".o_kanban_quick_create .o_field_widget[name=activity_type_id] input",
            content: "The quick create asks the activity type (issue 23)",
            run: "edit Meeting",
        },
        {
            trigger: ".ui-autocomplete a.dropdown-item:contains('Meeting')",
            run: "click",
        },
        {
            trigger: ".o_kanban_quick_create .o_field_widget[name=deadline_amount] input",
            content: "Due after 4 hours of working time",
            run: "edit 4",
        },
        {
            trigger: ".o_kanban_quick_create .o_kanban_add",
            content: "Save it",
            run: "click",
        },
        {
            trigger: `${column("Measurement")} .o_kanban_record:contains('Measure on site')`,
            content: "The robot now works in Measurement",
        },
    ],
});
