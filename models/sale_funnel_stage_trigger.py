from odoo import api, models
from odoo.exceptions import ValidationError

from ..tools.units import percent_reached


class SaleFunnelStage(models.Model):
    """Stage triggers as kinds, as robots are: for each kind of ``trigger``, side by side, when it is met for a deal
    (``_trigger_met_<kind>``), how the robot board says it (``_trigger_describe_<kind>``, else the kind's label)
    and what a stage of that kind must also say (``_trigger_check_<kind>``). A module adding a kind adds its value
    to the selection, the events that re-check it to ``EVENT_TRIGGERS`` (sale_order_trigger.py) and these methods."""

    _inherit = "sale.funnel.stage"

    def _trigger_met(self, deal, facts):
        """Whether this stage's trigger is met for ``deal``; ``facts`` (``TriggerFacts``) holds what the deals of
        one event read together."""
        self.ensure_one()
        met = getattr(self, f"_trigger_met_{self.trigger}", None)
        return bool(met and met(deal, facts))

    def _trigger_describe(self):
        """The trigger as the robot board says it ("A down payment of at least 30% is paid"), or False."""
        self.ensure_one()
        if not self.trigger:
            return False
        describe = getattr(self, f"_trigger_describe_{self.trigger}", None)
        if describe:
            return describe()
        return dict(self._fields["trigger"]._description_selection(self.env))[self.trigger]

    @api.constrains("trigger", "trigger_domain", "trigger_task_stage_id")
    def _check_trigger_kind(self):
        for stage in self:
            if check := getattr(stage, f"_trigger_check_{stage.trigger}", None):
                check()

    # --- the order's own steps -----------------------------------------------------------------------------------

    def _trigger_met_quotation_sent(self, deal, facts):
        return deal.state in ("sent", "sale")

    def _trigger_met_order_confirmed(self, deal, facts):
        return deal.state == "sale" or bool(deal.signed_by)

    # --- invoices and payments -----------------------------------------------------------------------------------

    def _trigger_met_invoice_posted(self, deal, facts):
        return deal.currency_id.compare_amounts(deal.deal_invoiced_amount, 0.0) > 0

    def _trigger_met_down_payment_paid(self, deal, facts):
        paid = deal.currency_id.compare_amounts(deal.deal_paid_amount, 0.0) > 0
        return paid and percent_reached(deal.paid_percent, self.trigger_percent)

    def _trigger_describe_down_payment_paid(self):
        return self.env._("A down payment of at least %(percent)s%% is paid", percent=f"{self.trigger_percent:g}")

    def _trigger_met_fully_paid(self, deal, facts):
        return deal._is_fully_invoiced_and_paid()

    # --- manufacturing and delivery ------------------------------------------------------------------------------

    def _trigger_met_production_started(self, deal, facts):
        return deal.production_status in ("started", "done")

    def _trigger_met_production_done(self, deal, facts):
        return deal.production_status == "done"

    def _trigger_met_delivered(self, deal, facts):
        return deal.delivery_status == "full"

    # --- linked tasks --------------------------------------------------------------------------------------------

    def _trigger_met_task_stage(self, deal, facts):
        return self.trigger_task_stage_id.id in facts.tasks[deal.id]["stage_ids"]

    def _trigger_describe_task_stage(self):
        return self.env._("A linked task reaches “%(task_stage)s”", task_stage=self.trigger_task_stage_id.name or "")

    def _trigger_check_task_stage(self):
        if not self.trigger_task_stage_id:
            raise ValidationError(
                self.env._("Stage “%(stage)s” moves deals on a task stage: choose that task stage.", stage=self.name)
            )

    def _trigger_met_task_closed(self, deal, facts):
        return facts.tasks[deal.id]["closed"]

    # --- the customer's ranking ----------------------------------------------------------------------------------

    def _trigger_met_customer_ranked(self, deal, facts):
        return True  # the condition says which class or segment (see sale.order._apply_stage_triggers)

    def _trigger_check_customer_ranked(self):
        if not self.trigger_domain:
            raise ValidationError(
                self.env._(
                    "Only for Deals Matching: stage “%(stage)s” moves deals when their customer is ranked into a "
                    "class or segment; say which, e.g. [('erp_crm_abc_class', '=', 'a')].",
                    stage=self.name,
                )
            )
