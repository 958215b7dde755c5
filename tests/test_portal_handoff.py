"""Hand-offs to the customer over the portal, over HTTP as the customer meets them (issue 20, items 10 and 11)."""

from odoo.tests import HttpCase, tagged

from .test_documents import pdf_text
from .test_robots import RobotCommon


@tagged("post_install", "-at_install", "erp_crm")
class TestRobotEmailPortalLink(RobotCommon, HttpCase):
    """The customer finds in every robot email, and in the offer, the way to their deal on the portal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner.email = "customer@example.com"
        cls._payment_request_robot()

    def test_robot_email_carries_the_deal_portal_link_that_opens_the_deal(self):
        deal = self._create_deal(user_id=self.user_sales.id, title="5 windows, 3-room flat")
        deal.with_user(self.user_sales).write({"stage_id": self.stage_payment.id})
        mail = self.env["mail.mail"].search([("model", "=", "sale.order"), ("res_id", "=", deal.id)])
        self.assertEqual(len(mail), 1)
        self.assertTrue(deal.access_token, "the deal has its portal access token")
        path = deal.get_portal_url()
        self.assertIn("access_token=", path)
        self.assertIn(f'href="{deal.get_base_url()}{path}"', mail.body_html, "the email links to the deal's page")
        self.assertNotIn(path, mail.mail_message_id.body, "the link is the customer's, not shown in the chatter")
        page = self.url_open(path)  # anonymous: the token alone opens it
        self.assertEqual(page.status_code, 200)
        self.assertIn(deal.name, page.text)
        offer_text = pdf_text(self, self.env.ref("erp_crm.action_report_deal_offer"), deal, name="offer_portal")[0]
        self.assertIn(f"{deal.get_base_url()}{path}", offer_text.replace(" ", ""), "the offer carries the link")
