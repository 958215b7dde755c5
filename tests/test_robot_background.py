from datetime import datetime, timedelta

from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .test_robot_cron import run_cron
from .test_robots import RobotCommon

T0 = datetime(2026, 3, 10, 9, 0)  # Tuesday 10:00 in Berlin, working hours

# One deal entering a stage with three robots (activity for a role, field update, note), chatter tracking off:
# run with the move (tests/test_robot_performance.py pins 38 at working hours), or in the background, where the
# move only plans the runs and wakes the cron.
BACKGROUND_MOVE_QUERIES = 11


@tagged("erp_crm")
class TestBackgroundRobots(RobotCommon):
    """Robots "in the background" do the entry's work right after the move, in the delayed-robot cron."""

    def _run_cron(self):
        run_cron(self, "erp_crm.ir_cron_run_due_robots")

    def _cron_triggers(self):
        cron = self.env.ref("erp_crm.ir_cron_run_due_robots")
        return self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])

    def test_background_robot_works_right_after_the_move_not_inside_it(self):
        robot = self._activity_robot(
            self.stage_measure,
            "Measure on site",
            self.role_surveyor,
            deadline_amount=2,
            deadline_unit="hours",
            run_in_background=True,
        )
        self.assertEqual(robot.timing_display, "Right after, in the background")
        with freeze_time(T0):
            deal = self._create_deal()
            self._cron_triggers().unlink()
            deal.write({"stage_id": self.stage_measure.id})
            self.assertFalse(self._activities(deal), "the move does not wait for the robot's work")
            self.assertEqual(deal.robot_run_ids.state, "planned")
            self.assertEqual(self._cron_triggers().call_at, T0, "the cron is woken for right after the commit")
        with freeze_time(T0 + timedelta(minutes=3)):
            self._run_cron()
            self._run_cron()
        activity = self._activities(deal)
        self.assertEqual(len(activity), 1, "done once, however often the cron runs")
        self.assertEqual(activity.user_id, self.user_surveyor)
        self.assertEqual(activity.deadline_at, T0 + timedelta(hours=2), "the deadline counts from the entry")
        self.assertEqual(deal.robot_run_ids.state, "done")

    def test_background_robot_still_does_the_work_of_an_entry_the_deal_left(self):
        """As a robot run with the move would have: the entry's work, even when the deal moved on (only delayed
        robots are cancelled then)."""
        self._write_robot(self.stage_measure, "client_order_ref", "MEASURED", name="Reference", run_in_background=True)
        with freeze_time(T0):
            deal = self._create_deal()
            deal.write({"stage_id": self.stage_measure.id})
            deal.write({"stage_id": self.stage_approval.id})
        with freeze_time(T0 + timedelta(minutes=1)):
            self._run_cron()
        self.assertEqual(deal.robot_run_ids.state, "done")
        self.assertEqual(deal.client_order_ref, "MEASURED")
        self.assertEqual(deal.stage_id, self.stage_approval, "the robot's work does not move the deal back")

    def test_failing_background_robot_is_logged_and_the_others_still_run(self):
        action = self._deal_action("Broken", code="raise UserError('The ERP is on fire')")
        self._robot(
            self.stage_measure,
            name="Broken",
            kind="server_action",
            server_action_id=action.id,
            sequence=1,
            run_in_background=True,
        )
        self._write_robot(
            self.stage_measure, "client_order_ref", "OK", name="Reference", sequence=2, run_in_background=True
        )
        with freeze_time(T0):
            deal = self._create_deal(title="Keep me")
            deal.write({"stage_id": self.stage_measure.id})
        with freeze_time(T0 + timedelta(minutes=1)), mute_logger("odoo.addons.erp_crm.models.sale_funnel_robot_run"):
            self._run_cron()
        runs = {run.robot_id.name: run for run in deal.robot_run_ids}
        self.assertEqual(runs["Broken"].state, "failed")
        self.assertIn("The ERP is on fire", runs["Broken"].message)
        self.assertEqual(runs["Reference"].state, "done", "the next robot still runs")
        self.assertEqual((deal.stage_id, deal.title, deal.client_order_ref), (self.stage_measure, "Keep me", "OK"))
        self.assertTrue(self._activities(deal, user_id=self.user_manager.id), "the funnel manager is told")

    def test_dry_run_says_when_a_background_robot_works(self):
        robot = self._write_robot(self.stage_measure, "client_order_ref", "X", name="Reference", run_in_background=True)
        deal = self._create_deal()
        self.assertTrue(robot._describe(deal).startswith("Right after the move, in the background: "))


