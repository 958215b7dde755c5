from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import funnel_stage_commands
from .tour_common import TourCase


@tagged("post_install", "-at_install", "erp_crm", "erp_crm_story")
class TestWholeStoryTour(TourCase):
    """Issue 20, "Done when": the whole story in Chromium, as the people who do each step, each with their own login
    (one tour per person, ``static/tests/tours/erp_crm_story_tour.js``): visitor web form → salesperson → surveyor →
    accountant (down payment) → workshop (a consumption difference: Odoo's consumption warning) → installer →
    accountant's final invoice → the customer's service request on the portal. Between the tours the test checks
    who has the next activity. The funnel is built here (not the demo's, which other work changes). Nothing is
    frozen: dates are relative to now and no assertion reads the wall clock."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        company = env.company
        cls.funnel = env["sale.funnel"].create(
            {
                "name": "Story windows",
                "company_id": company.id,
                "stage_ids": funnel_stage_commands(
                    ("First call", "open"),
                    ("Measurement", "open"),
                    ("Approval", "open"),
                    ("Payment", "open"),
                    ("Production", "open"),
                    ("Installation", "open"),
                    ("Final invoice", "open"),
                    ("Won", "won"),
                    ("Lost", "lost"),
                ),
            }
        )
        (call, measure, __, payment, production, installation, final, won, __) = cls.funnel.stage_ids
        production.write({"trigger": "down_payment_paid", "trigger_percent": 50.0, "confirm_order_on_entry": True})
        installation.write({"trigger": "production_done"})
        final.write({"trigger": "task_closed"})
        won.write({"trigger": "fully_paid"})
        cls.stages = {stage.name: stage for stage in cls.funnel.stage_ids}

        def user(login, groups, name):
            return new_test_user(env, login=login, groups=groups, name=name, tz="Europe/Berlin")

        cls.sales = user("erp_crm_story_sales", "erp_crm.erp_crm_group_user", "Sonja Sales")
        cls.surveyor = user("erp_crm_story_surveyor", "erp_crm.erp_crm_group_all_deals", "Stefan Surveyor")
        cls.accountant = user(
            "erp_crm_story_accountant",
            "account.group_account_invoice,erp_crm.erp_crm_group_all_deals",
            "Agnes Accountant",
        )
        cls.workshop = user("erp_crm_story_workshop", "mrp.group_mrp_user", "Werner Workshop")
        cls.installer = user("erp_crm_story_installer", "project.group_project_user", "Ines Installer")
        env["crm.team"].create(
            {
                "name": "Story team",
                "company_id": company.id,
                "funnel_id": cls.funnel.id,
                "member_ids": [Command.link(cls.sales.id)],
            }
        )
        Role = env["sale.funnel.role"]
        roles = {
            name: Role.create({"name": name, "funnel_id": cls.funnel.id, "sequence": seq, **vals})
            for seq, (name, vals) in enumerate(
                [
                    ("Salesperson", {"assignment": "round_robin", "user_ids": [Command.set(cls.sales.ids)]}),
                    ("Surveyor", {"assignment": "user", "user_id": cls.surveyor.id}),
                    ("Accountant", {"assignment": "user", "user_id": cls.accountant.id}),
                    ("Workshop", {"assignment": "user", "user_id": cls.workshop.id}),
                    ("Installer", {"assignment": "user", "user_id": cls.installer.id}),
                ],
                start=1,
            )
        }
        env.ref("stock.route_warehouse0_mto").active = True
        warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        cls.component = env["product.product"].create({"name": "Story glass unit", "type": "consu"})
        cls.window = env["product.product"].create(
            {
                "name": "Story window 120x140",
                "type": "consu",
                "is_storable": True,
                "list_price": 1000.0,
                "invoice_policy": "order",
                "route_ids": [
                    Command.set([env.ref("stock.route_warehouse0_mto").id, warehouse.manufacture_pull_id.route_id.id])
                ],
            }
        )
        env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.window.product_tmpl_id.id,
                "product_qty": 1,
                "consumption": "warning",
                "bom_line_ids": [Command.create({"product_id": cls.component.id, "product_qty": 1})],
            }
        )
        cls.project = env["project.project"].create(
            {"name": "Story installations", "allow_billable": True, "company_id": company.id}
        )
        env["project.task.type"].create({"name": "To install", "sequence": 1, "project_ids": [cls.project.id]})
        cls.project.message_subscribe(cls.installer.partner_id.ids)
        desk = env["project.project"].create(
            {"name": "Story service", "is_service_desk": True, "privacy_visibility": "portal", "company_id": company.id}
        )
        env["project.task.type"].create({"name": "New", "sequence": 1, "project_ids": [desk.id]})
        Robot = env["sale.funnel.robot"]

        def activity_robot(stage, role, summary, **vals):
            return Robot.create(
                {
                    "name": summary,
                    "stage_id": stage.id,
                    "kind": "activity",
                    "role_id": roles[role].id,
                    "activity_type_id": env.ref("mail.mail_activity_data_todo").id,
                    "summary": summary,
                    "deadline_amount": 2,
                    "deadline_unit": "hours",
                    **vals,
                }
            )

        activity_robot(call, "Salesperson", "Call the customer back", deadline_amount=15, deadline_unit="minutes")
        activity_robot(measure, "Surveyor", "Measure on site")
        Robot.create({"name": "Down payment", "stage_id": payment.id, "kind": "down_payment", "sequence": 1})
        activity_robot(payment, "Accountant", "Check the down payment", sequence=2)
        activity_robot(production, "Workshop", "Make the windows")
        Robot.create(
            {
                "name": "Install the windows",
                "stage_id": installation.id,
                "kind": "task",
                "project_id": cls.project.id,
                "role_id": roles["Installer"].id,
                "summary": "Install windows: {{ object.partner_id.name }}",
                "deadline_mode": "field",
                "deadline_field_id": env["ir.model.fields"]._get("sale.order", "installation_date").id,
            }
        )
        activity_robot(final, "Accountant", "Make the final invoice")
        cls.funnel.action_generate_intake_token()

    def _run_background_robots(self):
        """The background robots' cron, as the scheduler runs it right after the move's commit (the registry is in
        test mode already: its cursors are the test's)."""
        self.env.flush_all()
        self.env.ref("erp_crm.ir_cron_run_due_robots").method_direct_trigger()
        self.env.invalidate_all()

    def _next_activity(self, deal):
        """The open activities of the deal: {summary: assignee}."""
        activities = self.env["mail.activity"].search([("res_model", "=", "sale.order"), ("res_id", "=", deal.id)])
        return {activity.summary: activity.user_id for activity in activities}

    def _done(self, deal, summary):
        """The assignee marks the activity done (what the chatter's Mark Done does)."""
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", deal.id), ("summary", "=", summary)]
        )
        activity.with_user(activity.user_id).action_feedback(feedback="Done.")

    def test_whole_story(self):
        funnel, stages = self.funnel, self.stages
        # 1. A visitor posts the web form.
        self.start_tour(
            f"/web/login?story_funnel={funnel.id}&story_token={funnel.intake_token}", "erp_crm_story_visitor_tour"
        )
        deal = self.env["sale.order"].search([("funnel_id", "=", funnel.id)])
        self.assertEqual(len(deal), 1, "the request became a deal")
        self.assertEqual(
            (deal.stage_id, deal.title, deal.user_id), (stages["First call"], "Story: four windows", self.sales)
        )
        self.assertEqual(deal.partner_id.email, "vera.visitor@example.com")
        self.assertEqual(
            self._next_activity(deal), {"Call the customer back": self.sales}, "the salesperson calls back"
        )

        # 2. The salesperson calls back and moves the deal to Measurement.
        self.start_tour(f"/odoo/deals/{deal.id}", "erp_crm_story_sales_tour", login=self.sales.login)
        self.assertEqual(deal.stage_id, stages["Measurement"])
        self.assertEqual(self._next_activity(deal).get("Measure on site"), self.surveyor, "the surveyor measures")

        # 3. The surveyor measures and moves it to Approval.
        self.start_tour(f"/odoo/deals/{deal.id}", "erp_crm_story_surveyor_tour", login=self.surveyor.login)
        self.assertEqual(deal.stage_id, stages["Approval"])
        # The salesperson writes the offer from the measures and, once agreed, moves the deal to Payment: the robot
        # invoices the down payment and asks the accountant to check it.
        self._done(deal, "Call the customer back")
        self._done(deal, "Measure on site")
        installation_date = fields.Datetime.now().replace(microsecond=0) + timedelta(days=14)
        deal.with_user(self.sales).write(
            {
                "order_line": [Command.create({"product_id": self.window.id, "product_uom_qty": 2})],
                "installation_date": installation_date,
            }
        )
        deal.with_user(self.sales).write({"stage_id": stages["Payment"].id})
        self._run_background_robots()  # the down payment is invoiced and emailed in the background
        down_payment = deal._get_down_payment_invoices()
        self.assertEqual(down_payment.state, "posted", "the robot invoiced the down payment")
        self.assertEqual(self._next_activity(deal), {"Check the down payment": self.accountant})

        # 4. The accountant registers the down payment: the trigger moves the deal to Production.
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{down_payment.id}",
            "erp_crm_story_down_payment_tour",
            login=self.accountant.login,
        )
        self.assertEqual(deal.stage_id, stages["Production"])
        self.assertEqual(deal.state, "sale", "the order is confirmed")
        production = deal.mrp_production_ids
        self.assertEqual(len(production), 1)
        self.assertEqual(self._next_activity(deal).get("Make the windows"), self.workshop, "the workshop makes them")

        # 5. The workshop made the two windows with three glass units (one broke): other quantities than the bill
        # of materials. Marking the order done shows Odoo's consumption warning, confirmed in the browser.
        production.with_user(self.workshop).action_assign()
        production.with_user(self.workshop).write({"qty_producing": 2})
        production.move_raw_ids.with_user(self.workshop).write({"quantity": 3, "picked": True})
        self.start_tour(
            f"/odoo/action-mrp.mrp_production_action/{production.id}",
            "erp_crm_story_workshop_tour",
            login=self.workshop.login,
        )
        self.assertEqual(production.state, "done")
        self.assertEqual(production.move_raw_ids.quantity, 3, "what the workshop booked")
        self.assertEqual(deal.stage_id, stages["Installation"])
        task = self.env["project.task"].search([("sale_order_id", "=", deal.id)])
        self.assertEqual(task.user_ids, self.installer, "the installer has the next step: the installation task")
        self.assertEqual(task.date_deadline, installation_date)

        # 6. The installer closes the task: the accountant is asked for the final invoice.
        self.start_tour(
            f"/odoo/action-project.action_view_all_task/{task.id}",
            "erp_crm_story_installer_tour",
            login=self.installer.login,
        )
        self.assertEqual(task.state, "1_done")
        self.assertEqual(deal.stage_id, stages["Final invoice"])
        self.assertEqual(self._next_activity(deal).get("Make the final invoice"), self.accountant)

        # 7. The accountant makes the final invoice (the down payment deducted); the customer pays it: Won.
        self.start_tour(
            f"/odoo/action-sale.action_orders/{deal.id}",
            "erp_crm_story_final_invoice_tour",
            login=self.accountant.login,
        )
        final = deal.invoice_ids - down_payment
        self.assertEqual(final.state, "posted")
        self.assertAlmostEqual(final.amount_total + down_payment.amount_total, deal.amount_total)
        self.env["account.payment.register"].with_user(self.accountant).with_context(
            active_model="account.move", active_ids=final.ids
        ).create({})._create_payments()
        self.assertEqual((deal.stage_id, deal.won_status), (stages["Won"], "won"))

        # 8. The customer, on the portal, opens a service request with a description.
        customer = new_test_user(
            self.env, login="erp_crm_story_customer", groups="base.group_portal", partner_id=deal.partner_id.id
        )
        self.start_tour(f"/my/orders/{deal.id}", "erp_crm_story_customer_tour", login=customer.login)
        request = self.env["project.task"].search([("name", "=", "Story: the new bedroom window sticks")])
        self.assertEqual(len(request), 1)
        self.assertEqual(request.partner_id, deal.partner_id)
        self.assertEqual(request.service_order_id, deal)
        self.assertIn("It opens only with force since Monday.", str(request.description))
        self.assertIn("The handle is loose, too.", str(request.description))
        created = request.message_ids.sorted("id")[:1]
        self.assertEqual(created.author_id, deal.partner_id, "authored by the customer, not by Public user")
