from datetime import datetime

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from .common import ErpCrmCommon, create_berlin_office_calendar

# Wednesday 2026-03-11 10:00 in Berlin (ErpCrmCommon's frozen instant): inside the working hours.
NOW = datetime(2026, 3, 11, 9, 0)


@tagged("erp_crm")
class TestFunnelSetup(ErpCrmCommon):
    """New Line of Business (issue 23): a template makes the whole funnel, as the user who sets it up."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.resource_calendar_id = create_berlin_office_calendar(cls.env)
        cls.owner = new_test_user(
            cls.env,
            login="erp_crm_owner",
            groups="erp_crm.erp_crm_group_manager,project.group_project_manager",
            name="Olga Owner",
        )
        cls.planner, cls.accountant = (
            new_test_user(cls.env, login=f"erp_crm_{name.lower()}", groups="erp_crm.erp_crm_group_all_deals", name=name)
            for name in ("Paul Planner", "Anna Accountant")
        )
        cls.installer = new_test_user(
            cls.env,
            login="erp_crm_hp_installer",
            groups="erp_crm.erp_crm_group_user,project.group_project_user",
            name="Ingo Installer",
        )
        cls.heat_pump = cls.env.ref("erp_crm.sale_funnel_template_heat_pump")
        cls.windows = cls.env.ref("erp_crm.sale_funnel_template_windows")

    def _setup(self, user, template, **vals):
        return self.env["sale.funnel.setup"].with_user(user).create({"template_id": template.id, **vals})

    def _answer_roles(self, setup, holders):
        for line in setup.role_line_ids:
            line.user_id = holders[line.template_role_id.name]

    def _create_heat_pumps(self):
        setup = self._setup(self.owner, self.heat_pump, down_payment_percent=40)
        self.assertEqual(setup.name, "Heat pump installation", "the template's name is proposed")
        self.assertEqual(
            setup.role_line_ids.template_role_id.mapped("name"),
            ["Planner", "Accountant", "Installer"],
            "only the roles held by a person are asked (the salesperson is the deal's)",
        )
        self.assertEqual(setup.role_line_ids.user_id, self.owner, "every role proposed to the owner")
        self._answer_roles(setup, {"Planner": self.planner, "Accountant": self.accountant, "Installer": self.installer})
        setup.name = "Heat pumps South"
        action = setup.action_create()
        funnel = self.env["sale.funnel"].search([("name", "=", "Heat pumps South")])
        self.assertEqual(len(funnel), 1)
        return funnel, action

    def test_heat_pump_line_of_business_is_made_whole_as_the_manager(self):
        funnel, action = self._create_heat_pumps()
        # Landed on the robot board, with the checklist of what is left.
        self.assertEqual(action["tag"], "display_notification")
        board = action["params"]["next"]
        self.assertEqual((board["res_model"], board["domain"]), ("sale.funnel.robot", [("funnel_id", "=", funnel.id)]))
        self.assertIn("Connect incoming mail", action["params"]["message"])
        self.assertIn("Connect incoming mail", funnel.setup_checklist)
        # Written by the owner (no sudo): the models' own create paths ran as them.
        self.assertEqual(funnel.create_uid, self.owner)
        self.assertEqual(funnel.robot_ids.create_uid, self.owner)
        self.assertEqual(
            funnel.stage_ids.mapped("name"),
            ["First call", "Site survey", "Offer", "Down payment", "Ordering", "Installation", "Won", "Lost"],
        )
        roles = {role.name: role for role in funnel.role_ids}
        self.assertEqual(roles["Salesperson"].assignment, "salesperson")
        self.assertEqual(roles["Planner"].user_id, self.planner)
        self.assertEqual(roles["Installer"].user_id, self.installer)
        ordering = funnel.stage_ids.filtered(lambda s: s.name == "Ordering")
        self.assertEqual(
            (ordering.trigger, ordering.trigger_percent, ordering.gate_prepaid_percent), ("down_payment_paid", 40, 40)
        )
        self.assertEqual(ordering.gate_activity_user_id, self.accountant, "the collection goes to the accountant")
        self.assertTrue(ordering.confirm_order_on_entry)
        down_payment = funnel.robot_ids.filtered(lambda r: r.kind == "down_payment")
        self.assertEqual(down_payment.down_payment_percent, 40, "the down-payment share answered in the assistant")
        # The installers' project (billable, with stages) and the service desk (stages and SLA policies).
        task_robot = funnel.robot_ids.filtered(lambda r: r.kind == "task")
        project = task_robot.project_id
        self.assertEqual(project.name, "Heat pump installations")
        self.assertTrue(project.allow_billable)
        self.assertEqual(project.type_ids.mapped("name"), ["To install", "Installed"])
        desk = self.env["project.project"].search(
            [("name", "=", "Heat pump service"), ("create_uid", "=", self.owner.id)]
        )
        self.assertTrue(desk.is_service_desk)
        self.assertEqual(funnel.service_desk_id, desk, "the line's requests go to its own desk")
        self.assertEqual(desk.type_ids.mapped("name"), ["New", "In Progress", "Waiting for Customer", "Solved"])
        self.assertEqual(len(desk.sla_policy_ids), 6)
        self.assertEqual(
            self.env["sale.funnel.robot"].search_count([("task_stage_id", "in", desk.type_ids.ids)]),
            3,
            "the desk's robots: request received, plan the visit, ask whether all is well",
        )

    def test_heat_pump_deal_gets_the_robots_work_for_the_role_holders(self):
        funnel, _action = self._create_heat_pumps()
        stages = {stage.name: stage for stage in funnel.stage_ids}
        deal = (
            self.env["sale.order"]
            .with_user(self.owner)
            .create(
                {
                    "partner_id": self.partner.id,
                    "funnel_id": funnel.id,
                    "user_id": self.user_all.id,
                    "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 1})],
                }
            )
        )
        self.assertEqual(deal.stage_id, stages["First call"])

        def activity(summary):
            return deal.activity_ids.filtered(lambda a: a.summary == summary)

        call = activity("Call the customer back")
        self.assertEqual(call.user_id, self.user_all, "the salesperson calls back")
        self.assertEqual(call.date_deadline.isoformat(), "2026-03-11")
        deal.with_user(self.owner).write({"appointment_at": datetime(2026, 3, 13, 9, 0)})
        deal.with_user(self.owner).write({"stage_id": stages["Site survey"].id})
        survey = activity("Survey the house on site")
        self.assertEqual(survey.user_id, self.planner, "the planner surveys")
        self.assertEqual(survey.date_deadline.isoformat(), "2026-03-13", "on the appointment")
        deal.with_user(self.owner).write({"stage_id": stages["Offer"].id})
        self.assertEqual(activity("Size the heat pump and call the customer").user_id, self.user_all)
        deal.with_user(self.owner).write({"stage_id": stages["Down payment"].id})
        self.assertEqual(activity("Check the down payment").user_id, self.accountant, "the accountant checks")
        deal.with_user(self.owner).write(
            {"installation_date": datetime(2026, 3, 20, 7, 0), "stage_id": stages["Installation"].id}
        )
        task = self.env["project.task"].search([("sale_order_id", "=", deal.id)])
        self.assertEqual(len(task), 1)
        self.assertEqual(task.user_ids, self.installer, "the installer gets the installation")
        self.assertEqual(task.project_id.name, "Heat pump installations")
        self.assertEqual(task.stage_id.name, "To install", "the new task has its column")

    def test_window_line_of_business_mirrors_the_demo_funnel(self):
        setup = self._setup(self.owner, self.windows)
        self._answer_roles(
            setup, {"Surveyor": self.planner, "Accountant": self.accountant, "Installer": self.installer}
        )
        setup.action_create()
        funnel = self.env["sale.funnel"].search(
            [("name", "=", "Window installation"), ("create_uid", "=", self.owner.id)]
        )
        self.assertEqual(
            funnel.stage_ids.mapped("name"),
            ["First call", "Measurement", "Approval", "Payment", "Production", "Installation", "Won", "Lost"],
        )
        self.assertEqual(len(funnel.robot_ids), 8)
        triggers = {stage.name: stage.trigger for stage in funnel.stage_ids if stage.trigger}
        self.assertEqual(
            triggers, {"Production": "down_payment_paid", "Installation": "production_done", "Won": "task_closed"}
        )
        self.assertEqual(funnel.stage_ids.filtered(lambda s: s.name == "Production").trigger_percent, 50)

    def test_every_template_makes_a_working_funnel(self):
        templates = self.env["sale.funnel.template"].search([])
        self.assertGreaterEqual(len(templates), 4, "heat pumps, windows, furniture, maintenance contracts")
        for template in templates:
            with self.subTest(template=template.name):
                setup = self._setup(self.owner, template, name=f"{template.name} (test)")
                setup.action_create()
                funnel = self.env["sale.funnel"].search([("name", "=", f"{template.name} (test)")])
                self.assertEqual(len(funnel.stage_ids), len(template.stage_ids))
                self.assertEqual(len(funnel.robot_ids), len(template.robot_ids.filtered("stage_id")))
                task_robots = funnel.robot_ids.filtered(lambda r: r.kind == "task")
                self.assertTrue(task_robots.project_id.allow_billable)
                self.assertTrue(task_robots.project_id.type_ids)

    def test_blank_line_of_business(self):
        setup = self.env["sale.funnel.setup"].with_user(self.user_manager).create({"name": "Garden rooms"})
        setup.action_create()
        funnel = self.env["sale.funnel"].search([("name", "=", "Garden rooms")])
        self.assertEqual(funnel.stage_ids.mapped("kind"), ["open", "won", "lost"])
        self.assertFalse(funnel.robot_ids)

    def test_refused_for_a_salesperson(self):
        funnels = self.env["sale.funnel"].search_count([])
        with self.assertRaises(AccessError):
            self._setup(self.user_all, self.heat_pump)
        with self.assertRaises(UserError):
            self.heat_pump.with_user(self.user_all)._create_line_of_business("Heat pumps", {}, 30)
        self.assertEqual(self.env["sale.funnel"].search_count([]), funnels, "nothing was written")

    def test_refused_before_writing_without_project_rights(self):
        # An ERP CRM manager who is not a Project administrator cannot make the project and the desk.
        funnels = self.env["sale.funnel"].search_count([])
        setup = self._setup(self.user_manager, self.heat_pump)
        with self.assertRaisesRegex(UserError, "Project"):
            setup.action_create()
        self.assertEqual(self.env["sale.funnel"].search_count([]), funnels, "nothing was written")

    def test_bad_answers_are_refused_by_name(self):
        setup = self._setup(self.owner, self.heat_pump, down_payment_percent=140)
        with self.assertRaisesRegex(UserError, "Down Payment"):
            setup.action_create()
        setup.write({"down_payment_percent": 30, "name": "  "})
        with self.assertRaisesRegex(UserError, "Name"):
            setup.action_create()
        other = self.windows.role_ids.filtered(lambda r: r.assignment == "user")[:1]
        setup.write({"name": "Heat pumps", "role_line_ids": [Command.create({"template_role_id": other.id})]})
        with self.assertRaisesRegex(UserError, "Who Does What"):
            setup.action_create()

    def test_pipeline_without_any_funnel_offers_the_assistant(self):
        self.env["sale.funnel"].search([]).action_archive()
        action = self.env["sale.order"].with_user(self.user_manager).action_open_deals()
        self.assertEqual(action["res_model"], "sale.funnel.setup")
        action = self.env["sale.order"].with_user(self.user_sales).action_open_deals()
        self.assertEqual(action["res_model"], "sale.order", "a salesperson still gets the (empty) pipeline")


@tagged("erp_crm")
class TestRobotQuickCreate(ErpCrmCommon):
    """The robot board's quick create asks what each kind needs (issue 23, item 3)."""

    def _quick_create(self):
        return Form(
            self.env["sale.funnel.robot"]
            .with_user(self.user_manager)
            .with_context(default_stage_id=self.stage_call.id, default_funnel_id=self.funnel.id),
            view="erp_crm.sale_funnel_robot_view_quick_create",
        )

    def test_activity_robot_asks_type_and_summary(self):
        form = self._quick_create()
        form.kind = "activity"
        form.name = "Call the customer back"
        self.assertEqual(form.summary, "Call the customer back", "the name is the summary until one is typed")
        form.summary = "Call back about the heat pump"
        form.activity_type_id = self.env.ref("mail.mail_activity_data_call")
        robot = form.save()
        self.assertEqual(
            (robot.activity_type_id, robot.summary),
            (self.env.ref("mail.mail_activity_data_call"), "Call back about the heat pump"),
        )

    def test_email_robot_asks_template_and_document(self):
        form = self._quick_create()
        form.name = "Send the payment request"
        form.kind = "email"
        self.assertTrue(form._get_modifier("activity_type_id", "invisible"))
        form.mail_template_id = self.env.ref("erp_crm.mail_template_payment_request")
        form.report_id = self.env.ref("erp_crm.action_report_payment_request")
        robot = form.save()
        self.assertEqual(robot.report_id, self.env.ref("erp_crm.action_report_payment_request"))
