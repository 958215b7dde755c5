import { registry } from "@web/core/registry";

const column = (name) => `.o_kanban_group:has(.o_column_title:contains('${name}'))`;
const panelValue = (name) => `.o_search_panel_category_value header:contains('${name}')`;

/** Every visible element of every deal card stays inside its card (1 px tolerance for borders). */
function checkCardsContainTheirContent() {
    const cards = document.querySelectorAll(".o_erp_crm_deal_kanban .o_kanban_record:not(.o_kanban_ghost)");
    if (!cards.length) {
        throw new Error("No deal card to check");
    }
    const wider = [];
    for (const card of cards) {
        const box = card.getBoundingClientRect();
        for (const el of card.querySelectorAll("*")) {
            if (el.closest(".ribbon, .o-dropdown--menu")) {
                continue; // a ribbon is drawn across the corner on purpose
            }
            const rect = el.getBoundingClientRect();
            if (!rect.width || !rect.height) {
                continue;
            }
            if (rect.left < box.left - 1 || rect.right > box.right + 1 || rect.width > box.width + 1) {
                wider.push(`${el.tagName}.${el.className} (${rect.left}-${rect.right} in ${box.left}-${box.right})`);
            }
        }
    }
    if (wider.length) {
        throw new Error(`Elements wider than their card: ${wider.slice(0, 5).join("; ")}`);
    }
}

registry.category("web_tour.tours").add("erp_crm_pipeline_menus_tour", {
    steps: () => [
        {
            trigger: ".o_main_navbar .o_menu_brand:contains('Sales')",
            content: "/odoo/deals opens inside the Sales app",
        },
        {
            trigger: ".o_main_navbar .o_menu_sections:contains('Deals'):contains('Orders')",
            content: "with the Sales menus",
        },
        {
            trigger: `.o_search_panel ${panelValue("Tour windows")}.active`,
            content: "the user's funnel is selected",
        },
        {
            trigger: `.o_search_panel:not(:has(${panelValue("All")})) ${panelValue("Empty doors")}`,
            content: "every funnel is listed, the empty one too, and no 'All'",
        },
        {
            trigger: `${column("First call")} .o_kanban_record:contains('Tour windows deal')`,
        },
        {
            trigger: `.o_erp_crm_deal_kanban:not(:has(${column("Doors: new")}))`,
            content: "only this funnel's columns",
        },
        {
            trigger: panelValue("Empty doors"),
            content: "Switch to the empty funnel",
            run: "click",
        },
        {
            trigger: `${panelValue("Empty doors")}.active`,
        },
        {
            trigger: `.o_erp_crm_deal_kanban ${column("Doors: new")}`,
            content: "its own (empty) column",
        },
        {
            trigger: `.o_erp_crm_deal_kanban:not(:has(${column("First call")})):not(:has(.o_kanban_record:contains('Tour windows deal')))`,
            content: "nothing of the other funnel",
        },
        {
            trigger: panelValue("Tour windows"),
            content: "Back to the window funnel",
            run: "click",
        },
        {
            trigger: `${column("First call")} .o_kanban_record:contains('Tour windows deal')`,
        },
        {
            trigger: `.o_erp_crm_deal_kanban:not(:has(${column("Doors: new")}))`,
        },
    ],
});

registry.category("web_tour.tours").add("erp_crm_empty_funnel_tour", {
    steps: () => [
        {
            trigger: ".o_form_view button[name=action_open_deals]",
            content: "Open the empty funnel's deals from its form",
            run: "click",
        },
        {
            trigger: ".o_main_navbar .o_menu_brand:contains('Sales')",
        },
        {
            trigger: `.o_search_panel ${panelValue("Empty doors")}.active`,
            content: "The funnel opened from its form is selected, although it has no deal",
        },
        {
            trigger: `.o_erp_crm_deal_kanban ${column("Doors: new")}`,
        },
        {
            trigger: `.o_erp_crm_deal_kanban:not(:has(${column("First call")})):not(:has(.o_kanban_record:contains('Tour windows deal')))`,
            content: "no other funnel's columns or deals",
        },
    ],
});

registry.category("web_tour.tours").add("erp_crm_card_layout_tour", {
    steps: () => [
        {
            trigger: `${column("Production")} .o_kanban_record .o_erp_crm_fulfilment_bars .o_progressbar`,
            content: "A deal card with its paid, produced and delivered bars",
        },
        {
            trigger: `${column("Production")} .o_kanban_record .o_erp_crm_customer_badges .badge:contains('A')`,
            content: "The card shows its customer's class badge",
        },
        {
            trigger: `${column("First call")} .o_kanban_record`,
            content: "No element is wider than its card",
            run: checkCardsContainTheirContent,
        },
    ],
});

registry.category("web_tour.tours").add("erp_crm_refused_move_tour", {
    steps: () => [
        {
            trigger: `${column("Payment")} .o_kanban_record:contains('Gate deal')`,
            content: "Drag the unpaid deal to Production (its gate wants 50% prepaid)",
            run: `drag_and_drop (${column("Production")})`,
        },
        {
            trigger: ".modal .modal-body:contains('prepaid')",
            content: "The gate refuses, with its reason",
        },
        {
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: `body:not(:has(.modal)) ${column("Payment")} .o_kanban_record:contains('Gate deal')`,
            content: "The card is back in Payment",
        },
        {
            trigger: `${column("Production")}:not(:has(.o_kanban_record))`,
        },
        {
            trigger: `${column("Payment")} .o_kanban_record:contains('Gate deal')`,
            content: "Open the deal",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Payment')",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button:contains('Production')",
            content: "Click Production on the stage bar",
            run: "click",
        },
        {
            trigger: ".modal .modal-body:contains('prepaid')",
            content: "Refused again",
        },
        {
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal)) .o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Payment')",
            content: "The stage bar shows the stage the deal is really in",
        },
        {
            trigger: ".o_form_view .alert:contains('Send the down-payment invoice'):not(:contains('Agree the installation date'))",
            content: "with that stage's To do",
        },
        {
            trigger: ".o_form_view .o_form_status_indicator_buttons.invisible:not(:visible)",
            content: "and nothing left unsaved",
        },
    ],
});

registry.category("web_tour.tours").add("erp_crm_activity_deadline_tour", {
    steps: () => [
        {
            trigger: ".o_kanban_record:contains('Late call') .o-mail-ActivityButton .text-danger",
            content: "The card's activity clock is red: overdue by the minute",
        },
        {
            trigger: ".o_kanban_record:contains('Late call') .o-mail-ActivityButton",
            run: "click",
        },
        {
            trigger: ".o-mail-ActivityListPopoverItem .o_erp_crm_deadline.text-danger:contains('Overdue by')",
            content: "The popover says how late, to the minute",
        },
        {
            trigger: ".o_kanban_record .fs-5:contains('Late call')",
            run: "click",
        },
        {
            trigger: ".o-mail-Activity .o_erp_crm_deadline.text-danger:contains('Overdue by')",
            content: "The chatter too",
        },
    ],
});
