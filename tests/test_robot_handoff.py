from odoo.fields import Command
from odoo.tests import tagged

from .erp_common import ErpTriggerCommon
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
            document_in_move=True,  # the test reads the order right after the move
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


@tagged("erp_crm")
class TestRobotDownPaymentInvoiceEmail(ErpTriggerCommon):
    """The customer gets the down-payment invoice as Odoo sends invoices: the PDF attached, the invoice marked
    *sent*, the email in the customer's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("de_DE")
        cls.env["ir.module.module"]._load_module_terms(["account"], ["de_DE"])
        cls.partner.write({"email": "customer@example.com", "lang": "de_DE"})
        cls.env["sale.funnel.robot"].create(
            {
                "name": "Invoice a 50% down payment",
                "stage_id": cls.stage_payment.id,
                "kind": "down_payment",
                "down_payment_percent": 50,
                "send_invoice": True,
                "document_in_move": True,  # the test reads the document right after the move
            }
        )

    def test_robot_down_payment_invoice_email_carries_the_invoice_pdf(self):
        deal = self._create_deal(user_id=self.user_sales.id)
        deal.with_user(self.user_sales).write({"stage_id": self.stage_payment.id})
        invoice = deal.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertTrue(invoice.is_move_sent, "the invoice is marked sent, as after Odoo's Send")
        self.assertTrue(invoice.invoice_pdf_report_id, "Odoo's invoice PDF is made and kept on the invoice")
        message = invoice.message_ids.filtered(lambda m: m.message_type == "comment" and m.partner_ids)
        self.assertEqual(len(message), 1, "one email to the customer")
        self.assertEqual(message.partner_ids, self.partner)
        pdfs = message.attachment_ids.filtered(lambda a: a.mimetype == "application/pdf")
        self.assertEqual(len(pdfs), 1, "the email carries the invoice PDF")
        self.assertIn(invoice.name.replace("/", "_"), pdfs.name)
        mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertEqual(len(mail), 1, "queued for the mail queue")
        self.assertEqual(mail.attachment_ids, pdfs)
        self.assertIn("Rechnung (Ref", message.subject, "in the customer's language (German)")


@tagged("erp_crm")
class TestIntakeSalesRoleHandover(RobotCommon):
    """The funnel gives its deals to salespeople in turn (its first role, *Salesperson*, a team in turn): a web
    request goes to the salesperson whose turn it is, who also gets the call-back; a deal handed to another
    salesperson takes its open robot activities along."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sale_team.user_id = cls.user_manager  # the team leader
        cls.funnel.intake_company_id = cls.env.company  # a shared funnel names the company taking its requests
        cls.role_sales.write(
            {"assignment": "round_robin", "user_ids": [Command.set((cls.user_sales | cls.user_sales_2).ids)]}
        )
        cls.call_back = cls._activity_robot(
            cls.stage_call,
            "Call the customer back",
            cls.role_sales,
            activity_type_id=cls.call_type.id,
            deadline_amount=15,
            deadline_unit="minutes",
        )
        cls.measure = cls._activity_robot(cls.stage_call, "Book the measurement", role=None)
        cls.survey = cls._activity_robot(cls.stage_call, "Prepare the survey", cls.role_surveyor)

    def _web_request(self, email):
        partner = self.env["res.partner"].create({"name": email.split("@")[0], "email": email})
        Deal = self.env["sale.order"].with_user(self.env.ref("base.public_user")).sudo()
        deal = Deal._erp_crm_create_intake_deal(self.funnel, partner, "New windows")
        return deal.with_env(self.env)

    def test_intake_web_requests_go_to_the_salesperson_role_in_turn(self):
        first, second = self._web_request("ann@example.com"), self._web_request("bob@example.com")
        self.assertEqual(first.user_id, self.user_sales, "the first in turn, not the team leader")
        self.assertEqual(second.user_id, self.user_sales_2, "the next in turn")
        for deal in first | second:
            call = self._activities(deal, summary="Call the customer back")
            self.assertEqual(call.user_id, deal.user_id, "the call-back goes to the deal's salesperson")

    def test_robot_activities_follow_the_deal_to_the_new_salesperson(self):
        deal = self._web_request("ann@example.com")
        self.assertEqual(deal.user_id, self.user_sales)
        deal.with_user(self.user_manager).write({"user_id": self.user_sales_2.id})
        self.assertEqual(self._activities(deal, summary="Call the customer back").user_id, self.user_sales_2)
        self.assertEqual(self._activities(deal, summary="Book the measurement").user_id, self.user_sales_2)
        self.assertEqual(self._activities(deal, summary="Prepare the survey").user_id, self.user_surveyor)
        self.assertEqual(deal._get_role_user(self.role_sales), self.user_sales_2, "the role follows the deal")
        note = deal.message_ids.filtered(lambda m: "Sam Sales" in (m.body or "") and "Call the customer" in m.body)
        self.assertEqual(len(note), 1, "the chatter says which activities moved to whom")
