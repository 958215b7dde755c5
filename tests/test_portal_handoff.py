"""Hand-offs to the customer over the portal, over HTTP as the customer meets them (issue 20, items 10 and 11)."""

from lxml import html as lxml_html

from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .service_common import ServiceCommon
from .test_documents import pdf_text
from .test_robots import RobotCommon

LONG_WORDS = "\n".join(
    [
        "Water comes in at the bottom left of the bay window <when it rains> & the frame is wet.",
        *(f"Line {i}: the seal looks cracked near the hinge, see photo {i}." for i in range(60)),
        "Best regards, Wanda",
    ]
)


@tagged("post_install", "-at_install", "erp_crm")
class TestPortalServiceRequestForm(ServiceCommon, HttpCase):
    """The customer opens a service request from their order's portal page, with the form as the page renders it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(
            cls.env, login="erp_crm_pf1", groups="base.group_portal", password="erp_crm_pf1", name="Wanda Portal"
        )
        cls.portal_user.partner_id.parent_id = cls.customer
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "order_line": [Command.create({"product_id": cls.product.id, "product_uom_qty": 1})],
            }
        )
        cls.order.action_confirm()
        cls.order.message_subscribe(cls.customer.ids)

    def _form_fields(self, page):
        """The service form of the page as a browser parses it: its fields and whether its button is inside it."""
        tree = lxml_html.fromstring(page)
        forms = tree.xpath("//form[contains(@class, 'o_erp_crm_service_form')]")
        self.assertEqual(len(forms), 1)
        form = forms[0]
        return form, {element.get("name"): element.tag for element in form.xpath(".//*[@name]")}

    def test_portal_service_request_form_sends_the_description_by_the_customer(self):
        self.authenticate("erp_crm_pf1", "erp_crm_pf1")
        page = self.url_open(f"/my/orders/{self.order.id}")
        self.assertEqual(page.status_code, 200)
        form, names = self._form_fields(page.text)
        self.assertEqual(names.get("description"), "textarea", "the form has its description field")
        self.assertTrue(form.xpath(".//button[@type='submit']"), "the page after the textarea is not swallowed")
        data = {
            name: element.get("value") or ""
            for element in form.xpath(".//input[@name]")
            for name in [element.get("name")]
        }
        data.update(name="The window leaks", description=LONG_WORDS)
        response = self.url_open(form.get("action"), data=data)
        self.assertEqual(response.status_code, 200)
        request = self.env["project.task"].search([("project_id", "=", self.desk.id)])
        self.assertEqual(len(request), 1)
        for line in LONG_WORDS.splitlines():
            self.assertIn(
                line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), request.description, line
            )
        first = request.message_ids.sorted("id")[:1]
        self.assertEqual(first.author_id, self.portal_user.partner_id, "the request is the customer's")
        public = self.env.ref("base.public_partner")
        self.assertNotIn(public, request.message_ids.author_id, "nothing authored by the Public user")

    def test_portal_service_request_by_token_holder_is_the_customers(self):
        page = self.url_open(self.order.get_portal_url())  # anonymous, with the link of the customer's email
        form, names = self._form_fields(page.text)
        self.assertEqual(names.get("description"), "textarea")
        data = {element.get("name"): element.get("value") or "" for element in form.xpath(".//input[@name]")}
        data.update(name="Draught at the door", description="Cold air comes in\nunder the balcony door")
        self.assertEqual(self.url_open(form.get("action"), data=data).status_code, 200)
        request = self.env["project.task"].search([("project_id", "=", self.desk.id)])
        self.assertIn("under the balcony door", request.description)
        self.assertEqual(request.message_ids.sorted("id")[:1].author_id, self.customer, "authored by the customer")
        self.assertNotIn(self.env.ref("base.public_partner"), request.message_ids.author_id)


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
        self.assertIn("Follow and accept your offer online", offer_text)
        pdf = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(self.env.ref("erp_crm.action_report_deal_offer"), deal.ids)[0]
        )
        # the words are a link (a PDF link annotation) to the deal's page, token included
        self.assertIn(f"/URI ({deal.get_base_url()}{path})".encode(), pdf, "the offer links to the deal's page")
