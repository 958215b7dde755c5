"""ERP events (issue 8): each event checks only the triggers it can meet, robots finish a stage entry before a
trigger moves the deal on, and telling deals costs the same for 5 or 20 of them, whatever the source document."""

from odoo.fields import Command
from odoo.tests import freeze_time, tagged

from .erp_common import ErpFulfilmentCommon, ErpTriggerCommon


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
                {
                    "name": "Down payment",
                    "stage_id": self.stage_payment.id,
                    "kind": "down_payment",
                    "sequence": 1,
                    "document_in_move": True,  # the invoice it posts moves the deal on, within the move
                },
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
@freeze_time("2026-03-11 10:00:00")  # query counts of accounting and stock depend on the day and the hour
class TestEventQueriesPerSource(ErpFulfilmentCommon):
    """A posted invoice, a validated delivery and a finished manufacturing order tell their deals in one batch:
    what erp_crm does with the event (tell the deals, check their triggers, move them through the door) costs the
    same for 5 deals as for 20."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_payment.trigger = "invoice_posted"
        cls.stage_installation.trigger = "production_done"
        cls.stage_won.trigger = "delivered"

    def _deals(self, count, product, confirm=True):
        deals = self.env["sale.order"].concat(
            *(
                self._create_deal(order_line=[Command.create({"product_id": product.id, "product_uom_qty": 1})])
                for _i in range(count)
            )
        )
        if confirm:
            deals.with_context(erp_crm_skip_triggers=True).action_confirm()
        return deals

    def _telling_queries(self, act, records):
        """Queries of what erp_crm does with the events of ``act(records)``, Odoo's own work left out: the
        events are collected while Odoo works, then applied in one batch, as every hook does."""
        with self.env["sale.order"]._erp_crm_events_deferred(records) as collecting:
            act(collecting)
            self.env.flush_all()
            before = self.env.cr.sql_log_count
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def _compare(self, prepare, act, budget):
        self._telling_queries(act, prepare(1))  # warm the caches
        few = self._telling_queries(act, prepare(5))
        records = prepare(20)
        many = self._telling_queries(act, records)
        self.assertEqual(many, few, f"5 deals: {few} queries, 20 deals: {many}")
        self.assertLessEqual(few, budget, f"telling the deals costs {few} queries")
        return records

    def _invoices_of(self, count):
        deals = self._deals(count, self.product, confirm=False)
        return self.env["account.move"].concat(*(self._down_payment(deal, 50.0, post=False) for deal in deals))

    def _pickings_of(self, count):
        pickings = self._deals(count, self.component).picking_ids
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        return pickings

    def _productions_of(self, count):
        productions = self._deals(count, self.window).mrp_production_ids
        productions.action_confirm()
        for production in productions.with_context(erp_crm_skip_triggers=True):
            production.qty_producing = production.product_qty
            production.move_raw_ids.picked = True
        return productions

    def test_posted_invoices(self):
        invoices = self._compare(self._invoices_of, lambda invoices: invoices.action_post(), budget=8)
        self.assertEqual(invoices._get_erp_crm_deals().stage_id, self.stage_payment)

    def test_validated_deliveries(self):
        pickings = self._compare(self._pickings_of, lambda pickings: pickings._action_done(), budget=8)
        self.assertEqual(pickings.sale_id.stage_id, self.stage_won)

    def test_finished_manufacturing_orders(self):
        productions = self._compare(self._productions_of, lambda mos: mos.button_mark_done(), budget=8)
        self.assertEqual(productions._get_erp_crm_deals().stage_id, self.stage_installation)
