"""ERP events (issue 8): each event checks only the triggers it can meet, robots finish a stage entry before a
trigger moves the deal on, and telling deals costs the same for 5 or 20 of them, whatever the source document."""

from odoo.fields import Command
from odoo.tests import tagged

from .erp_common import ErpFulfilmentCommon, ErpTriggerCommon

# Odoo's own work around a batch (quants created, caches refilled) varies by a few queries between two runs;
# a cost that grew with the deals would add at least one query per deal (15 more for 20 deals than for 5).
NOISE = 3


@tagged("erp_crm", "erp_crm_triggers")
class TestEventsMeetTheirTriggers(ErpTriggerCommon):
    def test_an_event_moves_only_to_stages_of_its_own_triggers(self):
        self.stage_approval.trigger = "quotation_sent"
        self.stage_payment.trigger = "invoice_posted"
        deal = self._create_deal()
        deal.with_context(erp_crm_skip_triggers=True).action_quotation_sent()
        self.assertEqual(deal.state, "sent")
        deal._erp_crm_on_event("delivery_done")
        self.assertEqual(deal.stage_id, self.stage_call, "a delivery says nothing about a sent quotation")
        deal._erp_crm_on_event("quotation_sent")
        self.assertEqual(deal.stage_id, self.stage_approval)

    def test_robots_finish_the_entry_before_a_trigger_moves_the_deal(self):
        """The down-payment robot of Payment posts an invoice, which meets Production's trigger: the deal moves on
        only after every robot of Payment ran (its note comes before the notes of Production's robots)."""
        self.stage_production.trigger = "invoice_posted"
        Robot = self.env["sale.funnel.robot"]
        Robot.create(
            [
                {"name": "Down payment", "stage_id": self.stage_payment.id, "kind": "down_payment", "sequence": 1},
                {"name": "Payment requested", "stage_id": self.stage_payment.id, "kind": "note", "sequence": 2},
                {"name": "Production planned", "stage_id": self.stage_production.id, "kind": "note"},
            ]
        )
        deal = self._create_deal()
        deal.write({"stage_id": self.stage_payment.id})
        self.assertEqual(deal.stage_id, self.stage_production, "the posted down payment moved the deal on")
        history = deal.stage_history_ids.sorted("id")
        self.assertEqual(history.stage_id, self.stage_call | self.stage_payment | self.stage_production)
        payment_runs = deal.robot_run_ids.filtered(lambda run: run.stage_id == self.stage_payment)
        self.assertEqual(payment_runs.mapped("state"), ["done", "done"], "no robot of Payment was cut short")
        notes = deal.message_ids.sorted("id").filtered(
            lambda m: any(text in (m.body or "") for text in ("Payment requested", "Production planned"))
        )
        self.assertEqual(
            [("Payment requested" in note.body) for note in notes],
            [True, False],
            "Payment's robots all ran before the deal entered Production",
        )


@tagged("erp_crm", "erp_crm_triggers", "erp_crm_perf")
class TestEventQueriesPerSource(ErpFulfilmentCommon):
    """A validated delivery and a finished manufacturing order tell their deals in batch: what erp_crm adds to
    Odoo's own work does not grow with the number of deals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_installation.trigger = "production_done"
        cls.stage_won.trigger = "delivered"

    def _confirmed_deals(self, count, product):
        deals = self.env["sale.order"].concat(
            *(
                self._create_deal(order_line=[Command.create({"product_id": product.id, "product_uom_qty": 1})])
                for _i in range(count)
            )
        )
        deals.with_context(erp_crm_skip_triggers=True).action_confirm()
        return deals

    def _queries(self, func, records, **context):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        func(records.with_context(**context))
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def _added_queries(self, count, prepare, act):
        """Queries erp_crm adds to ``act`` on ``count`` deals (against the same with the triggers switched off)."""
        quiet_records = prepare(count)
        quiet = self._queries(act, quiet_records, erp_crm_skip_triggers=True)
        told_records = prepare(count)
        told = self._queries(act, told_records)
        return told - quiet, told_records

    def _pickings_of(self, count):
        deals = self._confirmed_deals(count, self.component)
        pickings = deals.picking_ids
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        return pickings

    def _validate(self, pickings):
        pickings._action_done()

    def _productions_of(self, count):
        deals = self._confirmed_deals(count, self.window)
        productions = deals.mrp_production_ids
        productions.action_confirm()
        quiet = productions.with_context(erp_crm_skip_triggers=True)
        for production in quiet:
            production.qty_producing = production.product_qty
            production.move_raw_ids.picked = True
        return productions

    def _finish(self, productions):
        productions.button_mark_done()

    def test_validated_deliveries_cost_the_same_for_5_or_20_deals(self):
        self._added_queries(1, self._pickings_of, self._validate)  # warm the caches
        few, _pickings = self._added_queries(5, self._pickings_of, self._validate)
        many, pickings = self._added_queries(20, self._pickings_of, self._validate)
        self.assertAlmostEqual(many, few, delta=NOISE, msg=f"5 deals: {few} queries added, 20 deals: {many}")
        self.assertLessEqual(few, 12, f"telling the deals of validated deliveries costs {few} queries")
        self.assertEqual(pickings.sale_id.stage_id, self.stage_won)

    def test_finished_manufacturing_orders_cost_the_same_for_5_or_20_deals(self):
        self._added_queries(1, self._productions_of, self._finish)
        few, _productions = self._added_queries(5, self._productions_of, self._finish)
        many, productions = self._added_queries(20, self._productions_of, self._finish)
        self.assertAlmostEqual(many, few, delta=NOISE, msg=f"5 deals: {few} queries added, 20 deals: {many}")
        self.assertLessEqual(few, 12, f"telling the deals of finished manufacturing orders costs {few} queries")
        self.assertEqual(productions._get_erp_crm_deals().stage_id, self.stage_installation)