@tagged("erp_crm", "erp_crm_perf")
@freeze_time(T0)
class TestBackgroundRobotPerformance(RobotCommon):
    """Whoever moves the deal pays for planning the background robots only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        background = {"run_in_background": True}
        cls._activity_robot(
            cls.stage_approval, "Calculate", cls.role_surveyor, deadline_amount=2, deadline_unit="hours", **background
        )
        cls._write_robot(cls.stage_approval, "client_order_ref", "TO-QUOTE", name="Reference", **background)
        cls._robot(cls.stage_approval, name="Note", kind="note", summary="Measurements received", **background)
        cls.deals = cls.env["sale.order"].create(
            [
                {"partner_id": cls.partner.id, "funnel_id": cls.funnel.id, "user_id": cls.user_sales.id}
                for _i in range(2)
            ]
        )

    def test_single_move_into_a_stage_with_three_background_robots(self):
        self.deals[0].write({"stage_id": self.stage_approval.id})  # warm the registry caches
        deal = self.deals[1]
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=BACKGROUND_MOVE_QUERIES):
            deal.write({"stage_id": self.stage_approval.id})
            self.env.flush_all()
        self.assertEqual(deal.robot_run_ids.mapped("state"), ["planned"] * 3)
        self.assertFalse(deal.client_order_ref)
        with freeze_time(T0 + timedelta(seconds=5)):
            run_cron(self, "erp_crm.ir_cron_run_due_robots")
        self.assertEqual(deal.robot_run_ids.mapped("state"), ["done"] * 3)
        self.assertEqual(deal.client_order_ref, "TO-QUOTE")


@tagged("erp_crm")
class TestDocumentRobotsInBackground(RobotCommon):
    """Issue 20, 19: robots that send a PDF work right after the move by default; the chatter says "Sending…" at
    once; *Needed Before the Next Step* keeps one inside the move."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner.email = "customer@example.com"
        cls.report = cls.env.ref("erp_crm.action_report_payment_request")

    def _mails(self, deal):
        return self.env["mail.mail"].search([("model", "=", "sale.order"), ("res_id", "=", deal.id)])

    def _sending_notes(self, deal):
        return deal.message_ids.filtered(lambda m: "Sending Payment Request…" in str(m.body))

    def test_payment_request_is_sent_right_after_the_move_with_a_sending_line(self):
        robot = self._payment_request_robot(report_id=self.report.id)
        self.assertEqual(robot.timing_display, "Right after, in the background", "the default for a document")
        with freeze_time(T0):
            deal = self._create_deal(user_id=self.user_sales.id)
            deal.with_user(self.user_sales).write({"stage_id": self.stage_payment.id})
            self.assertFalse(self._mails(deal), "the user does not wait for the PDF")
            self.assertFalse(
                self.env["ir.attachment"].search([("res_model", "=", "sale.order"), ("res_id", "=", deal.id)])
            )
            self.assertEqual(deal.robot_run_ids.state, "planned")
            note = self._sending_notes(deal)
            self.assertEqual(len(note), 1, "the chatter says the document is on its way")
            self.assertEqual(note.author_id, self.env.ref("base.partner_root"))
            self.assertFalse(note.partner_ids, "a note: nobody is notified of it")
            cron = self.env.ref("erp_crm.ir_cron_run_due_robots")
            triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
            self.assertIn(T0, triggers.mapped("call_at"), "the robots' cron is woken for right after the commit")
        with freeze_time(T0 + timedelta(seconds=30)):
            run_cron(self, "erp_crm.ir_cron_run_due_robots")
        mail = self._mails(deal)
        self.assertEqual(len(mail), 1, "the email follows")
        self.assertEqual(mail.attachment_ids.mapped("name"), [f"Payment request - {deal.name}.pdf"])
        self.assertEqual(deal.robot_run_ids.state, "done")
        self.assertGreater(mail.mail_message_id.id, self._sending_notes(deal).id, "after the sending line")

    def test_document_needed_before_the_next_step_is_sent_inside_the_move(self):
        robot = self._payment_request_robot(report_id=self.report.id, document_in_move=True)
        self.assertEqual(robot.timing_display, "At once")
        deal = self._create_deal()
        deal.write({"stage_id": self.stage_payment.id})
        self.assertEqual(deal.robot_run_ids.state, "done")
        self.assertEqual(len(self._mails(deal)), 1, "sent with the move")
        self.assertFalse(self._sending_notes(deal), "no announcement for what is already sent")

    def test_email_without_a_document_still_runs_inside_the_move(self):
        self._payment_request_robot()  # erp_crm's payment request template attaches nothing by itself
        deal = self._create_deal()
        deal.write({"stage_id": self.stage_payment.id})
        self.assertEqual((deal.robot_run_ids.state, len(self._mails(deal))), ("done", 1))

    def test_down_payment_invoice_is_made_and_sent_in_the_background(self):
        robot = self._robot(self.stage_payment, name="Down payment", kind="down_payment", down_payment_percent=50)
        self.assertTrue(robot._runs_in_background())
        with freeze_time(T0):
            deal = self._create_deal()
            deal.write({"stage_id": self.stage_payment.id})
            self.assertFalse(deal.invoice_ids)
            self.assertTrue(deal.message_ids.filtered(lambda m: "Sending the down-payment invoice…" in str(m.body)))
        with freeze_time(T0 + timedelta(seconds=30)):
            run_cron(self, "erp_crm.ir_cron_run_due_robots")
        self.assertEqual(deal.invoice_ids.state, "posted")
        self.assertEqual(deal.robot_run_ids.state, "done")
        robot.send_invoice = False  # nothing to render: the invoice is made inside the move
        self.assertFalse(robot._runs_in_background())

    def test_dry_run_and_board_say_a_document_robot_works_in_the_background(self):
        robot = self._payment_request_robot(report_id=self.report.id)
        deal = self._create_deal()
        self.assertTrue(robot._describe(deal).startswith("Right after the move, in the background: "))
