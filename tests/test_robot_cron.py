from datetime import datetime, timedelta

from odoo.tests import freeze_time, tagged

from .test_robots import RobotCommon

T0 = datetime(2026, 3, 9, 8, 0)  # Monday 09:00 in Berlin


def run_cron(case, xmlid):
    """Run a scheduled action as the scheduler does: its own cursor, committing its progress."""
    with case.enter_registry_test_mode():
        case.env.ref(xmlid).method_direct_trigger()
    case.env.invalidate_all()


@tagged("erp_crm")
class TestDelayedRobots(RobotCommon):
    def _run_cron(self):
        run_cron(self, "erp_crm.ir_cron_run_due_robots")

    def test_delayed_robot_runs_at_its_time_once(self):
        self._notify_robot(
            self.stage_measure,
            "Follow up the measurement",
            self.role_surveyor,
            delay_amount=2,
            delay_unit="hours",
        )
        with freeze_time(T0):
            deal = self._create_deal()
            deal.write({"stage_id": self.stage_measure.id})
        run = deal.robot_run_ids
        self.assertEqual((run.state, run.planned_at), ("planned", T0 + timedelta(hours=2)))
        with freeze_time(T0 + timedelta(hours=1, minutes=59)):
            self._run_cron()
        self.assertEqual(run.state, "planned", "not before its time")
        with freeze_time(T0 + timedelta(hours=2)):
            self._run_cron()
            self._run_cron()
        self.assertEqual(run.state, "done")
        self.assertEqual(
            len(deal.message_ids.filtered(lambda m: m.subject == "Follow up the measurement")),
            1,
            "repeated cron runs do not run it twice",
        )

    def test_delayed_robot_is_cancelled_when_the_deal_left_the_stage(self):
        self._notify_robot(self.stage_measure, "Follow up", self.role_surveyor, delay_amount=30, delay_unit="minutes")
        with freeze_time(T0):
            deal = self._create_deal()
            deal.write({"stage_id": self.stage_measure.id})
        with freeze_time(T0 + timedelta(minutes=10)):
            deal.write({"stage_id": self.stage_approval.id})
        with freeze_time(T0 + timedelta(hours=1)):
            self._run_cron()
        self.assertEqual(deal.robot_run_ids.state, "cancelled")
        self.assertIn("left the stage", deal.robot_run_ids.message)

    def test_cron_batches_cost_a_constant_number_of_queries(self):
        self._write_robot(
            self.stage_measure, "client_order_ref", "LATER", name="Reference", delay_amount=1, delay_unit="hours"
        )
        with freeze_time(T0):
            deals = self.env["sale.order"].browse([self._create_deal().id for _i in range(30)])
            deals.write({"stage_id": self.stage_measure.id})
        runs = deals.robot_run_ids

        def count_batch(size):
            batch = runs.filtered(lambda r: r.state == "planned")[:size]
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            with freeze_time(T0 + timedelta(hours=2)):
                batch._execute()
                self.env.flush_all()
            return self.env.cr.sql_log_count - before

        small, large = count_batch(5), count_batch(20)
        self.assertLessEqual(large, small + 2, f"5 runs: {small} queries, 20 runs: {large} queries")
        self.assertEqual(set(deals.mapped("client_order_ref")) - {False}, {"LATER"})


