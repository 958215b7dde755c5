from odoo.fields import Command
from odoo.tests import tagged

from .common import ErpCrmCommon


@tagged("erp_crm")
class TestBaseAutomationOnDeals(ErpCrmCommon):
    """Odoo's standard "Stage is set to" automation rules work on deals."""

    def _create_rule(self, name, stage, action_vals):
        rule = self.env["base.automation"].create(
            {
                "name": name,
                "model_id": self.env["ir.model"]._get_id("sale.order"),
                "trigger": "on_stage_set",
                "trg_field_ref": stage.id,
            }
        )
        action = self.env["ir.actions.server"].create(
            {
                "name": name,
                "base_automation_id": rule.id,
                "model_id": rule.model_id.id,
                "usage": "base_automation",
                **action_vals,
            }
        )
        action.flush_recordset()
        rule.write({"action_server_ids": [Command.set(action.ids)]})
        return rule

    def test_stage_is_set_to_rule_fires_when_the_deal_enters_the_stage(self):
        rule = self._create_rule(
            "Prepare measurement",
            self.stage_measure,
            {"state": "object_write", "update_path": "client_order_ref", "value": "MEASURE"},
        )
        self.assertEqual(rule.trigger_field_ids.name, "stage_id", "the standard trigger finds our stage field")
        self.assertEqual(rule.filter_domain, repr([("stage_id", "=", self.stage_measure.id)]))
        deal = self._create_deal()
        deal.write({"stage_id": self.stage_approval.id})
        self.assertFalse(deal.client_order_ref, "another stage does not fire the rule")
        deal.write({"stage_id": self.stage_measure.id})
        self.assertEqual(deal.client_order_ref, "MEASURE")

    def test_rule_moving_the_deal_goes_through_the_door(self):
        self._create_rule(
            "Approval leads to payment",
            self.stage_approval,
            {"state": "code", "code": f"record.write({{'stage_id': {self.stage_payment.id}}})"},
        )
        deal = self._create_deal()
        deal.write({"stage_id": self.stage_approval.id})
        self.assertEqual(deal.stage_id, self.stage_payment)
        rows = deal.stage_history_ids.sorted("id")
        self.assertEqual(rows.mapped("stage_id"), self.stage_call | self.stage_approval | self.stage_payment)
        self.assertEqual(rows[-1].from_stage_id, self.stage_approval)
        self.assertEqual(len(rows.filtered(lambda r: not r.date_out)), 1, "only the current stage is open")
