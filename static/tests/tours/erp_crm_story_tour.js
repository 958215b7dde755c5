import { registry } from "@web/core/registry";

// The whole story (issue 20), one tour per person, each with their own login; tests/test_story_tour.py runs them in
// sequence and checks between them who has the next activity.

const stageBar = ".o_form_view .o_statusbar_status";
const tours = registry.category("web_tour.tours");

// 1. A visitor fills in the window installer's web form: an external page, here injected into a public Odoo page,
// that posts to the public intake route as the README's form does (its script reads the answer).
tours.add("erp_crm_story_visitor_tour", {
    steps: () => [
        {
            trigger: "body",
            content: "An external page with the installer's request form",
            run() {
                const params = new URLSearchParams(window.location.search);
                const form = document.createElement("form");
                form.className = "o_erp_crm_story_form";
                form.innerHTML = `
                    <input type="hidden" name="funnel" value="${params.get("story_funnel")}"/>
                    <input type="hidden" name="token" value="${params.get("story_token")}"/>
                    <input name="name"/><input name="email"/><input name="phone"/>
                    <input name="subject"/><textarea name="message"></textarea>
                    <button type="submit">Send</button>
                    <div class="o_erp_crm_story_answer"></div>`;
                form.addEventListener("submit", async (event) => {
                    event.preventDefault();
                    const response = await fetch("/erp_crm/intake", { method: "POST", body: new FormData(form) });
                    const answer = await response.json();
                    form.querySelector(".o_erp_crm_story_answer").textContent = answer.status;
                });
                document.body.prepend(form);
            },
        },
        { trigger: ".o_erp_crm_story_form input[name=name]", run: "edit Vera Visitor" },
        { trigger: ".o_erp_crm_story_form input[name=email]", run: "edit vera.visitor@example.com" },
        { trigger: ".o_erp_crm_story_form input[name=phone]", run: "edit +49 761 555 01" },
        { trigger: ".o_erp_crm_story_form input[name=subject]", run: "edit Story: four windows" },
        {
            trigger: ".o_erp_crm_story_form textarea[name=message]",
            run: "edit Four windows for our house in Freiburg, please call me.",
        },
        { trigger: ".o_erp_crm_story_form button[type=submit]", content: "Send the request", run: "click" },
        { trigger: ".o_erp_crm_story_answer:contains('received')", content: "The page says it was received" },
    ],
});

// A stage move on the deal form, by whoever does the step: the activity waits in the chatter, the stage bar moves.
const moveOnForm = (activity, from, to) => [
    {
        trigger: `.o-mail-Activity:contains('${activity}')`,
        content: `The robot gave me: ${activity}`,
    },
    { trigger: `${stageBar} button.o_arrow_button_current:contains('${from}')` },
    {
        trigger: `${stageBar} button.o_arrow_button:contains('${to}')`,
        content: `Move the deal to ${to}`,
        run: "click",
    },
    { trigger: `body:not(:has(.modal)) ${stageBar} button.o_arrow_button_current:contains('${to}')` },
    { trigger: ".o_form_view .o_form_status_indicator_buttons.invisible:not(:visible)", content: "Saved" },
];

// 2. The salesperson calls back and moves the deal on.
tours.add("erp_crm_story_sales_tour", {
    steps: () => moveOnForm("Call the customer back", "First call", "Measurement"),
});

// 3. The surveyor measures and moves it to Approval.
tours.add("erp_crm_story_surveyor_tour", {
    steps: () => moveOnForm("Measure on site", "Measurement", "Approval"),
});

// 4. The accountant registers the customer's down payment on the invoice the robot made.
tours.add("erp_crm_story_down_payment_tour", {
    steps: () => [
        { trigger: ".o_form_view .o_field_widget[name=state] button.o_arrow_button_current:contains('Posted')" },
        { trigger: "button[name=action_register_payment]", content: "Pay", run: "click" },
        { trigger: ".modal button[name=action_create_payments]", content: "Create the payment", run: "click" },
        {
            trigger: "body:not(:has(.modal)) .o_form_view .ribbon:contains('Paid'), body:not(:has(.modal)) .o_form_view .ribbon:contains('In Payment')",
            content: "The down payment is paid",
        },
    ],
});

// 5. The workshop booked other component quantities than the bill of materials: Odoo's consumption warning.
tours.add("erp_crm_story_workshop_tour", {
    steps: () => [
        {
            trigger: ".o_form_view button[name=button_mark_done]:visible",
            content: "Produce",
            run: "click",
        },
        {
            trigger: ".modal button[name=action_confirm]:visible",
            content: "The consumption warning: confirm what was consumed",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal)) .o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Done')",
            content: "The manufacturing order is done",
        },
    ],
});

// 6. The installer fits the windows and closes the task.
tours.add("erp_crm_story_installer_tour", {
    steps: () => [
        {
            trigger: ".o_form_view .o_field_widget[name=state] button",
            content: "The task's state",
            run: "click",
        },
        { trigger: ".dropdown-item:contains('Done')", content: "Done", run: "click" },
        {
            trigger: ".o_form_view .o_form_status_indicator_buttons.invisible:not(:visible)",
            content: "Saved",
        },
    ],
});

// 7. The accountant invoices the rest (the down payment deducted) and posts the final invoice.
tours.add("erp_crm_story_final_invoice_tour", {
    steps: () => [
        { trigger: ".o-mail-Activity:contains('Make the final invoice')", content: "The robot asked me" },
        { trigger: ".o_form_view button:contains('Create Invoice'):visible", run: "click" },
        { trigger: ".modal button[name=create_invoices]", content: "Create the invoice", run: "click" },
        { trigger: "body:not(:has(.modal)) .o_form_view button[name=action_post]:visible", content: "Confirm it", run: "click" },
        {
            trigger: ".o_form_view .o_field_widget[name=state] button.o_arrow_button_current:contains('Posted')",
            content: "The final invoice is posted",
        },
    ],
});

// 8. The customer opens a service request on the portal, with a description.
tours.add("erp_crm_story_customer_tour", {
    steps: () => [
        { trigger: "#erp_crm_service summary", content: "Open a service request", run: "click" },
        { trigger: "#erp_crm_service_name", run: "edit Story: the new bedroom window sticks" },
        {
            trigger: "#erp_crm_service_description",
            content: "Describe it, on two lines",
            run() {
                // typed as the customer would (the edit action takes one line only)
                document.querySelector("#erp_crm_service_description").value =
                    "It opens only with force since Monday.\nThe handle is loose, too.";
            },
        },
        { trigger: ".o_erp_crm_service_form button[type=submit]", run: "click", expectUnloadPage: true },
        { trigger: "body:contains('Story: the new bedroom window sticks')", content: "The request is there" },
    ],
});