@tagged("erp_crm")
class TestOverdueEscalation(RobotCommon):
    def test_overdue_activity_notifies_then_escalates_once(self):
        self.funnel.escalation_minutes = 30
        self._activity_robot(
            self.stage_call,
            "Call the customer back",
            self.role_sales,
            deadline_amount=15,
            deadline_unit="minutes",
        )
        with freeze_time(T0):
            deal = self._create_deal(user_id=self.user_sales.id)
        activity = self._activities(deal)
        self.assertEqual(activity.deadline_at, T0 + timedelta(minutes=15))
        Message = self.env["mail.message"]

        def notices(partner, subject_part):
            return Message.search([("partner_ids", "in", partner.ids), ("subject", "ilike", subject_part)])

        with freeze_time(T0 + timedelta(minutes=10)):
            run_cron(self, "erp_crm.ir_cron_overdue_activities")
        self.assertFalse(activity.overdue_notified_at)
        with freeze_time(T0 + timedelta(minutes=20)):
            run_cron(self, "erp_crm.ir_cron_overdue_activities")
            run_cron(self, "erp_crm.ir_cron_overdue_activities")
        self.assertEqual(len(notices(self.user_sales.partner_id, "overdue")), 1, "the salesperson is told once")
        self.assertFalse(notices(self.user_manager.partner_id, "Escalation"), "not yet: within the grace")
        with freeze_time(T0 + timedelta(minutes=46)):
            run_cron(self, "erp_crm.ir_cron_overdue_activities")
            run_cron(self, "erp_crm.ir_cron_overdue_activities")
        self.assertEqual(len(notices(self.user_manager.partner_id, "Escalation")), 1, "the manager is told once")
        self.assertTrue(activity.escalated_at)

    def test_new_activities_reach_each_assignee_in_one_digest(self):
        self._activity_robot(
            self.stage_measure, "Measure on site", self.role_surveyor, name="Measure", deadline_amount=1
        )
        deals = self.env["sale.order"].browse([self._create_deal().id for _i in range(5)])
        deals.write({"stage_id": self.stage_measure.id})
        cron = self.env.ref("erp_crm.ir_cron_overdue_activities")
        self.assertTrue(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            "the digest cron is triggered to run right after the commit",
        )
        run_cron(self, "erp_crm.ir_cron_overdue_activities")
        run_cron(self, "erp_crm.ir_cron_overdue_activities")
        digests = self.env["mail.message"].search(
            [("partner_ids", "in", self.user_surveyor.partner_id.ids), ("subject", "ilike", "new activities")]
        )
        self.assertEqual(len(digests), 1)
        for deal in deals:
            self.assertIn(deal.name, digests.body)


@tagged("erp_crm")
class TestStageTimeLimit(RobotCommon):
    def test_deal_past_the_time_limit_is_rotting_and_escalated_once(self):
        self.funnel.user_id = self.user_manager
        self.stage_measure.max_hours = 4  # working hours
        with freeze_time(datetime(2026, 3, 6, 15, 0)):  # Friday 16:00 Berlin
            deal = self._create_deal()
            deal.write({"stage_id": self.stage_measure.id})
        self.assertEqual(deal.sla_deadline, datetime(2026, 3, 9, 9, 0), "2 h on Friday + 2 h on Monday from 08:00")
        Order = self.env["sale.order"]
        with freeze_time(datetime(2026, 3, 9, 8, 59)):
            deal.invalidate_recordset(["is_rotting"])
            self.assertFalse(deal.is_rotting)
            run_cron(self, "erp_crm.ir_cron_stage_time_limits")
        with freeze_time(datetime(2026, 3, 9, 9, 1)):
            deal.invalidate_recordset(["is_rotting"])
            self.assertTrue(deal.is_rotting)
            self.assertIn(deal, Order.search([("is_rotting", "=", True)]))
            run_cron(self, "erp_crm.ir_cron_stage_time_limits")
            run_cron(self, "erp_crm.ir_cron_stage_time_limits")
        notices = self.env["mail.message"].search(
            [("partner_ids", "in", self.user_manager.partner_id.ids), ("subject", "ilike", "time limit")]
        )
        self.assertEqual(len(notices), 1)
        self.assertIn(deal.name, notices.body)
        with freeze_time(datetime(2026, 3, 9, 10, 0)):
            deal.write({"stage_id": self.stage_approval.id})
            self.assertFalse(deal.is_rotting, "a new stage, a new clock")
            self.assertFalse(deal.sla_escalated)
