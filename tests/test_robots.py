import os
from datetime import datetime

from psycopg2.errors import UniqueViolation

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from .common import ErpCrmCommon, create_berlin_office_calendar

# Friday 2026-03-06 17:50 in Berlin (CET, UTC+1) is 16:50 UTC.
FRIDAY_1750_BERLIN = datetime(2026, 3, 6, 16, 50)
# Robot tests run at a frozen instant: working-time deadlines and query counts depend on the clock. Default:
# Monday 10:00 in Berlin; ERP_CRM_TEST_INSTANT=2026-03-08T11:00 (naive UTC) runs them at another instant.
TEST_INSTANT = datetime.fromisoformat(os.environ.get("ERP_CRM_TEST_INSTANT") or "2026-03-09T09:00")


@freeze_time(TEST_INSTANT)
class RobotCommon(ErpCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = create_berlin_office_calendar(cls.env)
        cls.env.company.resource_calendar_id = cls.calendar
        cls.user_surveyor = new_test_user(
            cls.env,
            login="erp_crm_surveyor",
            groups="erp_crm.erp_crm_group_all_deals",
            name="Jonas Surveyor",
            tz="Europe/Berlin",
        )
        cls.user_installer = new_test_user(
            cls.env,
            login="erp_crm_installer",
            groups="erp_crm.erp_crm_group_user,project.group_project_user",
            name="Tobias Installer",
        )
        cls.funnel.user_id = cls.user_manager
        cls.role_sales, cls.role_surveyor, cls.role_installer = cls.env["sale.funnel.role"].create(
            [
                {"name": "Salesperson", "funnel_id": cls.funnel.id, "assignment": "salesperson"},
                {"name": "Surveyor", "funnel_id": cls.funnel.id, "assignment": "user", "user_id": cls.user_surveyor.id},
                {
                    "name": "Installer",
                    "funnel_id": cls.funnel.id,
                    "assignment": "user",
                    "user_id": cls.user_installer.id,
                },
            ]
        )
        cls.project = cls.env["project.project"].create({"name": "Installations", "allow_billable": True})
        cls.call_type = cls.env.ref("mail.mail_activity_data_call")

    @classmethod
    def _robot(cls, stage, **vals):
        return cls.env["sale.funnel.robot"].create({"stage_id": stage.id, "name": vals.pop("name", "Robot"), **vals})

    @classmethod
    def _activity_robot(cls, stage, summary, role=None, **vals):
        vals.setdefault("name", summary)
        return cls._robot(stage, kind="activity", summary=summary, role_id=role.id if role else False, **vals)

    @classmethod
    def _notify_robot(cls, stage, summary, role, **vals):
        vals.setdefault("name", summary)
        return cls._robot(stage, kind="notify", summary=summary, role_id=role.id, **vals)

    @classmethod
    def _payment_request_robot(cls, **vals):
        """Entering *Payment* emails the customer erp_crm's payment request."""
        template = cls.env.ref("erp_crm.mail_template_payment_request")
        return cls._robot(cls.stage_payment, name="Payment request", kind="email", mail_template_id=template.id, **vals)

    @classmethod
    def _deal_action(cls, name, **vals):
        """A server action on deals (code by default: ``vals`` give its state and settings)."""
        return cls.env["ir.actions.server"].create(
            {"name": name, "model_id": cls.env["ir.model"]._get_id("sale.order"), "state": "code", **vals}
        )

    @classmethod
    def _write_robot(cls, stage, fname, value, **vals):
        field = cls.env["ir.model.fields"]._get("sale.order", fname)
        vals.setdefault("name", f"Set {fname}")
        return cls._robot(stage, kind="write", write_field_id=field.id, write_value=value, **vals)

    def _activities(self, deal, **domain):
        return self.env["mail.activity"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", deal.id)]
            + [(field, "=", value) for field, value in domain.items()]
        )


@tagged("erp_crm")
class TestWorkingTime(RobotCommon):
    def test_friday_evening_plus_15_minutes_is_monday_morning(self):
        due = self.env.company._erp_crm_add_working_time(FRIDAY_1750_BERLIN, 15, "minutes")
        self.assertEqual(due, datetime(2026, 3, 9, 7, 5), "Monday 08:05 in Berlin is 07:05 UTC")

    def test_hours_and_working_days(self):
        monday_9 = datetime(2026, 3, 9, 8, 0)  # 09:00 Berlin
        self.assertEqual(self.env.company._erp_crm_add_working_time(monday_9, 2, "hours"), datetime(2026, 3, 9, 10, 0))
        self.assertEqual(
            self.env.company._erp_crm_add_working_time(FRIDAY_1750_BERLIN, 1, "working_days"),
            datetime(2026, 3, 9, 16, 50),
            "one working day after Friday 17:50 is Monday 17:50",
        )

    def test_summer_time_is_followed(self):
        # 2026-07-03 is a Friday; Berlin is UTC+2 in summer: 17:50 local is 15:50 UTC.
        due = self.env.company._erp_crm_add_working_time(datetime(2026, 7, 3, 15, 50), 15, "minutes")
        self.assertEqual(due, datetime(2026, 7, 6, 6, 5))


@tagged("erp_crm")
class TestRobotKinds(RobotCommon):
    def test_activity_robot_with_deadline_to_the_minute_in_working_time(self):
        self._activity_robot(
            self.stage_call,
            "Call the customer back",
            self.role_sales,
            activity_type_id=self.call_type.id,
            deadline_amount=15,
            deadline_unit="minutes",
        )
        with freeze_time(FRIDAY_1750_BERLIN):
            deal = self._create_deal(user_id=self.user_sales.id)
        activity = self._activities(deal)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.user_sales)
        self.assertEqual(activity.summary, "Call the customer back")
        self.assertEqual(activity.deadline_at, datetime(2026, 3, 9, 7, 5))
        self.assertEqual(str(activity.date_deadline), "2026-03-09")
        with freeze_time(datetime(2026, 3, 9, 6, 53)):
            activity.invalidate_recordset(["deadline_display"])
            self.assertEqual(activity.deadline_display, "due in 12 min")
        with freeze_time(datetime(2026, 3, 9, 7, 45)):
            activity.invalidate_recordset(["deadline_display"])
            self.assertEqual(activity.deadline_display, "overdue by 40 min")
        run = deal.robot_run_ids
        self.assertEqual((run.state, run.history_id), ("done", deal.stage_history_ids))
        self.assertEqual(run.result_ref, f"mail.activity,{activity.id}")

    def test_activity_robot_due_at_the_appointment(self):
        self._activity_robot(
            self.stage_measure,
            "Measure on site",
            self.role_surveyor,
            deadline_mode="field",
            deadline_field_id=self.env["ir.model.fields"]._get("sale.order", "appointment_at").id,
        )
        deal = self._create_deal()
        deal.write({"stage_id": self.stage_measure.id, "appointment_at": "2026-03-10 13:30:00"})
        activity = self._activities(deal, summary="Measure on site")
        self.assertEqual(activity.user_id, self.user_surveyor)
        self.assertEqual(activity.deadline_at, datetime(2026, 3, 10, 13, 30))

    def test_task_robot(self):
        self._robot(
            self.stage_installation,
            name="Install",
            kind="task",
            role_id=self.role_installer.id,
            project_id=self.project.id,
            summary="Install windows for {{ object.partner_id.name }}",
            deadline_mode="field",
            deadline_field_id=self.env["ir.model.fields"]._get("sale.order", "appointment_at").id,
        )
        deal = self._create_deal(appointment_at="2026-04-01 07:00:00")
        deal.write({"stage_id": self.stage_installation.id})
        task = self.env["project.task"].search([("project_id", "=", self.project.id)])
        self.assertEqual(task.name, f"Install windows for {self.partner.name}")
        self.assertEqual(task.user_ids, self.user_installer)
        self.assertEqual(task.sale_order_id, deal)
        self.assertEqual(task.date_deadline, datetime(2026, 4, 1, 7, 0))

    def test_email_robot_sends_the_payment_request_with_its_pdf(self):
        self.partner.email = "customer@example.com"
        self._payment_request_robot(
            report_id=self.env.ref("erp_crm.action_report_payment_request").id, document_in_move=True
        )
        deal = self._create_deal()
        deal.with_context(force_report_rendering=True).write({"stage_id": self.stage_payment.id})
        attachment = self.env["ir.attachment"].search([("res_model", "=", "sale.order"), ("res_id", "=", deal.id)])
        self.assertEqual(len(attachment), 1, "the document is attached to the deal")
        self.assertTrue(attachment.raw.startswith(b"%PDF"), "a real PDF, made by wkhtmltopdf")
        mail = self.env["mail.mail"].search([("model", "=", "sale.order"), ("res_id", "=", deal.id)])
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing", "queued: sent after commit by the mail queue")
        self.assertIn(attachment, mail.attachment_ids)
        self.assertIn(deal.name, mail.subject)

    def test_notify_robot(self):
        self._notify_robot(self.stage_approval, "Measurements approved", self.role_surveyor, name="Tell the surveyor")
        deal = self._create_deal()
        deal.write({"stage_id": self.stage_approval.id})
        message = deal.message_ids.filtered(lambda m: m.subject == "Measurements approved")
        self.assertEqual(message.partner_ids, self.user_surveyor.partner_id)

    def test_write_and_server_action_robots(self):
        self._write_robot(self.stage_approval, "client_order_ref", "APPROVED", name="Reference")
        action = self.env["ir.actions.server"].create(
            {
                "name": "Note",
                "model_id": self.env["ir.model"]._get_id("sale.order"),
                "state": "code",
                "code": "records.write({'note': 'from server action'})",
            }
        )
        self._robot(self.stage_approval, name="Server action", kind="server_action", server_action_id=action.id)
        deal = self._create_deal()
        deal.write({"stage_id": self.stage_approval.id})
        self.assertEqual(deal.client_order_ref, "APPROVED")
        self.assertIn("from server action", str(deal.note))
        self.assertEqual(deal.robot_run_ids.mapped("state"), ["done", "done"])

    def test_condition_filters_deals_and_logs_why(self):
        self._write_robot(
            self.stage_measure,
            "client_order_ref",
            "BIG",
            name="Big deals only",
            filter_domain="[('amount_total', '>', 1000000)]",
        )
        deal = self._create_deal()
        deal.write({"stage_id": self.stage_measure.id})
        self.assertFalse(deal.client_order_ref)
        self.assertEqual(deal.robot_run_ids.state, "skipped")
        self.assertIn("condition", deal.robot_run_ids.message)

    def test_round_robin_role_keeps_the_person_per_deal(self):
        self.role_surveyor.write(
            {"assignment": "round_robin", "user_ids": [Command.set((self.user_surveyor | self.user_all).ids)]}
        )
        self._activity_robot(self.stage_measure, "Measure", self.role_surveyor, deadline_amount=1)
        deal_a, deal_b = self._create_deal(), self._create_deal()
        (deal_a | deal_b).write({"stage_id": self.stage_measure.id})
        user_a = self._activities(deal_a).user_id
        user_b = self._activities(deal_b).user_id
        self.assertEqual(user_a | user_b, self.user_surveyor | self.user_all, "in turn")
        self.assertEqual(deal_a.role_user_ids.user_id, user_a, "the deal shows its people by role")

    def test_deal_shows_its_people_by_role(self):
        deal = self._create_deal(user_id=self.user_sales.id)
        self.assertEqual(
            deal.role_summary,
            "Salesperson: Sally Sales · Surveyor: Jonas Surveyor · Installer: Tobias Installer",
        )
        self.env["sale.order.role.user"].create(
            {"order_id": deal.id, "role_id": self.role_surveyor.id, "user_id": self.user_all.id}
        )
        deal.invalidate_recordset(["role_summary"])
        self.assertIn("Surveyor: Alice All", deal.role_summary, "a deal's own assignment wins")

    def test_nobody_for_the_role_fails_and_tells_the_manager(self):
        self.role_surveyor.user_id = False
        self._activity_robot(self.stage_measure, "Measure", self.role_surveyor)
        deal = self._create_deal(user_id=False)
        deal.write({"stage_id": self.stage_measure.id})
        self.assertEqual(deal.stage_id, self.stage_measure)
        self.assertEqual(deal.robot_run_ids.state, "failed")
        self.assertIn("Nobody holds the role Surveyor", deal.robot_run_ids.message)
        alert = self._activities(deal, user_id=self.user_manager.id)
        self.assertEqual(len(alert), 1)
        self.assertIn("Measure", alert.summary)


