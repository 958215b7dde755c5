from odoo.tests import tagged

from .test_robots import RobotCommon


@tagged("erp_crm")
class TestRobotOfferEmail(RobotCommon):
    """The salesperson's offer robot emails the quotation: the order is then *Quotation Sent*, as after Odoo's
    *Send*, and a stage waiting for the quotation to be sent takes the deal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner.email = "customer@example.com"
        cls.offer_robot = cls._robot(
            cls.stage_approval,
            name="Send the offer",
            kind="email",
            mail_template_id=cls.env.ref("sale.email_template_edi_sale").id,
            report_id=cls.env.ref("erp_crm.action_report_deal_offer").id,
        )
        cls.stage_payment.trigger = "quotation_sent"

    def test_robot_offer_email_marks_quotation_sent_and_fires_the_trigger(self):
        deal = self._create_deal(user_id=self.user_sales.id)
        self.assertEqual(deal.state, "draft")
        deal.with_user(self.user_sales).write({"stage_id": self.stage_approval.id})
        mail = self.env["mail.mail"].search([("model", "=", "sale.order"), ("res_id", "=", deal.id)])
        self.assertEqual(len(mail), 1, "the offer went out once")
        self.assertEqual(deal.state, "sent", "the robot's offer marks the quotation as sent, as Odoo's Send does")
        self.assertEqual(deal.stage_id, self.stage_payment, "the Quotation sent trigger moved the deal")

    def test_robot_other_email_leaves_the_quotation_draft(self):
        self.offer_robot.write(
            {"mail_template_id": self.env.ref("erp_crm.mail_template_payment_request").id, "report_id": False}
        )
        deal = self._create_deal(user_id=self.user_sales.id)
        deal.with_user(self.user_sales).write({"stage_id": self.stage_approval.id})
        self.assertEqual(deal.state, "draft")
        self.assertEqual(deal.stage_id, self.stage_approval)

