import time
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api
from odoo.exceptions import ValidationError
from odoo.modules.module import get_manifest
from odoo.tests import TransactionCase, freeze_time, tagged
from odoo.tools import format_amount
from odoo.tools.convert import convert_file

from .erp_common import ErpTriggerCommon
from .test_robot_cron import T0
from .test_robots import FRIDAY_1750_BERLIN, TEST_INSTANT, RobotCommon

DOOR_FIELDS = ("stage_id", "funnel_id", "date_stage", "won_status", "sla_deadline", "sla_escalated", "lost_reason_id")


@tagged("erp_crm")
class TestRobotKindsAreComplete(RobotCommon):
    """Issue 8.2: each kind has its execution, description and validation; the dry run works for every kind."""

    def _one_robot_per_kind(self, stage):
        model_id = self.env["ir.model"]._get_id("sale.order")
        action = self.env["ir.actions.server"].create(
            {"name": "Nothing", "model_id": model_id, "state": "code", "code": "records.read(['name'])"}
        )
        field = self.env["ir.model.fields"]._get
        per_kind = {
            "activity": {"summary": "Call", "deadline_amount": 2, "deadline_unit": "hours"},
            "task": {
                "project_id": self.project.id,
                "summary": "Install for {{ object.partner_id.name }}",
                "deadline_mode": "field",
                "deadline_field_id": field("sale.order", "installation_date").id,
            },
            "email": {
                "mail_template_id": self.env.ref("erp_crm.mail_template_payment_request").id,
                "report_id": self.env.ref("erp_crm.action_report_payment_request").id,
                "document_in_move": True,
            },
            "notify": {"role_id": self.role_surveyor.id, "summary": "Hello"},
            "note": {"summary": "Noted"},
            "down_payment": {"down_payment_percent": 30, "document_in_move": True},
            "write": {"write_field_id": field("sale.order", "client_order_ref").id, "write_value": "X"},
            "server_action": {"server_action_id": action.id},
        }
        kinds = [kind for kind, _label in self.env["sale.funnel.robot"]._fields["kind"].selection]
        self.assertEqual(set(per_kind), set(kinds), "the test covers every kind")
        return self.env["sale.funnel.robot"].create(
            [{"name": f"Robot {kind}", "stage_id": stage.id, "kind": kind, **per_kind[kind]} for kind in kinds]
        )

    def test_every_kind_has_execute_describe_and_check(self):
        Robot = self.env["sale.funnel.robot"]
        for kind, _label in Robot._fields["kind"].selection:
            for prefix in ("_execute_", "_describe_", "_check_"):
                with self.subTest(kind=kind, method=prefix + kind):
                    self.assertTrue(callable(getattr(Robot, prefix + kind, None)))

    def test_dry_run_describes_every_kind_as_a_salesperson(self):
        self.partner.email = "customer@example.com"
        self.user_sales.tz = "Europe/Berlin"
        robots = self._one_robot_per_kind(self.stage_payment)
        deal = self._create_deal(user_id=self.user_sales.id, installation_date="2026-03-20 14:30:00")
        with freeze_time(datetime(2026, 3, 9, 9, 0)):  # Monday 10:00 in Berlin
            wizard = (
                self.env["sale.order.dry.run"]
                .with_user(self.user_sales)
                .create({"order_id": deal.id, "stage_id": self.stage_payment.id})
            )
            outcome = str(wizard.outcome)
        for robot in robots:
            self.assertIn(robot.name, outcome)
        self.assertIn(f"Install for {self.partner.name}", outcome)
        self.assertIn("customer@example.com", outcome)
        self.assertIn("Jonas Surveyor", outcome)
        self.assertIn("30%", outcome)
        self.assertIn("12:00", outcome, "the 2-hour deadline, 10:00 + 2 h in the user's time zone")
        self.assertIn("3:30", outcome, "the installation date, 14:30 UTC is 15:30 in Berlin")
        self.assertNotIn("11:00", outcome, "not in UTC")
        self.assertNotIn(":00:00", outcome, "no seconds")
        self.assertFalse(deal.robot_run_ids, "nothing is done")
        self.assertFalse(deal.invoice_ids)

    def test_dry_run_on_a_stage_with_a_deadline_field_as_a_salesperson(self):
        self._activity_robot(
            self.stage_measure,
            "Measure on site",
            self.role_surveyor,
            deadline_mode="field",
            deadline_field_id=self.env["ir.model.fields"]._get("sale.order", "appointment_at").id,
        )
        deal = self._create_deal(user_id=self.user_sales.id, appointment_at="2026-03-10 13:30:00")
        wizard = (
            self.env["sale.order.dry.run"]
            .with_user(self.user_sales)
            .create({"order_id": deal.id, "stage_id": self.stage_measure.id})
        )
        self.assertIn("Measure on site", str(wizard.outcome))
        self.assertIn("Jonas Surveyor", str(wizard.outcome))


