from datetime import datetime, timedelta

from odoo.tests import Form, freeze_time, tagged

from .common import ErpCrmCommon

T0 = datetime(2026, 3, 2, 9, 0, 0)


@tagged("erp_crm")
class TestStageMoveDoor(ErpCrmCommon):
    """Every path that changes a deal's stage records exactly one history row."""

    def _history(self, deal):
        return deal.stage_history_ids.sorted("id")

    def test_create_opens_the_first_history_row(self):
        with freeze_time(T0):
            deal = self._create_deal()
        self.assertEqual(deal.stage_id, self.stage_call)
        self.assertEqual(deal.date_stage, T0)
        row = self._history(deal)
        self.assertEqual(len(row), 1)
        self.assertFalse(row.from_stage_id)
        self.assertEqual(row.stage_id, self.stage_call)
        self.assertEqual(row.date_in, T0)
        self.assertFalse(row.date_out)

    def test_write_over_rpc_records_one_row_with_duration(self):
        with freeze_time(T0):
            deal = self._create_deal()
        with freeze_time(T0 + timedelta(hours=2, minutes=30)):
            deal.with_user(self.user_manager).write({"stage_id": self.stage_measure.id})
        first, second = self._history(deal)
        self.assertEqual(first.date_out, T0 + timedelta(hours=2, minutes=30))
        self.assertAlmostEqual(first.duration_hours, 2.5)
        self.assertEqual(second.from_stage_id, self.stage_call)
        self.assertEqual(second.stage_id, self.stage_measure)
        self.assertEqual(second.user_id, self.user_manager)
        self.assertEqual(second.date_in, T0 + timedelta(hours=2, minutes=30))
        self.assertFalse(second.date_out)
        self.assertEqual(deal.date_stage, T0 + timedelta(hours=2, minutes=30))

    def test_writing_the_same_stage_is_not_a_move(self):
        deal = self._create_deal()
        deal.write({"stage_id": self.stage_call.id})
        self.assertEqual(len(deal.stage_history_ids), 1)

    def test_kanban_drag_and_status_bar_save_through_web_save(self):
        # The kanban drop and the status bar click both save the record with web_save.
        with freeze_time(T0):
            deal = self._create_deal()
        with freeze_time(T0 + timedelta(days=1)):
            deal.with_user(self.user_manager).web_save({"stage_id": self.stage_measure.id}, {})
        with freeze_time(T0 + timedelta(days=1, hours=6)):
            deal.with_user(self.user_manager).web_save({"stage_id": self.stage_approval.id}, {"stage_id": {}})
        rows = self._history(deal)
        self.assertEqual(rows.mapped("stage_id"), self.stage_call | self.stage_measure | self.stage_approval)
        self.assertEqual(rows.mapped("duration_hours"), [24.0, 6.0, 0.0])

    def test_form_edit_moves_once(self):
        deal = self._create_deal()
        with Form(deal) as form:
            form.stage_id = self.stage_payment
        self.assertEqual(deal.stage_id, self.stage_payment)
        self.assertEqual(len(deal.stage_history_ids), 2)

    def test_batch_write_records_each_deal_once_with_its_own_from_stage(self):
        with freeze_time(T0):
            deal_a = self._create_deal()
            deal_b = self._create_deal(stage_id=self.stage_measure.id)
            deal_c = self._create_deal(stage_id=self.stage_approval.id)
        with freeze_time(T0 + timedelta(hours=1)):
            (deal_a | deal_b | deal_c).write({"stage_id": self.stage_approval.id})
        self.assertEqual(self._history(deal_a)[-1].from_stage_id, self.stage_call)
        self.assertEqual(self._history(deal_b)[-1].from_stage_id, self.stage_measure)
        self.assertEqual(len(deal_c.stage_history_ids), 1, "deal C was already there: no move")
        self.assertEqual(deal_c.date_stage, T0)

    def test_lost_wizard_and_restore_each_record_one_row(self):
        with freeze_time(T0):
            deal = self._create_deal(stage_id=self.stage_approval.id)
        with freeze_time(T0 + timedelta(hours=3)):
            wizard = self.env["sale.order.lost"].create({"order_ids": [deal.id], "lost_reason_id": self.lost_reason.id})
            wizard.action_mark_lost()
        with freeze_time(T0 + timedelta(hours=5)):
            deal.action_restore()
        rows = self._history(deal)
        self.assertEqual(rows.mapped("stage_id"), self.stage_approval | self.stage_lost | self.stage_approval)
        self.assertEqual(rows.mapped("duration_hours"), [3.0, 2.0, 0.0])
        self.assertEqual(deal.stage_id, self.stage_approval, "restored to the stage it was lost from")

    def test_stage_change_is_tracked_in_chatter(self):
        deal = self._create_deal().with_env(self.env(context={}))  # tracking on, as in the web client
        deal.env.cr.flush()  # the deal was created in an earlier transaction: its changes are tracked
        deal.write({"stage_id": self.stage_measure.id})
        deal.env.cr.flush()  # tracking values are written by the cursor's precommit hooks
        tracking = self.env["mail.tracking.value"].search(
            [
                ("field_id.name", "=", "stage_id"),
                ("mail_message_id.res_id", "=", deal.id),
                ("mail_message_id.model", "=", "sale.order"),
            ]
        )
        self.assertEqual(len(tracking), 1)
        self.assertEqual(tracking.old_value_char, "First call")
        self.assertEqual(tracking.new_value_char, "Measurement")

    def test_time_in_stage(self):
        with freeze_time(T0):
            deal = self._create_deal()
        with freeze_time(T0 + timedelta(days=2, hours=3)):
            deal.invalidate_recordset(["stage_hours", "stage_age_display"])
            self.assertAlmostEqual(deal.stage_hours, 51.0)
            self.assertEqual(deal.stage_age_display, "2 d 3 h")
