from odoo.tests import freeze_time, tagged

from .erp_common import ErpTriggerCommon
from .test_robots import TEST_INSTANT, RobotCommon


@tagged("erp_crm")
@freeze_time(TEST_INSTANT)
class TestDownPaymentRobot(ErpTriggerCommon):
    def test_down_payment_robot_invoices_once_and_emails_the_invoice(self):
        self.partner.email = "customer@example.com"
        self.env["sale.funnel.robot"].create(
            {
                "name": "Down payment",
                "stage_id": self.stage_payment.id,
                "kind": "down_payment",
                "down_payment_percent": 50,
                "document_in_move": True,  # the test reads the document right after the move
            }
        )
        deal = self._create_deal(user_id=self.user_sales.id)
        deal.with_user(self.user_sales).write({"stage_id": self.stage_payment.id})
        invoice = deal.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_total, deal.amount_total / 2)
        run = deal.robot_run_ids
        self.assertEqual(run.state, "done")
        self.assertEqual(run.result_ref, f"account.move,{invoice.id}")
        mail = self.env["mail.mail"].search([("model", "=", "account.move"), ("res_id", "=", invoice.id)])
        self.assertEqual(len(mail), 1, "the invoice is emailed, from the queue")

        deal.write({"stage_id": self.stage_approval.id})
        deal.write({"stage_id": self.stage_payment.id})
        self.assertEqual(deal.invoice_ids, invoice, "once per deal")
        self.assertEqual(deal.robot_run_ids.sorted("id").mapped("state"), ["done", "skipped"])


@tagged("erp_crm")
class TestRobotBoardTools(RobotCommon):
    def test_copy_robots_to_a_stage_of_another_funnel(self):
        robot = self._activity_robot(self.stage_measure, "Measure on site", self.role_surveyor, deadline_amount=2)
        other = self.env["sale.funnel"].create({"name": "Doors"})
        other_surveyor = self.env["sale.funnel.role"].create(
            {"name": "Surveyor", "funnel_id": other.id, "assignment": "salesperson"}
        )
        wizard = self.env["sale.funnel.robot.copy"].create(
            {"robot_ids": [robot.id], "stage_ids": [other.stage_ids[0].id, self.stage_approval.id]}
        )
        wizard.action_copy()
        copies = self.env["sale.funnel.robot"].search([("name", "=", "Measure on site"), ("id", "!=", robot.id)])
        self.assertEqual(copies.stage_id, other.stage_ids[0] | self.stage_approval)
        by_funnel = {copy.funnel_id: copy for copy in copies}
        self.assertEqual(by_funnel[other].role_id, other_surveyor, "roles are matched by name in the other funnel")
        self.assertEqual(by_funnel[self.funnel].role_id, self.role_surveyor)
        self.assertEqual(by_funnel[other].deadline_amount, 2)

    def test_note_robot_logs_without_notifying(self):
        self._robot(self.stage_measure, name="Note", kind="note", summary="Measurements requested")
        deal = self._create_deal()
        deal.write({"stage_id": self.stage_measure.id})
        note = deal.message_ids.filtered(lambda m: "Measurements requested" in str(m.body))
        self.assertEqual(len(note), 1)
        self.assertFalse(note.partner_ids)
        self.assertEqual(deal.robot_run_ids.state, "done")
