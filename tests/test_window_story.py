from datetime import datetime

from odoo.fields import Command
from odoo.tests import freeze_time, tagged

from .erp_common import ErpFulfilmentCommon

T0 = datetime(2026, 3, 2, 9, 0)


@tagged("erp_crm", "erp_crm_triggers", "erp_crm_story")
class TestWindowStory(ErpFulfilmentCommon):
    """SCENARIOS.md §1, steps 1-6: a request becomes an installed, invoiced and paid window order.

    Real accounting (posted invoices, registered payments), manufacturing (confirmed and finished MOs),
    deliveries (validated picking) and tasks; the deal moves by itself from Payment to Won through the
    stage triggers. Robots' activities (the lead's issue #3) are not asserted here.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_production.write(
            {
                "trigger": "down_payment_paid",
                "trigger_percent": 50.0,
                "gate_prepaid_percent": 50.0,
                "confirm_order_on_entry": True,
            }
        )
        cls.stage_installation.write({"trigger": "production_done"})
        cls._create_task_robot(cls.project, role=cls.role_installer)
        cls.stage_won.write({"trigger": "task_closed"})

    def test_window_story_from_request_to_won(self):
        Order = self.env["sale.order"]
        # 1. A request arrives: a deal appears in First call.
        with freeze_time(T0):
            deal = Order.with_user(self.user_sales).create(
                {
                    "partner_id": self.partner.id,
                    "team_id": self.sale_team.id,
                    "title": "3 windows, flat 12",
                    "source_id": self.env["utm.source"].create({"name": "Website form"}).id,
                }
            )
        deal = deal.with_env(self.env)  # the test reads everything; each step acts as its user
        self.assertEqual(deal.stage_id, self.stage_call)
        self.assertEqual(deal.production_status, "none")
        # 2. The salesperson calls and moves it to Measurement; 3. then to Approval with the quotation lines.
        with freeze_time(T0.replace(hour=10)):
            deal.with_user(self.user_sales).write({"stage_id": self.stage_measure.id})
        with freeze_time(T0.replace(day=3)):
            deal.with_user(self.user_sales).write(
                {
                    "stage_id": self.stage_approval.id,
                    "order_line": [Command.create({"product_id": self.window.id, "product_uom_qty": 3})],
                    "installation_date": datetime(2026, 3, 20, 8, 0),
                }
            )
        self.assertEqual(deal.amount_total, 3450.0, "3 x 1000 + 15% tax")
        # 4. Payment: the deal gets its 50% down-payment invoice, posted (what the Payment robot will call).
        with freeze_time(T0.replace(day=4)):
            deal.with_user(self.user_sales).write({"stage_id": self.stage_payment.id})
            down_payment = deal.with_user(self.user_sales)._erp_crm_create_down_payment_invoice(50.0)
        self.assertEqual(down_payment.state, "posted")
        self.assertEqual(down_payment.amount_total, 1725.0)
        self.assertEqual(deal.state, "draft", "still a quotation: the customer has not paid")
        # 5a. The accountant registers a partial payment in Accounting: not enough, the deal waits.
        with freeze_time(T0.replace(day=5)):
            self._pay(down_payment, amount=1000.0)
        self.assertEqual(deal.stage_id, self.stage_payment)
        # 5b. The rest of the down payment: the deal moves to Production by itself, the order is confirmed
        # and the made-to-order windows get their manufacturing orders.
        with freeze_time(T0.replace(day=6)):
            self._pay(down_payment)
        self.assertEqual(deal.stage_id, self.stage_production)
        self.assertEqual(deal.state, "sale")
        self.assertAlmostEqual(deal.paid_percent, 50.0)
        productions = deal.mrp_production_ids
        self.assertEqual(sum(productions.mapped("product_qty")), 3)
        self.assertEqual(deal.production_status, "waiting")
        self.assertTrue(deal.production_date_start)
        # 5c. Manufacturing done: the deal moves to Installation; the installer gets one task in the
        # Installations project, planned on the agreed date.
        with freeze_time(T0.replace(day=12)):
            self._produce(productions)
        self.assertEqual(deal.produced_percent, 100.0)
        self.assertEqual(deal.stage_id, self.stage_installation)
        task = self._assert_one_installation_task(deal, datetime(2026, 3, 20, 8, 0))
        self.assertIn(task, deal.with_user(self.user_installer).sudo().tasks_ids, "the sale's Tasks button shows it")
        # The windows leave the warehouse.
        with freeze_time(T0.replace(day=19)):
            self._deliver(deal.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing"))
        self.assertEqual(deal.delivered_percent, 100.0)
        # 6. The installer closes the task: the deal is Won; the remaining amount is invoiced and paid.
        with freeze_time(T0.replace(day=20)):
            task.with_user(self.user_installer).write({"state": "1_done"})
        self.assertEqual(deal.stage_id, self.stage_won)
        self.assertEqual(deal.won_status, "won")
        with freeze_time(T0.replace(day=21)):
            final = deal._create_invoices(final=True)
            final.action_post()
        self.assertEqual(final.amount_total, 1725.0, "the down payment is deducted")
        self.assertAlmostEqual(deal.invoiced_percent, 100.0)
        self.assertEqual(deal.deal_due_amount, 1725.0)
        with freeze_time(T0.replace(day=25)):
            self._pay(final)
        self.assertAlmostEqual(deal.paid_percent, 100.0)
        self.assertEqual(deal.deal_due_amount, 0.0)
        self.assertEqual(deal.stage_id, self.stage_won, "a won deal stays won")
        self.assertEqual(
            deal.stage_history_ids.sorted("id").mapped("stage_id.name"),
            ["First call", "Measurement", "Approval", "Payment", "Production", "Installation", "Won"],
            "nothing fired twice",
        )
