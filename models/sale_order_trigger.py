import logging
import weakref
from collections import defaultdict
from contextlib import contextmanager

from odoo import api, models
from odoo.exceptions import UserError, ValidationError

from ..tools import CONCURRENCY_ERRORS
from ..tools.units import percent_reached

_logger = logging.getLogger(__name__)

# The stage triggers each ERP event can satisfy: an event re-checks only these (None: every trigger).
EVENT_TRIGGERS = {
    "quotation_sent": {"quotation_sent"},
    "order_confirmed": {"quotation_sent", "order_confirmed"},
    "invoice_posted": {"invoice_posted"},
    "payment": {"down_payment_paid", "fully_paid"},
    "production": {"production_started", "production_done"},
    "delivery_done": {"delivered"},
    "task": {"task_stage", "task_closed"},
    # the ranking changed the class or segment of the deals' customers (res.partner.ranking._compute_ranking)
    "ranking": {"customer_ranked"},
}


class DeferredEvents:
    """ERP events collected while a stage entry runs its robots, applied once when the robots are done.

    A collector belongs to the transaction, not to the context: a context travels to the browser inside any action
    a hooked method returns (Odoo's wizards: consumption warning, backorder...) and comes back as text, so it holds
    JSON values only. The open collector of a cursor is kept in ``_DEFERRED`` (keyed by the cursor, forgotten with
    it), opened and closed by ``sale.order._erp_crm_events_deferred``.
    """

    def __init__(self):
        self.events = defaultdict(set)  # event -> deal ids


# cursor -> its open DeferredEvents (at most one per transaction: nested blocks join the outer one)
_DEFERRED = weakref.WeakKeyDictionary()


