from datetime import datetime

from odoo.tests import tagged

from .erp_common import ErpFulfilmentCommon


@tagged("erp_crm", "erp_crm_triggers")
class TestFulfilment(ErpFulfilmentCommon):
    """Manufacturing, deliveries and tasks fill the deal's fulfilment and move it through stage triggers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_production.write({"confirm_order_on_entry": True})
        cls.stage_installation.write({"trigger": "production_done"})
        cls._create_task_robot(cls.project, role=cls.role_installer)
        cls.stage_won.write({"trigger": "task_closed"})

    def test_entering_production_confirms_the_order_and_creates_manufacturing_orders(self):
        deal = self._create_window_deal(qty=3, installation_date=datetime(2026, 4, 10, 8, 0))
        deal.write({"stage_id": self.stage_production.id})
        self.assertEqual(deal.state, "sale")
        productions = deal.mrp_production_ids
        self.assertTrue(productions)
        self.assertEqual(sum(productions.mapped("product_qty")), 3)
        self.assertEqual(deal.production_status, "waiting")
        self.assertEqual(deal.produced_percent, 0.0)
        self.assertEqual(deal.production_date_start, min(productions.mapped("date_start")))
        self.assertEqual(deal.production_date_finished, max(productions.mapped("date_finished")))

    def test_all_manufacturing_done_moves_to_installation_and_creates_the_task_once(self):
        deal = self._create_window_deal(installation_date=datetime(2026, 4, 10, 8, 0))
        deal.write({"stage_id": self.stage_production.id})
        self._produce(deal.mrp_production_ids)
        self.assertEqual(deal.production_status, "done")
        self.assertEqual(deal.produced_percent, 100.0)
        self.assertEqual(deal.stage_id, self.stage_installation)
        self._assert_one_installation_task(deal, datetime(2026, 4, 10, 8, 0))
        # Back and forth: no second task.
        deal.write({"stage_id": self.stage_production.id})
        deal.write({"stage_id": self.stage_installation.id})
        self.assertEqual(self.env["project.task"].search_count([("sale_order_id", "=", deal.id)]), 1)

    def test_first_manufacturing_order_started(self):
        self.stage_installation.write({"trigger": "production_started"})
        deal = self._create_window_deal()
        deal.write({"stage_id": self.stage_production.id})
        production = deal.mrp_production_ids[:1]
        production.action_start()
        self.assertEqual(deal.production_status, "started")
        self.assertEqual(deal.stage_id, self.stage_installation)

    def test_cancelled_manufacturing_order_does_not_count_as_done(self):
        deal_a = self._create_window_deal()
        deal_b = self._create_window_deal()
        (deal_a | deal_b).write({"stage_id": self.stage_production.id})
        deal_a.mrp_production_ids.action_cancel()
        self.assertEqual(deal_a.production_status, "none")
        self.assertEqual(deal_a.produced_percent, 0.0)
        self.assertEqual(deal_a.stage_id, self.stage_production, "nothing was made: not 'all done'")
        self.assertEqual(deal_b.stage_id, self.stage_production)

    def test_deliveries_with_backorder_are_done_only_when_the_backorder_is(self):
        self.stage_installation.write({"trigger": "delivered"})
        deal = self._create_window_deal(qty=4)
        deal.write({"stage_id": self.stage_production.id})
        self._produce(deal.mrp_production_ids)
        self.stage_installation.flush_recordset()
        delivery = deal.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
        self.assertEqual(deal.stage_id, self.stage_production)
        self._deliver(delivery, qty=1)
        self.assertAlmostEqual(deal.delivered_percent, 25.0)
        self.assertEqual(deal.stage_id, self.stage_production, "a backorder is still to deliver")
        backorder = deal.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        self.assertTrue(backorder)
        self._deliver(backorder)
        self.assertEqual(deal.delivered_percent, 100.0)
        self.assertEqual(deal.stage_id, self.stage_installation)

    def test_task_closed_wins_the_deal_and_task_stage_trigger(self):
        deal = self._create_window_deal()
        deal.write({"stage_id": self.stage_installation.id})
        task = self.env["project.task"].search([("sale_order_id", "=", deal.id)])
        task.with_user(self.user_installer).write({"stage_id": self.task_stage_installed.id})
        self.assertEqual(deal.stage_id, self.stage_installation, "the task stage is not a trigger yet")
        task.with_user(self.user_installer).write({"state": "1_done"})
        self.assertEqual(deal.stage_id, self.stage_won)
        self.assertEqual(deal.won_status, "won")

    def test_task_reaching_a_task_stage(self):
        self.stage_won.write({"trigger": "task_stage", "trigger_task_stage_id": self.task_stage_installed.id})
        deal = self._create_window_deal()
        deal.write({"stage_id": self.stage_installation.id})
        task = self.env["project.task"].search([("sale_order_id", "=", deal.id)])
        task.with_user(self.user_installer).write({"stage_id": self.task_stage_installed.id})
        self.assertEqual(deal.stage_id, self.stage_won)
