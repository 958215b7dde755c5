"""Crons stop when their time budget is spent (issue 8): the next run goes on where they stopped, nothing twice."""

import time
from datetime import datetime, timedelta

from odoo import api
from odoo.tests import freeze_time, tagged

from .common import ErpCrmCommon

MONDAY_9 = datetime(2026, 3, 9, 9, 0)


def run_cron_out_of_time(case, xmlid, method, **kwargs):
    """Run a cron's method as the scheduler does (own cursor, progress record), with a budget already spent.

    Returns the progress record's figures (done, remaining) as the scheduler reads them.
    """
    with case.enter_registry_test_mode(), case.registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        cron = env.ref(xmlid)
        cron, progress = cron.with_context(cron_id=cron.id, cron_end_time=time.monotonic() - 1)._add_progress()
        model = env[cron.model_id.model].with_context(cron.env.context)
        getattr(model, method)(**kwargs)
        result = progress.done
    case.env.invalidate_all()
    return result


def run_cron(case, xmlid):
    """Run a scheduled action as the scheduler does, with its whole budget."""
    with case.enter_registry_test_mode():
        case.env.ref(xmlid).method_direct_trigger()
    case.env.invalidate_all()


@tagged("erp_crm")
class TestCronBudget(ErpCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.funnel.user_id = cls.user_manager
        cls.stage_measure.max_hours = 1

    def test_time_limit_cron_stops_when_its_time_is_spent(self):
        with freeze_time(MONDAY_9):
            deals = self.env["sale.order"].concat(*(self._create_deal() for _i in range(3)))
            deals.write({"stage_id": self.stage_measure.id})
        with freeze_time(MONDAY_9 + timedelta(days=2)):
            done = run_cron_out_of_time(
                self, "erp_crm.ir_cron_stage_time_limits", "_cron_erp_crm_time_limits", batch_size=1
            )
            self.assertEqual(done, 1)
            self.assertEqual(deals.mapped("sla_escalated").count(True), 1, "one batch, then it stopped")
            run_cron(self, "erp_crm.ir_cron_stage_time_limits")
        self.assertEqual(deals.mapped("sla_escalated"), [True] * 3, "the next run finished the work")
        notices = self.env["mail.message"].search(
            [("partner_ids", "in", self.user_manager.partner_id.ids), ("subject", "ilike", "time limit")]
        )
        bodies = "".join(notices.mapped("body"))
        self.assertEqual([bodies.count(deal.name) for deal in deals], [1, 1, 1], "each deal reported once")

    def test_overdue_cron_stops_when_its_time_is_spent(self):
        with freeze_time(MONDAY_9):
            deals = self.env["sale.order"].concat(*(self._create_deal(user_id=self.user_sales.id) for _i in range(3)))
            activities = self.env["mail.activity"].create(
                [
                    {
                        "res_model_id": self.env["ir.model"]._get_id("sale.order"),
                        "res_id": deal.id,
                        "user_id": self.user_sales.id,
                        "summary": "Call back",
                        "date_deadline": MONDAY_9.date(),
                        "deadline_at": MONDAY_9 + timedelta(minutes=15),
                    }
                    for deal in deals
                ]
            )
        with freeze_time(MONDAY_9 + timedelta(minutes=20)):
            done = run_cron_out_of_time(
                self, "erp_crm.ir_cron_overdue_activities", "_cron_erp_crm_overdue", batch_size=1
            )
            self.assertEqual(done, 1)
            self.assertEqual(len(activities.filtered("overdue_notified_at")), 1, "one batch, then it stopped")
            self.assertFalse(activities.filtered("escalated_at"), "escalation waits for the next run")
            run_cron(self, "erp_crm.ir_cron_overdue_activities")
        self.assertTrue(all(activities.mapped("overdue_notified_at")), "the next run finished the work")