class SaleOrder(models.Model):
    """ERP triggers: documents tell their deals that something happened; the deal decides what it means.

    ERP hooks (account.move, account.move.line, stock.picking, mrp.production, project.task) call
    :meth:`_erp_crm_on_event` on the related deals, in batch: each deal moves to the last stage of its funnel
    whose trigger is met, forward only, through the stage-move door.
    """

    _inherit = "sale.order"

    # ------------------------------------------------------------
    # ERP TRIGGERS
    # ------------------------------------------------------------

    def action_quotation_sent(self):
        result = super().action_quotation_sent()
        self._erp_crm_on_event("quotation_sent")
        return result

    def message_post(self, **kwargs):
        message = super().message_post(**kwargs)
        if self.env.context.get("mark_so_as_sent"):
            self._erp_crm_on_event("quotation_sent")
        return message

    def action_confirm(self):
        result = super().action_confirm()
        self._erp_crm_on_event("order_confirmed")
        return result

    @api.private
    def _erp_crm_on_event(self, events):
        """What the ERP hooks call: ``events`` (one name of ``EVENT_TRIGGERS`` or a set of them) happened to these
        deals' documents (an invoice was posted, a payment reconciled, a manufacturing order finished...). Deals
        whose stage triggers for those events are now met move forward. Safe to call any number of times: a met
        trigger of a stage already passed does nothing.
        """
        if self.env.context.get("erp_crm_skip_triggers") or not self:
            return False
        events = {events} if isinstance(events, str) else set(events)
        collector = _DEFERRED.get(self.env.cr)
        if collector is not None:
            for event in events:
                collector.events[event].update(self.ids)
            return True
        triggers = set()
        for event in events:
            if event not in EVENT_TRIGGERS:
                triggers = None  # unknown event: every trigger may be met
                break
            triggers |= EVENT_TRIGGERS[event]
        # with_prefetch: deals reached through documents (pickings, MOs) come with those documents' prefetch
        # sets, which would read the deals one by one.
        # sudo: ERP events (a payment, a finished MO, a closed task) move deals on the company's behalf, whoever
        # caused them (an accountant without sales rights); the documents that fire them were checked when linked
        # to the deal (see project.task), and the move goes through the door's checks.
        deals = self.sudo().with_prefetch(self._ids)
        deals = deals.filtered(lambda o: o.funnel_id and o.stage_id and o.won_status == "pending")
        # Each company's deals move in their company (confirming an order creates its pickings and MOs there).
        for company, company_deals in deals.grouped("company_id").items():
            company_deals.with_company(company)._apply_stage_triggers(triggers)
        return True

    @contextmanager
    def _erp_crm_events_deferred(self, records=None):
        """Yield ``records`` (default: these deals) in an environment that collects ERP events instead of applying
        them; apply what was collected once, on leaving (nothing when an error leaves it).

        Used by the door while a stage entry runs its robots, and by documents that Odoo writes one by one in a
        loop (finished manufacturing orders) so that their deals are told once for the batch. The collector is the
        transaction's (see ``DeferredEvents``): every event of the transaction meanwhile joins it, whatever the
        environment it is fired in, and nothing is added to the context.
        """
        records = self if records is None else records
        cr = self.env.cr
        if cr in _DEFERRED:
            yield records  # already inside a batch: its events join it, applied when it ends
            return
        collector = _DEFERRED[cr] = DeferredEvents()
        try:
            yield records
        finally:
            del _DEFERRED[cr]
        for event, deal_ids in collector.events.items():
            self.browse(deal_ids)._erp_crm_on_event(event)

    def _apply_stage_triggers(self, triggers=None):
        """Move each deal to the last stage of its funnel whose trigger is met, if ahead of its own stage.

        :param triggers: the triggers to check (the event's); None checks every trigger.
        """
        domain = [("funnel_id", "in", self.funnel_id.ids), ("trigger", "!=", False), ("kind", "!=", "lost")]
        if triggers is not None:
            domain = [
                ("funnel_id", "in", self.funnel_id.ids),
                ("trigger", "in", list(triggers)),
                ("kind", "!=", "lost"),
            ]
        trigger_stages = self.env["sale.funnel.stage"].search(domain)
        if not trigger_stages:
            return
        stages_by_funnel = trigger_stages.grouped("funnel_id")
        task_facts = {}
        if any(stage.trigger in ("task_stage", "task_closed") for stage in trigger_stages):
            task_facts = self._get_task_trigger_facts()
        matching = {}  # stage -> deals meeting its condition ("only for deals matching"), filtered once per stage
        targets = defaultdict(list)
        for deal in self:
            here = (deal.stage_id.sequence, deal.stage_id.id)
            for stage in reversed(stages_by_funnel.get(deal.funnel_id, [])):
                if (stage.sequence, stage.id) <= here:
                    break  # forward only
                if not deal._is_stage_trigger_met(stage, task_facts.get(deal.id)):
                    continue
                if stage.trigger_domain:
                    if stage not in matching:
                        matching[stage] = self._filter_by_trigger_condition(stage)
                    if deal not in matching[stage]:
                        continue
                targets[stage].append(deal.id)
                break
        for stage, deal_ids in targets.items():
            self.browse(deal_ids)._move_by_trigger(stage)

    def _filter_by_trigger_condition(self, stage):
        """These deals that meet ``stage``'s trigger condition, filtered in memory as robot conditions are (a
        condition that no longer reads, e.g. a field removed since it was saved, matches no deal and is logged)."""
        try:
            return self.filtered_domain(stage._get_trigger_condition())
        except CONCURRENCY_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - a condition saved before it was checked: moves nothing, never fails the event
            _logger.warning("Stage %s: its trigger condition cannot be read", stage.id, exc_info=True)
            return self.browse()

    def _is_stage_trigger_met(self, stage, task_facts=None):
        self.ensure_one()
        trigger = stage.trigger
        currency = self.currency_id
        if trigger == "quotation_sent":
            return self.state in ("sent", "sale")
        if trigger == "order_confirmed":
            return self.state == "sale" or bool(self.signed_by)
        if trigger == "invoice_posted":
            return currency.compare_amounts(self.deal_invoiced_amount, 0.0) > 0
        if trigger == "down_payment_paid":
            return currency.compare_amounts(self.deal_paid_amount, 0.0) > 0 and (
                percent_reached(self.paid_percent, stage.trigger_percent)
            )
        if trigger == "fully_paid":
            return currency.compare_amounts(self.amount_total, 0.0) > 0 and (
                currency.compare_amounts(self.deal_paid_amount, self.amount_total) >= 0
            )
        if trigger == "production_started":
            return self.production_status in ("started", "done")
        if trigger == "production_done":
            return self.production_status == "done"
        if trigger == "delivered":
            return self.delivery_status == "full"
        task_facts = task_facts or {}
        if trigger == "task_stage":
            return stage.trigger_task_stage_id.id in task_facts.get("stage_ids", ())
        if trigger == "task_closed":
            return task_facts.get("closed", False)
        if trigger == "customer_ranked":
            return True  # the condition says which class or segment (see _apply_stage_triggers)
        return False

    def _get_task_trigger_facts(self):
        """{deal id: {"stage_ids": task stages reached, "closed": a linked task is done}}, in one query.

        Only tasks linked by someone who may edit the deal, or by the system, count (see project.task).
        """
        facts = defaultdict(lambda: {"stage_ids": set(), "closed": False})
        # sudo: the deals are already sudo (the event is the company's); erp_crm_moves_deal is Settings-only.
        groups = (
            self.env["project.task"]
            .sudo()
            ._read_group(
                [("sale_order_id", "in", self.ids), ("erp_crm_moves_deal", "=", True)],
                ["sale_order_id", "stage_id", "state"],
                ["__count"],
            )
        )
        for order, task_stage, state, _count in groups:
            facts[order.id]["stage_ids"].add(task_stage.id)
            facts[order.id]["closed"] |= state == "1_done"
        return facts

    def _move_by_trigger(self, stage):
        """Move deals to ``stage`` through the door; deals a gate or a check refuses stay, with a note.

        An ERP event must never fail because a deal cannot move (the accountant's payment is registered
        whatever the funnel says): refused deals are held back and told, the others move in one batch.
        """
        # What refuses a deal here ends in its chatter, which every reader of the deal sees: no amounts.
        self = self.with_context(erp_crm_message_for_all=True)  # noqa: PLW0642
        blockers = self._get_stage_gate_blockers(stage)
        held = self.browse([deal.id for deal in blockers])
        if held:
            held._hold_back_at_gate(stage, {deal.id: message for deal, message in blockers.items()})
        movers = self - held
        if not movers:
            return
        try:
            with self.env.cr.savepoint():
                movers._move_to_stage(stage)
        except (UserError, ValidationError):
            # One deal spoils the batch: move them one by one, so only the refused ones stay.
            for deal in movers:
                try:
                    with self.env.cr.savepoint():
                        deal._move_to_stage(stage)
                except (UserError, ValidationError) as error:
                    deal._hold_back_at_gate(stage, {deal.id: str(error)}, activity=False)

    def _hold_back_at_gate(self, stage, messages, activity=True):
        """Tell held-back deals why (chatter note) and, if the stage asks, schedule a collection activity."""
        for deal in self:
            deal.message_post(
                body=self.env._(
                    "Not moved to %(stage)s by its trigger: %(reason)s", stage=stage.name, reason=messages[deal.id]
                )
            )
        if not (activity and stage.gate_activity):
            return
        activity_type = self.env.ref("erp_crm.mail_activity_type_collection")
        already = self.env["mail.activity"].search_fetch(
            [("res_model", "=", self._name), ("res_id", "in", self.ids), ("activity_type_id", "=", activity_type.id)],
            ["res_id"],
        )
        todo = self.browse(set(self.ids) - set(already.mapped("res_id")))
        for user, deals in todo.grouped(lambda deal: stage.gate_activity_user_id or deal.user_id).items():
            deals.activity_schedule(
                "erp_crm.mail_activity_type_collection",
                summary=self.env._("Collect payment before %(stage)s", stage=stage.name),
                user_id=user.id or self.env.uid,
            )
