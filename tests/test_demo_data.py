from datetime import timedelta

import pytz

from odoo.modules.module import get_manifest
from odoo.tests import Form, HttpCase, freeze_time, tagged
from odoo.tools.convert import convert_file

from ..models.sale_order_trigger import TriggerFacts


@tagged("erp_crm")
@freeze_time("2026-03-11 10:00:00")  # the demo's deadlines and history are counted in working time from now
class TestDemoData(HttpCase):
    """The window-installer demo loads into a database installed without demo data (``scripts/test`` installs
    without demo, so each test loads the demo files itself) and obeys its own rules. An ``HttpCase``: its portal
    customer logs in over HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        idref = {}
        for filename in get_manifest("erp_crm")["demo"]:
            convert_file(cls.env, "erp_crm", filename, idref, mode="init", noupdate=False)
        cls.funnel = cls.env.ref("erp_crm.sale_funnel_windows")
        cls.deals = cls.env["sale.order"].search([("funnel_id", "=", cls.funnel.id)])
        cls.stages = {stage.name: stage for stage in cls.funnel.stage_ids}

    def _deals_in(self, *names):
        return self.deals.filtered(lambda d: d.stage_id.name in names)

    def test_demo_data_loads_the_window_installer(self):
        self.assertEqual(
            self.funnel.stage_ids.mapped("name"),
            [
                "First call",
                "Measurement",
                "Approval",
                "Payment",
                "Production",
                "Installation",
                "Final invoice",
                "Won",
                "Lost",
            ],
        )
        deals = self.deals
        self.assertGreaterEqual(len(deals), 20)
        self.assertEqual(set(deals.stage_id.ids), set(self.funnel.stage_ids.ids), "deals in every stage")
        self.assertTrue(all(deal.stage_history_ids for deal in deals), "each deal has its stage history")
        lost = deals.filtered(lambda d: d.won_status == "lost")
        self.assertTrue(lost and all(lost.mapped("lost_reason_id")))
        won = deals.filtered(lambda d: d.won_status == "won")
        self.assertTrue(won and all(state == "sale" for state in won.mapped("state")), "won deals are confirmed sales")
        self.assertTrue(deals.filtered("source_id"), "deals say where the customer came from")
        self.assertGreater(min(deals.mapped("stage_hours")), 0, "deals have been in their stage for a while")

    def test_demo_company_is_the_window_installer(self):
        company = self.env.ref("erp_crm.res_company_demo_fensterbau")
        self.assertEqual(company.name, "Fensterbau Breisgau GmbH")
        self.assertEqual((company.country_id.code, company.city), ("DE", "Freiburg im Breisgau"))
        # A euro company for real: its own currency, chart of accounts and journals, not a euro price list.
        self.assertEqual(company.currency_id.name, "EUR")
        self.assertTrue(company.chart_template)
        self.assertEqual(company.account_sale_tax_id.amount, 19.0, "German VAT")
        self.assertEqual(company.resource_calendar_id.tz, "Europe/Berlin")
        self.assertEqual(set(self.deals.company_id.ids), {company.id}, "the deals are the window installer's")
        self.assertEqual(set(self.deals.currency_id.mapped("name")), {"EUR"}, "the deals are in euros")
        invoices = self.deals.invoice_ids
        self.assertTrue(invoices and set(invoices.company_id.ids) == {company.id})
        self.assertEqual(set(invoices.currency_id.mapped("name")), {"EUR"})
        self.assertEqual(set(invoices.line_ids.company_currency_id.mapped("name")), {"EUR"}, "booked in euros")
        staff = self.env.ref("erp_crm.res_users_demo_sales_anna") | self.env.ref("erp_crm.res_users_demo_accountant")
        self.assertEqual(set(staff.company_id.ids), {company.id})
        self.assertEqual(self.env.ref("base.user_admin").company_id, company, "the demo opens on the installer")

    def test_demo_is_a_german_business(self):
        """Issue 21: the window installer is a German GmbH: German VAT (19 %, no "Foreign Trade" position for its
        German customers), the legal facts its letters print, and German spoken by its staff and customers, with
        everything the demo ships translated."""
        company = self.env.ref("erp_crm.res_company_demo_fensterbau")
        german_deals = self.deals.filtered(lambda deal: deal.partner_id.country_id == company.country_id)
        self.assertEqual(len(german_deals), len(self.deals) - 1, "all but the Austrian business customer's")
        lines = german_deals.order_line.filtered(lambda line: not line.display_type and not line.is_downpayment)
        self.assertTrue(lines)
        self.assertEqual(set(lines.tax_ids.mapped("amount")), {19.0}, "German customers pay 19 % VAT")
        self.assertFalse(
            german_deals.fiscal_position_id.filtered(lambda fp: fp.country_id != company.country_id),
            "no export position for German customers",
        )
        self.assertEqual(company.company_registry, "Amtsgericht Freiburg i. Br. HRB 712345")
        self.assertTrue(company.vat)
        self.assertIn("Markus Brenner", company.report_footer)
        self.assertTrue(self.env["res.lang"]._get_data(code="de_DE"), "the demo activates German")
        staff = self.env.ref("erp_crm.res_users_demo_sales_anna") | self.env.ref("erp_crm.res_users_demo_manager")
        self.assertEqual(set(staff.mapped("lang")), {"de_DE"})
        self.assertEqual(company.partner_id.lang, "de_DE")
        self.assertEqual(set(self.deals.partner_id.mapped("lang")), {"de_DE"}, "German customers speak German")
        neumann = self.env.ref("erp_crm.res_partner_demo_neumann").with_context(lang="de_DE")
        self.env["ir.module.module"]._load_module_terms(["erp_crm"], ["de_DE"], overwrite=True)
        self.assertEqual(neumann._erp_crm_salutation(), "Sehr geehrter Herr Neumann,")
        hofmann = self.env.ref("erp_crm.res_partner_demo_hofmann").with_context(lang="de_DE")
        self.assertEqual(hofmann._erp_crm_salutation(), "Sehr geehrter Herr Dr. Hofmann,")
        # What the demo ships carries both languages.
        german = self.funnel.with_context(lang="de_DE")
        self.assertEqual(german.name, "Fenstermontage")
        self.assertEqual(
            german.stage_ids.mapped("name"),
            [
                "Erstanruf",
                "Aufmaß",
                "Freigabe",
                "Anzahlung",
                "Produktion",
                "Montage",
                "Schlussrechnung",
                "Gewonnen",
                "Verloren",
            ],
        )
        self.assertIn("innerhalb von 15 Minuten", german.stage_ids[0].requirements)
        self.assertEqual(self.funnel.stage_ids[0].name, "First call", "English stays")
        self.assertEqual(german.stage_ids[4].portal_name, "Ihre Fenster werden gefertigt", "a name for customers")
        self.assertEqual(
            self.env.ref("erp_crm.sale_funnel_role_surveyor").with_context(lang="de_DE").name, "Aufmaßtechniker"
        )
        robot = self.env.ref("erp_crm.sale_funnel_robot_call_back").with_context(lang="de_DE")
        self.assertEqual((robot.name, robot.summary), ("Kunden zurückrufen", "Kunden zurückrufen"))
        window = self.env.ref("erp_crm.product_product_demo_window_pvc_1200x1400").with_context(lang="de_DE")
        self.assertEqual(window.name, "Kunststofffenster 1200×1400")

    def test_demo_salespeople_create_customers(self):
        anna = self.env.ref("erp_crm.res_users_demo_sales_anna")
        caller = self.env["res.partner"].with_user(anna).create({"name": "A new caller", "phone": "+49 761 1"})
        deal = self.env["sale.order"].with_user(anna).create({"partner_id": caller.id, "title": "2 windows"})
        self.assertEqual((deal.funnel_id, deal.stage_id.name), (self.funnel, "First call"))

    def test_demo_deals_obey_every_gate_and_trigger(self):
        """Each deal went through the door: it passes the gates of every stage it entered, sits where the
        triggers put it (the last stage whose trigger is met, never behind it), and robots ran on each entry."""
        facts = TriggerFacts(self.deals)
        trigger_stages = self.funnel.stage_ids.filtered(lambda s: s.trigger and s.kind != "lost")
        self.assertEqual(set(trigger_stages.mapped("name")), {"Production", "Installation", "Final invoice", "Won"})
        gate_stages = self.funnel.stage_ids.filtered(
            lambda s: s.gate_prepaid_percent or s.gate_no_overdue_invoices or s.gate_field_ids
        )
        self.assertTrue(gate_stages)
        for deal in self.deals:
            entered = deal.stage_history_ids.stage_id
            for stage in gate_stages & entered:
                with self.subTest(deal=deal.name, gate=stage.name):
                    self.assertFalse(deal._get_stage_gate_blockers(stage), "a gate it passed still holds")
            for stage in trigger_stages:
                met = stage._trigger_met(deal, facts)
                with self.subTest(deal=deal.name, trigger=stage.name):
                    if deal.won_status == "pending":
                        self.assertEqual(met, deal.stage_id.sequence >= stage.sequence, "triggers decide the stage")
                    elif deal.won_status == "won":
                        self.assertTrue(met, "a won deal met every trigger on its way")
            for row in deal.stage_history_ids:
                robots = self.env["sale.funnel.robot"].search([("stage_id", "=", row.stage_id.id)])
                runs = deal.robot_run_ids.filtered(lambda r, row=row: r.history_id == row)
                with self.subTest(deal=deal.name, stage=row.stage_id.name):
                    self.assertEqual(runs.robot_id, robots, "the robot log shows each robot of each entry")
                    self.assertEqual(set(runs.mapped("state")) - {"done"}, set(), runs.mapped("message"))

    def test_demo_stages_ask_for_appointment_and_installation_date(self):
        """Issue 20.6: Measurement asks for the appointment, Installation for the installation date; every deal
        that entered them has it, and the appointment is in the surveyor's calendar with the customer invited."""
        self.assertEqual(self.stages["Measurement"].gate_field_ids.mapped("name"), ["appointment_at"])
        self.assertEqual(self.stages["Installation"].gate_field_ids.mapped("name"), ["installation_date"])
        surveyor = self.env.ref("erp_crm.res_users_demo_surveyor")
        measured = self.deals.filtered(lambda d: self.stages["Measurement"] in d.stage_history_ids.stage_id)
        self.assertTrue(measured)
        for deal in measured:
            with self.subTest(deal=deal.name):
                self.assertTrue(deal.appointment_at)
                self.assertEqual(deal.appointment_event_id.user_id, surveyor)
                self.assertEqual(deal.appointment_event_id.start, deal.appointment_at)
                self.assertIn(deal.partner_id, deal.appointment_event_id.partner_ids)
        installed = self.deals.filtered(lambda d: self.stages["Installation"] in d.stage_history_ids.stage_id)
        self.assertTrue(installed and all(installed.mapped("installation_date")))

    def test_demo_story_facts(self):
        """What the stages say is true of the deals in them."""
        for deal in self.deals.filtered(lambda d: d.stage_id.sequence >= self.stages["Measurement"].sequence):
            if deal.stage_history_ids.filtered(lambda h: h.stage_id.name == "Measurement"):
                self.assertTrue(deal.appointment_at, f"{deal.name} has its measurement appointment")
        for deal in self._deals_in("Production", "Installation", "Final invoice", "Won"):
            self.assertEqual(deal.state, "sale")
            self.assertGreaterEqual(deal.paid_percent, 50, f"{deal.name}: the down payment is paid")
            invoice = deal._get_down_payment_invoices().sorted("id")[:1]  # the final invoice deducts it
            self.assertEqual(invoice.state, "posted")
            self.assertIn(invoice.payment_state, ("paid", "in_payment"), f"{deal.name}: a registered payment")
            self.assertTrue(deal.mrp_production_ids, f"{deal.name}: the windows are made to order")
        for deal in self._deals_in("Installation", "Final invoice", "Won"):
            self.assertTrue(deal.installation_date, f"{deal.name} has its installation date")
            self.assertEqual(set(deal.mrp_production_ids.mapped("state")), {"done"})
            task = self.env["project.task"].search([("sale_order_id", "=", deal.id)])
            self.assertEqual(len(task), 1, f"{deal.name}: the installer's task")
            self.assertEqual(task.date_deadline, deal.installation_date)
        for deal in self._deals_in("Won"):
            self.assertEqual(deal.invoiced_percent, 100, f"{deal.name}: the rest is invoiced")
            self.assertEqual(deal.paid_percent, 100, f"{deal.name}: and paid (a paid down payment never wins)")
        accountant = self.env.ref("erp_crm.res_users_demo_accountant")
        for deal in self._deals_in("Final invoice"):
            task = self.env["project.task"].search([("sale_order_id", "=", deal.id)])
            self.assertEqual(task.state, "1_done", f"{deal.name}: the installer closed the task")
            self.assertEqual(deal.invoice_status, "to invoice", f"{deal.name}: the rest is not invoiced yet")
            todo = deal.activity_ids.filtered(lambda a: a.summary == "Make the final invoice")
            self.assertEqual(todo.user_id, accountant, f"{deal.name}: the accountant is told to make it")
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "sale.order"), ("res_id", "in", self.deals.ids)]
        )
        self.assertTrue(activities)
        self.assertFalse(activities.filtered(lambda a: not a.deadline_at), "every activity has its due time")
        self.assertTrue(activities.filtered(lambda a: a.state == "overdue"), "some work is late")
        self.assertTrue(activities.filtered(lambda a: a.state != "overdue"), "some is not")
        open_deals = self.deals.filtered(lambda d: d.won_status == "pending")
        first_entries = self.env["sale.funnel.stage.history"].search(
            [("order_id", "in", open_deals.ids), ("date_out", "=", False)]
        )
        self.assertEqual(first_entries.order_id, open_deals)
        for row in first_entries:
            self.assertEqual(row.date_in, row.order_id.date_stage)

    def test_demo_accountant_is_proposed_the_funnels_down_payment(self):
        """Issue 20, 7: the demo's accountant opens the invoicing wizard on a deal without its down payment yet and
        is proposed the Payment robot's 50%; on a deal whose down payment is invoiced, the final invoice."""
        accountant = self.env.ref("erp_crm.res_users_demo_accountant")
        Wizard = self.env["sale.advance.payment.inv"].with_user(accountant)
        for stage, proposal in (("Approval", ("percentage", 50.0)), ("Final invoice", ("delivered", 0.0))):
            deal = self._deals_in(stage)[:1].with_user(accountant)
            action = deal.action_open_deal_invoice_wizard()
            wizard = Form(Wizard.with_context(**action["context"]))
            with self.subTest(stage=stage):
                self.assertEqual((wizard.advance_payment_method, wizard.amount or 0.0), proposal)

    def test_demo_robots_work_on_a_new_request(self):
        funnel = self.funnel
        self.assertEqual(funnel.role_ids.mapped("name"), ["Salesperson", "Surveyor", "Accountant", "Installer"])
        self.assertGreaterEqual(len(funnel.robot_ids), 6)
        anna = self.env.ref("erp_crm.res_users_demo_sales_anna")
        customer = self.env["res.partner"].create({"name": "New window customer"})
        deal = self.env["sale.order"].create({"partner_id": customer.id, "funnel_id": funnel.id, "user_id": anna.id})
        activity = self.env["mail.activity"].search([("res_model", "=", "sale.order"), ("res_id", "=", deal.id)])
        self.assertEqual(activity.summary, "Call the customer back")
        self.assertEqual(activity.user_id, anna)
        self.assertTrue(activity.deadline_at)

    def test_demo_service_desk_robots(self):
        """The demo desk's stages have robots: the leak reported in New got its note, and moving it on plans the
        installer's call (the request's assignee) in working time, from the one robot engine."""
        leak = self.env.ref("erp_crm.project_task_demo_service_leak")
        self.assertEqual(leak.robot_run_ids.robot_id.name, "Request received")
        self.assertEqual(leak.robot_run_ids.state, "done")
        leak.write({"stage_id": self.env.ref("erp_crm.project_task_type_demo_service_progress").id})
        activity = self.env["mail.activity"].search([("res_model", "=", "project.task"), ("res_id", "=", leak.id)])
        self.assertEqual(activity.user_id, self.env.ref("erp_crm.res_users_demo_installer"))
        self.assertEqual(activity.summary, "Call the customer and plan the technician's visit")
        self.assertEqual(activity.create_uid, self.env.ref("base.user_root"))
        self.assertGreater(activity.deadline_at, leak.robot_run_ids.sorted("id")[-1].entered_at)

    def test_demo_customers_are_ranked_into_classes_and_segments(self):
        """The demo customers' invoice history ranks them: A, B and C customers and several segments."""
        company = self.env.ref("erp_crm.res_company_demo_fensterbau")
        rankings = self.env["res.partner.ranking"].search([("company_id", "=", company.id)])
        self.assertEqual(set(rankings.mapped("abc_class")), {"a", "b", "c"})
        self.assertGreaterEqual(len(set(rankings.mapped("rfm_segment"))), 5)
        self.assertEqual(self.env.ref("erp_crm.res_partner_demo_wohnbau_breisgau").erp_crm_abc_class, "a")
        self.assertEqual(self.env.ref("erp_crm.res_partner_demo_brandt").erp_crm_rfm_segment, "lost")
        # Open deals' priority defaults from their customer's class (A: high), ranked after the deals were made.
        open_deals = self.env["sale.order"].search([("company_id", "=", company.id), ("won_status", "=", "pending")])
        by_class = {(deal.erp_crm_abc_class, deal.priority) for deal in open_deals}
        self.assertIn(("a", "2"), by_class)
        self.assertTrue(all(priority == {"a": "2", "b": "1", "c": "0"}[cls] for cls, priority in by_class if cls))
        # Paid: the history leaves no demo customer with an overdue invoice.
        overdue = self.env["account.move"].search_count(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "=", "not_paid"),
                ("invoice_date_due", "<", "2026-02-01"),
            ]
        )
        self.assertEqual(overdue, 0)

    def test_demo_portal_customer_sees_her_deal_and_request(self):
        """Issue 20, item 10: the demo's portal customer (Julia Krämer of Krämer & Lang, kraemer / kraemer) has a
        deal in progress and an open service request, and sees both on her portal pages."""
        user = self.env.ref("erp_crm.res_users_demo_portal_kraemer")
        self.assertTrue(user._is_portal())
        self.assertEqual(user.partner_id.lang, "de_DE")
        customer = self.env.ref("erp_crm.res_partner_demo_kraemer_lang")
        self.assertEqual(user.commercial_partner_id, customer)
        deal = self.env.ref("erp_crm.sale_order_demo_20")
        self.assertEqual((deal.partner_id, deal.won_status, deal.state), (customer, "pending", "sale"))
        request = self.env.ref("erp_crm.project_task_demo_service_handle")
        self.assertEqual(request.partner_id, customer)
        self.assertFalse(request.stage_id.fold, "the request is open")
        self.authenticate("kraemer", "kraemer")
        orders = self.url_open("/my/orders")
        self.assertEqual(orders.status_code, 200)
        self.assertIn(deal.name, orders.text, "her deal is on her orders page")
        page = self.url_open(f"/my/orders/{deal.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(deal.name, page.text)
        self.assertIn("Which handle fits the balcony door?", page.text, "the order page lists its request")
        tasks = self.url_open("/my/tasks")
        self.assertIn("Which handle fits the balcony door?", tasks.text, "her request is on her requests page")
        other = self.env.ref("erp_crm.project_task_demo_service_leak")
        self.assertNotIn(other.name, tasks.text, "another customer's request is not")
        self.assertEqual(self.url_open(f"/my/tasks/{request.id}").status_code, 200)

    def test_demo_robot_deadlines_fall_in_working_hours(self):
        """Issue 20, item 18: the demo dates its entries back; the open robot activities' deadlines are counted
        from those entries in working time, so none falls at night or on a weekend."""
        activities = self.env["mail.activity"].search([("robot_run_id", "!=", False)])
        self.assertGreaterEqual(len(activities), 10)
        company = self.env.ref("erp_crm.res_company_demo_fensterbau")
        for activity in activities:
            calendar = activity.user_id.resource_calendar_id or company.resource_calendar_id
            when = pytz.utc.localize(activity.deadline_at)
            intervals = calendar._work_intervals_batch(when - timedelta(minutes=1), when + timedelta(minutes=1))[False]
            local = when.astimezone(pytz.timezone(calendar.tz))
            with self.subTest(activity=activity.summary, deal=activity.res_name, deadline=str(local)):
                self.assertTrue(list(intervals), "due within the assignee's working hours")

    def test_demo_reports_have_content(self):
        """Issue 20, item 18: every report has plausible content: the migration report compares the ranking with
        last month's snapshot, the KPI report feeds the sales targets, the segments hold customers."""
        company = self.env.ref("erp_crm.res_company_demo_fensterbau")
        snapshots = self.env["res.partner.ranking.snapshot"].search([("company_id", "=", company.id)])
        self.assertGreaterEqual(len(snapshots), 10, "last month's ranking is kept")
        migration = self.env["res.partner.ranking.migration"].search(
            [("company_id", "=", company.id), ("from_class", "!=", "none")]
        )
        self.assertGreaterEqual(len(migration), 10, "customers compared with last month")
        self.assertTrue(migration.filtered("segment_changed"), "some customers moved segment since last month")
        self.assertTrue(self.env["sale.kpi.report"].search_count([("company_id", "=", company.id)]))
        anna = self.env.ref("erp_crm.sale_target_demo_anna_month")
        self.assertGreater(anna.call_count, 0, "Anna's calls this month count towards her target")
        self.assertGreater(anna.won_count, 0)
        team = self.env.ref("erp_crm.sale_target_demo_team_quarter")
        self.assertGreaterEqual(team.won_count, 3, "the team's deals won this quarter")
        self.assertTrue(0 < team.won_amount_progress < 100)
        segments = self.env["res.partner.segment"].search([("company_id", "=", company.id)])
        self.assertEqual(len(segments), 3)
        for segment in segments:
            with self.subTest(segment=segment.name):
                self.assertGreater(segment.partner_count, 0)