@tagged("erp_crm")
class TestRobotsLeaveTheDoorAlone(RobotCommon):
    """Issue 8.3: robots may not write the stage, the funnel or the door's bookkeeping."""

    def test_write_robot_on_door_fields_is_refused(self):
        for fname in DOOR_FIELDS:
            with (
                self.subTest(field=fname),
                self.assertRaisesRegex(ValidationError, f"Field to Update.*{fname}"),
                self.env.cr.savepoint(),
            ):
                self._write_robot(self.stage_call, fname, "1")
        self.assertFalse(self.env["sale.funnel.robot"].search([("kind", "=", "write")]))

    def test_update_record_server_action_on_the_stage_is_refused(self):
        action = self._deal_action("Jump", state="object_write", update_path="stage_id", value=str(self.stage_won.id))
        with self.assertRaisesRegex(ValidationError, "stage_id"):
            self.env["sale.funnel.robot"].with_user(self.user_manager).create(
                {"name": "Jump", "stage_id": self.stage_call.id, "kind": "server_action", "server_action_id": action.id}
            )


@tagged("erp_crm")
class TestWriteRobotConversion(RobotCommon):
    """Issue 8.6: the field update converts its value as an "Update Record" server action does."""

    def test_values_are_converted_like_an_update_record_action(self):
        self._write_robot(self.stage_measure, "user_id", str(self.user_all.id), name="Owner")
        self._write_robot(self.stage_measure, "require_payment", "0", name="No payment")
        deal = self._create_deal(user_id=self.user_sales.id, require_payment=True)
        deal.write({"stage_id": self.stage_measure.id})
        self.assertEqual(deal.user_id, self.user_all)
        self.assertFalse(deal.require_payment)
        self.assertEqual(deal.robot_run_ids.mapped("state"), ["done", "done"])

    def test_a_value_that_does_not_fit_is_refused_when_saved(self):
        for fname, value in (("user_id", "abc"), ("user_id", "999999"), ("amount_undiscounted", "x")):
            with (
                self.subTest(field=fname, value=value),
                self.assertRaisesRegex(ValidationError, "New Value|Field to Update"),
                self.env.cr.savepoint(),
            ):
                self._write_robot(self.stage_measure, fname, value)


@tagged("erp_crm")
class TestWorkingDays(RobotCommon):
    """Issue 8.6: working days are counted by the calendar (plan_days), to the minute."""

    def test_a_public_holiday_is_not_a_working_day(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 3, 8, 23, 0),  # Monday 9 March, 00:00-24:00 in Berlin
                "date_to": datetime(2026, 3, 9, 22, 59, 59),
            }
        )
        due = self.env.company._erp_crm_add_working_time(FRIDAY_1750_BERLIN, 1, "working_days")
        self.assertEqual(due, datetime(2026, 3, 10, 16, 50), "Tuesday 17:50 in Berlin")

    def test_a_start_outside_working_hours_counts_from_the_next_working_moment(self):
        saturday = datetime(2026, 3, 7, 9, 0)  # Saturday 10:00 in Berlin
        self.assertEqual(
            self.env.company._erp_crm_add_working_time(saturday, 2, "working_days"),
            datetime(2026, 3, 11, 7, 0),
            "Monday 08:00 + 2 working days is Wednesday 08:00",
        )

    def test_readme_example_with_frozen_time(self):
        self._activity_robot(self.stage_call, "Call back", deadline_amount=15, deadline_unit="minutes")
        with freeze_time(FRIDAY_1750_BERLIN):
            deal = self._create_deal(user_id=self.user_sales.id)
        self.assertEqual(self._activities(deal).deadline_at, datetime(2026, 3, 9, 7, 5), "Monday 08:05 in Berlin")


