from datetime import datetime

from odoo.tests import freeze_time, tagged

from .test_robots import RobotCommon

# Instants (naive UTC) the counts are pinned at: the 2-hour working-time deadline of the activity robot falls
# inside the day, across the night or across the weekend, on the company's Mon-Fri 08:00-18:00 Berlin calendar.
INSTANTS = {
    "Monday 10:00 Berlin, working hours": datetime(2026, 3, 9, 9, 0),
    "Monday 06:00 Berlin, before opening": datetime(2026, 3, 9, 5, 0),
    "Thursday 17:00 Berlin, across the night": datetime(2026, 3, 12, 16, 0),
    "Friday 17:50 Berlin, across the weekend": datetime(2026, 3, 6, 16, 50),
    "Sunday 12:00 Berlin, weekend": datetime(2026, 3, 8, 11, 0),
}

# One deal entering a stage with its three robots, chatter tracking off, at each instant. It was 36 (37 when the
# deadline fell within the same working day: the calendar's leaves are read once more), before the note spoke as
# OdooBot and the field update used the server action's value conversion (it reads the field's definition):
# +1 query net. +1 since stages may ask for deal fields before entry (the stage's gate_field_ids, one query).
SINGLE_MOVE_QUERIES = dict(zip(INSTANTS, (39, 39, 38, 38, 38), strict=True))

# The robot board of a funnel (8 stages, a robot in each): its grouped read, and what the stages' triggers and
# gates add to it (read with the columns, in the same request).
BOARD_QUERIES = 11
# the stages' rules (one query for all the columns' stages) and the deal fields their gates ask for (one more)
BOARD_RULES_QUERIES = 2


@tagged("erp_crm", "erp_crm_perf")
class TestRobotPerformance(RobotCommon):
    """Three robots (an activity for a role, a field update, a chatter note) cost a constant per batch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._activity_robot(
            cls.stage_approval,
            "Calculate the cost and call the customer",
            cls.role_surveyor,
            name="Calculate",
            deadline_amount=2,
            deadline_unit="hours",
        )
        cls._write_robot(cls.stage_approval, "client_order_ref", "TO-QUOTE", name="Reference")
        cls._robot(cls.stage_approval, name="Note", kind="note", summary="Measurements received")
        cls.deals = cls.env["sale.order"].create(
            [
                {"partner_id": cls.partner.id, "funnel_id": cls.funnel.id, "user_id": cls.user_sales.id}
                for _i in range(70)
            ]
        )

    def _count(self, deals):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        deals.write({"stage_id": self.stage_approval.id})
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_batch_move_queries_do_not_grow_with_the_batch(self):
        for label, instant in INSTANTS.items():
            with self.subTest(instant=label), freeze_time(instant), self.env.cr.savepoint(flush=False) as sp:
                self._count(self.deals[:3])  # warm the registry caches
                ten = self._count(self.deals[10:20])
                fifty = self._count(self.deals[20:70])
                self.assertLessEqual(fifty, ten + 3, f"10 deals: {ten} queries, 50 deals: {fifty} queries")
                activities = self.env["mail.activity"].search(
                    [("res_model", "=", "sale.order"), ("res_id", "in", self.deals[20:70].ids)]
                )
                self.assertEqual(len(activities), 50)
                self.assertEqual(set(self.deals[20:70].mapped("client_order_ref")), {"TO-QUOTE"})
                sp.rollback()
                self.env.invalidate_all()

    def test_single_move_with_three_robots(self):
        for label, instant in INSTANTS.items():
            with self.subTest(instant=label), freeze_time(instant), self.env.cr.savepoint(flush=False) as sp:
                self._count(self.deals[:1])
                deal = self.deals[1]
                self.env.flush_all()
                self.env.invalidate_all()
                with self.assertQueryCount(__system__=SINGLE_MOVE_QUERIES[label]):
                    deal.write({"stage_id": self.stage_approval.id})
                self.assertEqual(deal.robot_run_ids.mapped("state"), ["done"] * 3)
                sp.rollback()
                self.env.invalidate_all()


@tagged("erp_crm", "erp_crm_perf")
class TestRobotBoardRules(RobotCommon):
    """The robot board shows each stage's trigger and gates above its robots, read with the columns."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for stage in cls.funnel.stage_ids:
            cls._robot(stage, name=f"Robot of {stage.name}")
        task_stage = cls.env["project.task.type"].create({"name": "Fitted", "project_ids": [(4, cls.project.id)]})
        cls.stage_payment.write({"trigger": "quotation_sent", "gate_no_overdue_invoices": True})
        cls.stage_production.write(
            {"trigger": "down_payment_paid", "trigger_percent": 50, "gate_prepaid_percent": 30.5}
        )
        cls.stage_installation.write(
            {"trigger": "task_stage", "trigger_task_stage_id": task_stage.id, "gate_customer_class": "b"}
        )

    def _board(self, stage_fields=()):
        """The grouped read of the board, as the kanban sends it (with the stages' fields when asked)."""
        spec = {"stage_id": dict.fromkeys(stage_fields, {})} if stage_fields else {}
        return self.env["sale.funnel.robot"].web_read_group(
            [("funnel_id", "=", self.funnel.id)],
            ["stage_id"],
            auto_unfold=True,
            unfold_read_specification={"name": {}, "kind": {}, "timing_display": {}, "deadline_display": {}},
            groupby_read_specification=spec,
        )

    def test_stage_rules_read_in_words(self):
        rules = {stage.name: (stage.board_trigger or "", stage.board_gates or "") for stage in self.funnel.stage_ids}
        self.assertEqual(rules["First call"], ("", ""))
        self.assertEqual(rules["Payment"], ("Quotation sent → moves here", "Customer has no overdue invoices"))
        self.assertEqual(
            rules["Production"], ("A down payment of at least 50% is paid → moves here", "Prepaid at least 30.5%")
        )
        self.assertEqual(
            rules["Installation"], ("A linked task reaches “Fitted” → moves here", "Customer class A or B")
        )

    def test_board_reads_the_rules_with_its_columns(self):
        """The board's grouped read costs 11 queries; the stages' rules add two (all the columns' stages at once,
        and the fields their gates ask for), and no request of their own."""
        self.env.invalidate_all()
        with self.assertQueryCount(BOARD_QUERIES):
            self._board()
        self.env.invalidate_all()
        with self.assertQueryCount(BOARD_QUERIES + BOARD_RULES_QUERIES):
            result = self._board(("board_trigger", "board_gates"))
        values = {group["stage_id"][1]: group["__values"] for group in result["groups"]}
        self.assertEqual(values["Production"]["board_gates"], "Prepaid at least 30.5%")
        self.assertEqual(values["Payment"]["board_trigger"], "Quotation sent → moves here")