@tagged("erp_crm")
class TestRobotSafety(RobotCommon):
    def test_failing_robot_keeps_the_move_and_is_logged(self):
        action = self._deal_action("Broken", code="raise UserError('The ERP is on fire')")
        self._robot(self.stage_measure, name="Broken", kind="server_action", server_action_id=action.id, sequence=1)
        self._write_robot(self.stage_measure, "client_order_ref", "OK", name="Reference", sequence=2)
        deal = self._create_deal(title="Keep me")
        with mute_logger("odoo.addons.erp_crm.models.sale_funnel_robot_run"):
            deal.write({"stage_id": self.stage_measure.id})
        self.assertEqual(deal.stage_id, self.stage_measure, "the move is kept")
        self.assertEqual(deal.title, "Keep me", "the deal's data too")
        self.assertEqual(len(deal.stage_history_ids), 2)
        runs = {run.robot_id.name: run for run in deal.robot_run_ids}
        self.assertEqual(runs["Broken"].state, "failed")
        self.assertIn("The ERP is on fire", runs["Broken"].message)
        self.assertEqual(runs["Reference"].state, "done", "the next robot still runs")
        self.assertEqual(deal.client_order_ref, "OK")
        self.assertTrue(self._activities(deal, user_id=self.user_manager.id), "the funnel manager is told")

    def test_back_and_forth_does_not_pile_up_activities(self):
        self._activity_robot(
            self.stage_call, "Call the customer back", name="Call back", deadline_amount=15, deadline_unit="minutes"
        )
        deal = self._create_deal(user_id=self.user_sales.id)
        for _i in range(3):
            deal.write({"stage_id": self.stage_measure.id})
            deal.write({"stage_id": self.stage_call.id})
        self.assertEqual(len(self._activities(deal)), 1, "not while an identical activity is still open")
        self.assertEqual(len(deal.robot_run_ids), 4, "one run per stage entry")
        self.assertEqual(deal.robot_run_ids.mapped("state").count("skipped"), 3)
        self._activities(deal).action_feedback("Called")
        deal.write({"stage_id": self.stage_measure.id})
        deal.write({"stage_id": self.stage_call.id})
        self.assertEqual(len(self._activities(deal)), 1, "once done, a new entry brings a new one")

    def test_first_time_only_robot(self):
        self._notify_robot(self.stage_measure, "First measurement", self.role_surveyor, name="Once", reentry="first")
        deal = self._create_deal()
        for stage in (self.stage_measure, self.stage_call, self.stage_measure):
            deal.write({"stage_id": stage.id})
        self.assertEqual(deal.robot_run_ids.sorted("id").mapped("state"), ["done", "skipped"])

    def test_retried_transaction_creates_nothing_twice(self):
        self._activity_robot(self.stage_measure, "Measure", self.role_surveyor)
        deal = self._create_deal()
        # A serialization failure rolls the whole transaction back, then Odoo replays the request.
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            deal.write({"stage_id": self.stage_measure.id})
            self.assertEqual(len(self._activities(deal)), 1)
            raise RuntimeError("could not serialize access due to concurrent update")
        self.env.invalidate_all()
        deal.write({"stage_id": self.stage_measure.id})
        self.assertEqual(len(self._activities(deal)), 1)
        self.assertEqual(len(deal.robot_run_ids), 1)

    def test_a_robot_runs_once_per_stage_entry(self):
        robot = self._notify_robot(self.stage_measure, "Measure", self.role_surveyor)
        deal = self._create_deal()
        deal.write({"stage_id": self.stage_measure.id})
        entry = deal.stage_history_ids.filtered(lambda h: h.stage_id == self.stage_measure)
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env["sale.funnel.robot.run"].create(
                {"robot_id": robot.id, "order_id": deal.id, "history_id": entry.id, "planned_at": entry.date_in}
            )

    def test_dry_run_does_nothing(self):
        self.partner.email = "customer@example.com"
        self._activity_robot(
            self.stage_measure,
            "Measure on site",
            self.role_surveyor,
            name="Measure",
            deadline_amount=2,
            deadline_unit="hours",
        )
        self._robot(
            self.stage_measure,
            name="Email",
            kind="email",
            mail_template_id=self.env.ref("erp_crm.mail_template_payment_request").id,
        )
        deal = self._create_deal()
        counts_before = {
            model: self.env[model].search_count([])
            for model in ("mail.activity", "mail.mail", "sale.funnel.robot.run", "sale.funnel.stage.history")
        }
        wizard = self.env["sale.order.dry.run"].create({"order_id": deal.id, "stage_id": self.stage_measure.id})
        outcome = str(wizard.outcome)
        self.assertIn("Measure on site", outcome)
        self.assertIn("Jonas Surveyor", outcome)
        self.assertIn("customer@example.com", outcome)
        counts_after = {model: self.env[model].search_count([]) for model in counts_before}
        self.assertEqual(counts_before, counts_after)
        self.assertEqual(deal.stage_id, self.stage_call)


@tagged("erp_crm")
class TestRobotBadInput(RobotCommon):
    def test_refused_settings_name_the_field(self):
        other = self.env["sale.funnel"].create({"name": "Other"})
        other_role = self.env["sale.funnel.role"].create(
            {"name": "Stranger", "funnel_id": other.id, "assignment": "salesperson"}
        )
        cases = [
            ({"kind": "activity", "delay_amount": -5}, "Delay"),
            ({"kind": "task"}, "Project"),
            ({"kind": "task", "project_id": self.env["project.project"].create({"name": "Internal"}).id}, "Project"),
            ({"kind": "email"}, "Email Template"),
            ({"kind": "activity", "filter_domain": "[('amount_total', '>'"}, "Condition"),
            ({"kind": "activity", "filter_domain": "[('no_such_field', '=', 1)]"}, "Condition"),
            ({"kind": "activity", "role_id": other_role.id}, "Role"),
        ]
        for vals, field in cases:
            with (
                self.subTest(field=field, vals=vals),
                self.assertRaisesRegex(ValidationError, field),
                self.env.cr.savepoint(),
            ):
                self._robot(self.stage_call, **vals)