@tagged("erp_crm")
class TestDelayedRobotCron(RobotCommon):
    """Issue 8.4: the cron keeps to its time budget and is woken at the planned times."""

    def test_moves_trigger_the_cron_at_each_planned_time(self):
        self._notify_robot(self.stage_measure, "Later", self.role_surveyor, delay_amount=2, delay_unit="hours")
        self._notify_robot(self.stage_measure, "Sooner", self.role_surveyor, delay_amount=30, delay_unit="minutes")
        cron = self.env.ref("erp_crm.ir_cron_run_due_robots")
        Trigger = self.env["ir.cron.trigger"]
        before = Trigger.search([("cron_id", "=", cron.id)])
        with freeze_time(T0):
            deals = self._create_deal() | self._create_deal()
            deals.write({"stage_id": self.stage_measure.id})
        triggers = Trigger.search([("cron_id", "=", cron.id)]) - before
        self.assertEqual(
            sorted(triggers.mapped("call_at")),
            [T0 + timedelta(minutes=30), T0 + timedelta(hours=2)],
            "one trigger per distinct planned time, for both deals",
        )

    def test_cron_stops_when_its_time_is_spent(self):
        self._write_robot(self.stage_measure, "client_order_ref", "LATER", delay_amount=1, delay_unit="hours")
        with freeze_time(T0):
            deals = self.env["sale.order"].browse([self._create_deal().id for _i in range(5)])
            deals.write({"stage_id": self.stage_measure.id})
        cron = self.env.ref("erp_crm.ir_cron_run_due_robots")

        def run(**context):
            # As the scheduler runs it: its own cursor, a progress record, committing each batch.
            with self.enter_registry_test_mode(), self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                progress = env["ir.cron.progress"].create({"cron_id": cron.id, "remaining": 0, "done": 0})
                env = env(context={"cron_id": cron.id, "ir_cron_progress_id": progress.id, **context})
                env["sale.funnel.robot.run"]._cron_run_due_robots(batch_size=2)
            self.env.invalidate_all()
            return deals.robot_run_ids.mapped("state")

        with freeze_time(T0 + timedelta(hours=2)):
            states = run(cron_end_time=time.monotonic())  # no time left after the first batch
            self.assertEqual((states.count("done"), states.count("planned")), (2, 3))
            states = run()
            self.assertEqual(states, ["done"] * 5, "the next run does the rest")


@tagged("erp_crm")
class TestRobotsSpeakAsOdooBot(RobotCommon):
    """Issue 9.8: robots' chatter messages are authored by OdooBot and name the robot."""

    def test_note_and_notification_are_from_odoobot_naming_the_robot(self):
        self._robot(self.stage_measure, name="Note robot", kind="note", summary="Measurements requested")
        self._notify_robot(self.stage_measure, "Measure please", self.role_surveyor, name="Tell the surveyor")
        deal = self._create_deal(user_id=self.user_sales.id)
        deal.with_user(self.user_sales).write({"stage_id": self.stage_measure.id})
        odoobot = self.env.ref("base.partner_root")
        note = deal.message_ids.filtered(lambda m: "Measurements requested" in str(m.body))
        notice = deal.message_ids.filtered(lambda m: m.subject == "Measure please")
        self.assertEqual(note.author_id, odoobot)
        self.assertIn("Note robot", str(note.body))
        self.assertEqual(notice.author_id, odoobot)
        self.assertIn("Tell the surveyor", str(notice.body))


@tagged("erp_crm")
@freeze_time(TEST_INSTANT)
class TestRobotLogAmounts(ErpTriggerCommon):
    """Issue 9.10: amounts in the robot log are formatted with their currency."""

    def test_down_payment_log_formats_the_amount(self):
        self.env["sale.funnel.robot"].create(
            {
                "name": "Down payment",
                "stage_id": self.stage_payment.id,
                "kind": "down_payment",
                "document_in_move": True,
            }
        )
        self.product.list_price = 857.25
        deal = self._create_deal(user_id=self.user_sales.id)
        deal.write({"stage_id": self.stage_payment.id})
        invoice = deal.invoice_ids
        run = deal.robot_run_ids
        self.assertEqual(run.state, "done")
        self.assertIn(format_amount(self.env, invoice.amount_total, invoice.currency_id), run.message)
        self.assertNotIn(f"of {invoice.amount_total} posted", run.message)


