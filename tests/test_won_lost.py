from psycopg2.errors import NotNullViolation

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import ErpCrmCommon


@tagged("erp_crm")
class TestWonLost(ErpCrmCommon):
    def test_lost_wizard_requires_a_reason(self):
        deal = self._create_deal()
        action = deal.action_mark_lost()
        form = Form(self.env[action["res_model"]].with_context(**action["context"]))
        with self.assertRaises(AssertionError):  # the form refuses to save without the required reason
            form.save()
        form.lost_reason_id = self.lost_reason
        form.save().action_mark_lost()
        self.assertEqual(deal.won_status, "lost")
        self.assertEqual(deal.stage_id, self.stage_lost)
        self.assertEqual(deal.lost_reason_id, self.lost_reason)

    def test_lost_wizard_without_reason_is_refused_by_the_server(self):
        deal = self._create_deal()
        with self.assertRaises(NotNullViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env["sale.order.lost"].create({"order_ids": [deal.id]}).action_mark_lost()
        self.assertEqual(deal.won_status, "pending")

    def test_moving_to_lost_stage_without_reason_is_refused(self):
        deal = self._create_deal()
        with self.assertRaisesRegex(UserError, "without a lost reason"):
            deal.write({"stage_id": self.stage_lost.id})
        self.assertEqual(deal.stage_id, self.stage_call)
        self.assertEqual(len(deal.stage_history_ids), 1)
        with self.assertRaisesRegex(ValidationError, "only be lost with a reason"):
            self.env["sale.order"].create({"partner_id": self.partner.id, "stage_id": self.stage_lost.id})

    def test_lost_deal_leaves_pipeline_but_stays_in_reports(self):
        deal = self._create_deal()
        deal._mark_lost(self.lost_reason, feedback="Too far away")
        Order = self.env["sale.order"]
        pipeline = Order.search([("funnel_id", "=", self.funnel.id), ("won_status", "!=", "lost")])
        self.assertNotIn(deal, pipeline)
        report = dict(Order._read_group([("funnel_id", "=", self.funnel.id)], ["won_status"], ["__count"]))
        self.assertEqual(report["lost"], 1)
        self.assertIn("Too far away", deal.message_ids.mapped("body")[0])

    def test_restore_brings_the_deal_back(self):
        deal = self._create_deal(stage_id=self.stage_measure.id)
        deal._mark_lost(self.lost_reason)
        deal.action_restore()
        self.assertEqual(deal.won_status, "pending")
        self.assertFalse(deal.lost_reason_id)
        self.assertEqual(deal.stage_id, self.stage_measure)

    def test_lost_in_funnel_without_lost_stage_keeps_stage(self):
        funnel = self.env["sale.funnel"].create({"name": "No lost stage"})
        funnel.stage_ids.filtered(lambda s: s.kind == "lost").unlink()
        deal = self.env["sale.order"].create({"partner_id": self.partner.id, "funnel_id": funnel.id})
        deal._mark_lost(self.lost_reason)
        self.assertEqual(deal.won_status, "lost")
        self.assertEqual(deal.stage_id, funnel.stage_ids[0])
        deal.action_restore()
        self.assertEqual(deal.won_status, "pending")

    def test_entering_won_stage_confirms_the_quotation(self):
        deal = self._create_deal(stage_id=self.stage_installation.id)
        self.assertEqual(deal.state, "draft")
        deal.write({"stage_id": self.stage_won.id})
        self.assertEqual(deal.state, "sale")
        self.assertEqual(deal.won_status, "won")

    def test_cancelled_order_cannot_be_won(self):
        deal = self._create_deal()
        deal._action_cancel()
        with self.assertRaisesRegex(UserError, "cancelled and cannot be won"):
            deal.write({"stage_id": self.stage_won.id})

    def test_cancelling_the_order_marks_the_deal_lost_and_draft_restores_it(self):
        deal = self._create_deal(stage_id=self.stage_approval.id)
        deal.action_cancel()
        self.assertEqual(deal.state, "cancel")
        self.assertEqual(deal.won_status, "lost")
        self.assertEqual(deal.lost_reason_id, self.env.ref("erp_crm.sale_lost_reason_cancelled"))
        self.assertEqual(deal.stage_id, self.stage_lost)
        deal.action_draft()
        self.assertEqual(deal.state, "draft")
        self.assertEqual(deal.won_status, "pending")
        self.assertEqual(deal.stage_id, self.stage_approval)

    def test_restore_of_cancelled_order_sets_it_back_to_quotation(self):
        deal = self._create_deal()
        deal.action_cancel()
        deal.action_restore()
        self.assertEqual(deal.state, "draft")
        self.assertEqual(deal.won_status, "pending")
