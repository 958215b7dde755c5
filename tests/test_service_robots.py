"""Robots on service stages: the deals' robot engine serving service requests (issue 12 item 4), and robot work
shown as OdooBot's, naming the robot (issue 9 item 8)."""

from datetime import datetime

from psycopg2.errors import UniqueViolation

from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .service_common import FRIDAY_16_BERLIN, ServiceCommon
from .test_robot_cron import run_cron
from .test_robots import RobotCommon

# Queries the three robots (activity, note, field update) add to a move of service requests, for 1 as for 10.
ROBOT_QUERIES = 29
# Friday 6 March 2026 16:00 Berlin + 4 working hours on the Mon-Fri 08:00-18:00 calendar: Monday 10:00 Berlin.
MONDAY_10_BERLIN = datetime(2026, 3, 9, 9, 0)


class ServiceRobotCommon(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bot_partner = cls.env.ref("base.partner_root")
        cls.bot_user = cls.env.ref("base.user_root")
        cls.template = cls.env["mail.template"].create(
            {
                "name": "We are on it",
                "model_id": cls.env["ir.model"]._get_id("project.task"),
                "subject": "We are on it: {{ object.name }}",
                "partner_to": "{{ object.partner_id.id }}",
                "body_html": "<p>A technician handles your request.</p>",
            }
        )

    @classmethod
    def _robot(cls, stage, **vals):
        return cls.env["sale.funnel.robot"].create(
            {"task_stage_id": stage.id, "name": vals.pop("name", "Robot"), **vals}
        )

    @classmethod
    def _write_robot(cls, stage, fname, value, **vals):
        field = cls.env["ir.model.fields"]._get("project.task", fname)
        return cls._robot(stage, kind="write", write_field_id=field.id, write_value=value, **vals)

    def _activities(self, request, **domain):
        return self.env["mail.activity"].search(
            [("res_model", "=", "project.task"), ("res_id", "=", request.id)]
            + [(key, "=", value) for key, value in domain.items()]
        )


@tagged("erp_crm", "erp_crm_service")
class TestServiceRobots(ServiceRobotCommon):
    def _visit_robot(self, **vals):
        """The project manager plans the technician's visit when a request enters *In Progress*."""
        return self._robot(
            self.stage_progress,
            name="Plan the visit",
            kind="activity",
            task_role="project_manager",
            summary="Plan the technician's visit",
            **vals,
        )

    def test_request_entering_a_stage_gets_the_robots_work(self):
        self._visit_robot(deadline_amount=4, deadline_unit="hours")
        self._robot(self.stage_progress, name="Logbook", kind="note", summary="Work started on the request")
        self._robot(self.stage_progress, name="Tell the customer", kind="email", mail_template_id=self.template.id)
        self._write_robot(self.stage_progress, "priority", "1", name="Star it")
        with freeze_time(FRIDAY_16_BERLIN):
            request = self._create_request()
            self.assertFalse(request.robot_run_ids, "no robot on the stage it was created in")
            # moved by the technician (a service user): the robots still act as configured
            request.with_user(self.user_tech).write({"stage_id": self.stage_progress.id})
        self.assertEqual(request.stage_id, self.stage_progress)
        runs = {run.robot_id.name: run for run in request.robot_run_ids}
        self.assertEqual({name: run.state for name, run in runs.items()}, dict.fromkeys(runs, "done"))
        self.assertEqual(len(runs), 4, "the run log is on the request")
        self.assertEqual(runs["Plan the visit"].task_stage_id, self.stage_progress)

        activity = self._activities(request)
        self.assertEqual(activity.summary, "Plan the technician's visit")
        self.assertEqual(activity.user_id, self.user_service_manager, "the role: the project's manager")
        self.assertEqual(activity.deadline_at, MONDAY_10_BERLIN, "4 working hours across the weekend")
        self.assertEqual(activity.create_uid, self.bot_user, "assigned by the robot, not by the technician")
        self.assertEqual(activity.robot_run_id, runs["Plan the visit"])

        note = request.message_ids.filtered(lambda m: "Work started on the request" in (m.body or ""))
        self.assertEqual(note.author_id, self.bot_partner)
        self.assertIn("Robot “Logbook”", note.body)

        mail = self.env["mail.mail"].search(
            [("model", "=", "project.task"), ("res_id", "=", request.id), ("subject", "like", "We are on it")]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing", "queued: sent after commit by the mail queue")
        self.assertEqual(mail.subject, "We are on it: The window leaks")
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertEqual(mail.author_id, self.bot_partner, "the chatter shows OdooBot sent it")
        self.assertIn("Robot “Tell the customer”", mail.mail_message_id.body, "and names the robot")
        self.assertNotIn("Robot", mail.body_html, "the customer gets the template's email as it is")

        self.assertEqual(request.priority, "1", "the field update (Update Record conversion)")

    def test_background_robot_serves_the_request_right_after_the_move(self):
        self._visit_robot(run_in_background=True)
        with freeze_time(FRIDAY_16_BERLIN):
            request = self._create_request()
            request.with_user(self.user_tech).write({"stage_id": self.stage_progress.id})
            self.assertFalse(self._activities(request), "the technician does not wait for the robot's work")
            self.assertEqual(request.robot_run_ids.state, "planned")
            run_cron(self, "erp_crm.ir_cron_run_due_robots")
        self.assertEqual(request.robot_run_ids.state, "done")
        self.assertEqual(self._activities(request).user_id, self.user_service_manager)

    def test_service_staff_see_the_robots_of_service_stages_only(self):
        """Deal robots (their templates, conditions, server actions) stay on the sales side; a user with both
        rights sees both."""
        service = self._visit_robot()
        deal = self.env["sale.funnel.robot"].create({"name": "Call back", "stage_id": self.stage_call.id})
        Robot = self.env["sale.funnel.robot"]
        both = (service | deal).ids
        self.assertEqual(Robot.with_user(self.user_tech).search([("id", "in", both)]), service)
        with self.assertRaises(AccessError):
            deal.with_user(self.user_tech).read(["name"])
        self.user_tech.group_ids = [Command.link(self.env.ref("sales_team.group_sale_salesman").id)]
        self.assertEqual(Robot.with_user(self.user_tech).search([("id", "in", both)]), service | deal)

    def test_request_created_in_a_stage_runs_its_robots_with_their_condition(self):
        self._robot(self.stage_new, name="Welcome", kind="note", summary="Request received")
        self._robot(
            self.stage_new,
            name="Urgent",
            kind="notify",
            task_role="project_manager",
            summary="Urgent request",
            filter_domain="[('service_priority', '=', 'urgent')]",
        )
        with freeze_time(FRIDAY_16_BERLIN):
            normal = self._create_request()
            urgent = self._create_request(name="Broken glass", service_priority="urgent")
        self.assertEqual(normal.robot_run_ids.sorted("robot_id").mapped("state"), ["done", "skipped"])
        self.assertIn("does not meet", normal.robot_run_ids.filtered(lambda r: r.state == "skipped").message)
        self.assertEqual(urgent.robot_run_ids.mapped("state"), ["done", "done"])
        message = urgent.message_ids.filtered(lambda m: m.subject == "Urgent request")
        self.assertEqual(message.partner_ids, self.user_service_manager.partner_id)
        self.assertEqual(message.author_id, self.bot_partner)

    def test_never_twice_on_reentry(self):
        self._robot(
            self.stage_progress, name="Call back", kind="activity", summary="Call the customer", deadline_amount=1
        )
        self._robot(self.stage_progress, name="Later", kind="note", summary="Still open", delay_amount=2)
        with freeze_time(FRIDAY_16_BERLIN):
            request = self._create_request()
            for _i in range(3):
                request.write({"stage_id": self.stage_progress.id})
                request.write({"stage_id": self.stage_wait.id})
            request.write({"stage_id": self.stage_progress.id})
            request.write({"stage_id": self.stage_progress.id})  # the same stage again: no new entry
        self.assertEqual(len(self._activities(request)), 1, "not while an identical activity is still open")
        runs = request.robot_run_ids.filtered(lambda run: run.robot_id.name == "Call back")
        self.assertEqual(len(runs), 4, "one run per stage entry")
        self.assertEqual(runs.mapped("state").count("skipped"), 3)
        self.assertEqual(len(set(runs.mapped("task_entry"))), 4)
        delayed = request.robot_run_ids.filtered(lambda run: run.robot_id.name == "Later")
        self.assertEqual(len(delayed), 4)
        with freeze_time(datetime(2026, 3, 9, 12, 0)):
            run_cron(self, "erp_crm.ir_cron_run_due_robots")
        self.assertEqual(sorted(delayed.mapped("state")), ["cancelled", "cancelled", "cancelled", "done"])
        self.assertEqual(
            set(delayed.filtered(lambda r: r.state == "cancelled").mapped("message")),
            {"The request left the stage first."},
        )
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            runs[:1].copy({"state": "planned"})  # one run per robot and stage entry, structurally

    def test_failing_robot_keeps_the_move_and_is_logged_on_the_request(self):
        # a request type removed after the robot was saved: setting it fails when the robot runs
        gone = self.env["project.service.type"].create({"name": "Gone"})
        self._write_robot(self.stage_progress, "service_type_id", str(gone.id), name="Broken", sequence=1)
        self._write_robot(self.stage_progress, "priority", "1", name="Star it", sequence=2)
        gone.unlink()
        with freeze_time(FRIDAY_16_BERLIN):
            request = self._create_request(description="<p>Keep me</p>")
            with mute_logger("odoo.addons.erp_crm.models.sale_funnel_robot_run", "odoo.sql_db"):
                request.with_user(self.user_tech).write({"stage_id": self.stage_progress.id})
        self.assertEqual(request.stage_id, self.stage_progress, "the move is kept")
        self.assertIn("Keep me", request.description)
        runs = {run.robot_id.name: run for run in request.robot_run_ids}
        self.assertEqual(runs["Broken"].state, "failed")
        self.assertTrue(runs["Broken"].message.startswith("Failed:"))
        self.assertEqual(request.service_type_id, self.type_question, "nothing of the failed robot stays")
        self.assertEqual(runs["Star it"].state, "done", "the next robot still runs")
        self.assertEqual(request.priority, "1")
        alert = self._activities(request, user_id=self.user_service_manager.id)
        self.assertEqual(len(alert), 1, "the project manager is told")
        self.assertIn("Broken", alert.summary)
        self.assertEqual(alert.create_uid, self.bot_user, "told by the robot engine, not by the technician")

    def test_deal_only_kinds_are_refused_on_a_service_stage(self):
        action = self.env["ir.actions.server"].create(
            {"name": "Code", "model_id": self.env["ir.model"]._get_id("project.task"), "state": "code", "code": "1"}
        )
        project = self.env["project.project"].create({"name": "Billable", "allow_billable": True})
        for kind, values in (
            ("task", {"project_id": project.id}),
            ("down_payment", {}),
            ("server_action", {"server_action_id": action.id}),
        ):
            with self.subTest(kind=kind), self.assertRaisesRegex(ValidationError, "^Kind: .* works on deals only"):
                self._robot(self.stage_progress, kind=kind, **values)
        with self.assertRaisesRegex(ValidationError, "^Stage: "):
            self.env["sale.funnel.robot"].create({"name": "Nowhere", "kind": "note"})
        with self.assertRaisesRegex(ValidationError, "^Email Template: .* not a template of service requests"):
            self._robot(
                self.stage_progress,
                kind="email",
                mail_template_id=self.env.ref("erp_crm.mail_template_payment_request").id,
            )
        with self.assertRaisesRegex(ValidationError, "^Field to Update: robots may not write"):
            self._write_robot(self.stage_progress, "stage_id", str(self.stage_solved.id))
        with self.assertRaisesRegex(ValidationError, "^Condition: "):
            self._robot(self.stage_progress, kind="note", filter_domain="[('amount_total', '>', 5)]")

    def test_who_may_configure_service_robots(self):
        Robot = self.env["sale.funnel.robot"]
        values = {"task_stage_id": self.stage_progress.id, "name": "Mine", "kind": "note"}
        with self.assertRaises(AccessError):
            Robot.with_user(self.user_tech).create(values)
        robot = Robot.with_user(self.user_service_manager).create(values)
        self.assertEqual(robot.run_as_user_id, self.user_service_manager)
        funnel_stage = self.funnel.stage_ids[:1]
        with self.assertRaisesRegex(AccessError, "only ERP CRM managers configure deal robots"):
            Robot.with_user(self.user_service_manager).create(
                {"stage_id": funnel_stage.id, "name": "Deal", "kind": "note"}
            )
        with self.assertRaises(AccessError):
            robot.with_user(self.user_service_manager).write({"task_stage_id": False, "stage_id": funnel_stage.id})
        # a service user reads the robot log of a request they may see, not the robots' settings to change them
        with freeze_time(FRIDAY_16_BERLIN):
            request = self._create_request()
            request.write({"stage_id": self.stage_progress.id})
        self.assertEqual(request.with_user(self.user_tech).robot_run_ids.robot_id.name, "Mine")
        with self.assertRaises(AccessError):
            robot.with_user(self.user_tech).write({"name": "Changed"})
        with self.assertRaises(AccessError):
            request.with_user(self.user_tech).write({"erp_crm_stage_entry": 1})

    def test_stage_form_lists_its_robots(self):
        robot = self._robot(self.stage_progress, name="Logbook", kind="note")
        self.assertEqual(self.stage_progress.robot_ids, robot)
        self.assertEqual(robot.record_model, "project.task")
        self.assertEqual(robot.condition_preview, "0 of the 0 service requests match now.")
        self._create_request()
        robot.invalidate_recordset(["condition_preview"])
        self.assertEqual(robot.condition_preview, "1 of the 1 service requests match now.")


@tagged("erp_crm", "erp_crm_service", "erp_crm_perf")
class TestServiceRobotPerformance(ServiceRobotCommon):
    """Moving 10 requests into a stage with three robots costs the same as moving one (robots work per batch)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._robot(cls.stage_progress, name="Plan", kind="activity", summary="Plan the visit", deadline_amount=4)
        cls._robot(cls.stage_progress, name="Logbook", kind="note", summary="Work started")
        cls._write_robot(cls.stage_progress, "priority", "1", name="Star it")
        with freeze_time(FRIDAY_16_BERLIN):
            cls.requests = cls.env["project.task"].create(
                [
                    {
                        "name": f"Request {index}",
                        "project_id": cls.desk.id,
                        "partner_id": cls.customer.id,
                        "stage_id": cls.stage_new.id,
                        "user_ids": [Command.set(cls.user_tech.ids)],
                    }
                    for index in range(12)
                ]
            )

    def _count(self, requests):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        requests.write({"stage_id": self.stage_progress.id})
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_moving_1_or_10_requests(self):
        """The robots' share of a move (the same move with the robots switched off is the reference: the request's
        own SLA bookkeeping grows with the batch) is pinned, and the same for 1 and for 10 requests."""
        robots = self.stage_progress.robot_ids
        with freeze_time(FRIDAY_16_BERLIN):
            robots.action_archive()
            self._count(self.requests[:1])  # warm the registry caches
            plain = {1: self._count(self.requests[1:2]), 10: self._count(self.requests[2:12])}
            self.requests.write({"stage_id": self.stage_new.id})
            robots.action_unarchive()
            self._count(self.requests[:1])
            with_robots = {1: self._count(self.requests[1:2]), 10: self._count(self.requests[2:12])}
        self.assertEqual(len(self.requests.robot_run_ids.filtered(lambda run: run.state == "done")), 36)
        self.assertEqual(len(self.env["mail.activity"].search([("res_model", "=", "project.task")])), 12)
        robots_share = {size: with_robots[size] - plain[size] for size in (1, 10)}
        self.assertEqual(robots_share, {1: ROBOT_QUERIES, 10: ROBOT_QUERIES}, f"moves: {plain} / {with_robots}")


@tagged("erp_crm")
class TestRobotWorkIsOdooBots(RobotCommon):
    """Issue 9 item 8: what robots do for a deal shows as OdooBot's and names the robot, not the mover's."""

    def test_email_and_activity_robots_speak_as_odoobot(self):
        self.partner.email = "customer@example.com"
        self._payment_request_robot()
        self._activity_robot(self.stage_payment, "Check the payment", self.role_surveyor, name="Check")
        deal = self._create_deal(user_id=self.user_sales.id)
        deal.with_user(self.user_sales).write({"stage_id": self.stage_payment.id})
        bot = self.env.ref("base.partner_root")
        mail = self.env["mail.mail"].search([("model", "=", "sale.order"), ("res_id", "=", deal.id)])
        self.assertEqual(mail.author_id, bot)
        self.assertIn("Robot “Payment request”", mail.mail_message_id.body)
        self.assertIn("Robot “Payment request”", mail.body, "what the chatter shows")
        self.assertNotIn("Robot “Payment request”", mail.body_html, "the customer's email is the template's")
        activity = self._activities(deal, user_id=self.user_surveyor.id)
        self.assertEqual(activity.create_uid, self.env.ref("base.user_root"), "assigned by the robot")
        self.assertEqual(activity.user_id, self.user_surveyor, "to the role's holder")
        self.assertTrue(activity.with_user(self.user_surveyor).can_write, "who can do it as before")