@tagged("erp_crm")
@freeze_time(TEST_INSTANT)
class TestDryRunOnTheDemoFunnel(TransactionCase):
    """Issue 8.2 / 9.7: "What if…" on every stage of the demo funnel, as a demo salesperson."""

    def test_dry_run_on_every_demo_stage_as_a_salesperson(self):
        idref = {}
        for filename in get_manifest("erp_crm")["demo"]:
            convert_file(self.env, "erp_crm", filename, idref, mode="init", noupdate=False)
        funnel = self.env.ref("erp_crm.sale_funnel_windows")
        anna = self.env.ref("erp_crm.res_users_demo_sales_anna")
        deal = self.env["sale.order"].search([("funnel_id", "=", funnel.id), ("user_id", "=", anna.id)], limit=1)
        self.assertTrue(deal)
        DryRun = self.env["sale.order.dry.run"].with_user(anna)
        for stage in funnel.stage_ids:
            with self.subTest(stage=stage.name):
                wizard = DryRun.create({"order_id": deal.id, "stage_id": stage.id})
                outcome = str(wizard.outcome)
                for robot in stage.robot_ids.filtered("active"):
                    self.assertIn(robot.name, outcome)
        payment = funnel.stage_ids.filtered(lambda s: s.name == "Payment")
        outcome = str(DryRun.create({"order_id": deal.id, "stage_id": payment.id}).outcome)
        self.assertIn("down-payment invoice", outcome)


@tagged("erp_crm")
class TestRobotBoard(RobotCommon):
    """Issue 9.11: the board and the form say when, until when and for which deals a robot works."""

    def test_cards_show_timing_deadline_and_condition(self):
        robot = self._activity_robot(
            self.stage_measure,
            "Measure",
            delay_amount=2,
            delay_unit="hours",
            deadline_amount=1,
            deadline_unit="working_days",
            filter_domain="[('amount_total', '>', 100)]",
        )
        self.assertEqual(robot.timing_display, "After 2 hours")
        self.assertEqual(robot.deadline_display, "1 working day of working time after entry")
        robot.write({"delay_amount": 15, "delay_unit": "minutes", "deadline_amount": 3})
        self.assertEqual(robot.timing_display, "After 15 minutes")
        self.assertEqual(robot.deadline_display, "3 working days of working time after entry")
        # In German: units and plurals are words of the language, not lower-cased English fragments (issue 21).
        self.env["res.lang"]._activate_lang("de_DE")
        self.env["ir.module.module"]._load_module_terms(["erp_crm"], ["de_DE"], overwrite=True)
        robot.write({"deadline_amount": 1})
        german = robot.with_context(lang="de_DE")
        self.assertEqual(german.timing_display, "Nach 15 Minuten")
        self.assertEqual(german.deadline_display, "1 Arbeitstag Arbeitszeit nach Eintritt")
        robot.write({"delay_amount": 1, "delay_unit": "hours"})
        self.assertEqual(german.timing_display, "Nach 1 Stunde")
        robot.write(
            {
                "deadline_mode": "field",
                "deadline_field_id": self.env["ir.model.fields"]._get("sale.order", "appointment_at").id,
            }
        )
        self.assertEqual(robot.deadline_display, "On the deal's Appointment")
        note = self._robot(self.stage_measure, name="Note", kind="note")
        self.assertEqual((note.timing_display, note.deadline_display), ("At once", False))

    def test_condition_preview_counts_the_funnels_deals_only(self):
        other = self.env["sale.funnel"].create({"name": "Doors"})
        self._create_deal()
        self._create_deal(funnel_id=other.id)
        robot = self._robot(self.stage_measure, name="Big", kind="note", filter_domain="[('amount_total', '>=', 0)]")
        robot = robot.with_user(self.user_manager)
        count = self.env["sale.order"].search_count([("funnel_id", "=", self.funnel.id)])
        self.assertEqual(robot.condition_preview, f"{count} of the funnel's {count} deals match now.")
        self.assertLess(count, self.env["sale.order"].search_count([]))

    def test_a_manager_can_pick_the_deal_fields_of_a_robot(self):
        Fields = self.env["ir.model.fields"].with_user(self.user_manager)
        found = Fields.name_search("Appointment", [("model", "=", "sale.order")])
        self.assertIn(self.env["ir.model.fields"]._get("sale.order", "appointment_at").id, [fid for fid, _n in found])
