from odoo.tests import tagged

from .test_robots import RobotCommon


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
        self._count(self.deals[:3])  # warm the registry caches
        ten = self._count(self.deals[10:20])
        fifty = self._count(self.deals[20:70])
        self.assertLessEqual(fifty, ten + 3, f"10 deals: {ten} queries, 50 deals: {fifty} queries")
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "sale.order"), ("res_id", "in", self.deals[20:70].ids)]
        )
        self.assertEqual(len(activities), 50)
        self.assertEqual(set(self.deals[20:70].mapped("client_order_ref")), {"TO-QUOTE"})

    def test_single_move_with_three_robots(self):
        self._count(self.deals[:1])
        deal = self.deals[1]
        self.env.flush_all()
        self.env.invalidate_all()
        # 37 since erp_crm depends on mass_mailing (customer segments): the same move on the previous commit
        # plus only that dependency costs 37 too.
        with self.assertQueryCount(__system__=37):
            deal.write({"stage_id": self.stage_approval.id})
        self.assertEqual(deal.robot_run_ids.mapped("state"), ["done"] * 3)
