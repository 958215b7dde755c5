"""Opening a service request from the customer's portal order page (issue 12, item 2), over HTTP, as two portal
customers and a token holder would."""

from odoo import http
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from ..models.sale_intake_throttle import INTAKE_LIMIT, INTAKE_WINDOW, _seconds_now
from .service_common import ServiceCommon


@tagged("post_install", "-at_install", "erp_crm")
class TestServicePortalOrder(ServiceCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_2 = cls.env["res.partner"].create({"name": "Paul Pane", "email": "paul@example.com"})
        cls.portal_1 = new_test_user(cls.env, login="erp_crm_sp1", groups="base.group_portal", password="erp_crm_sp1")
        cls.portal_2 = new_test_user(cls.env, login="erp_crm_sp2", groups="base.group_portal", password="erp_crm_sp2")
        cls.portal_1.partner_id.parent_id = cls.customer
        cls.portal_2.partner_id.parent_id = cls.customer_2
        cls.order_1 = cls._order(cls.customer, "Wanda's bay window")
        cls.order_2 = cls._order(cls.customer_2, "Paul's secret conservatory")
        cls.quotation_1 = cls._order(cls.customer, "Wanda's next quotation", confirm=False)

    @classmethod
    def _order(cls, partner, reference, confirm=True):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "client_order_ref": reference,
                "order_line": [Command.create({"product_id": cls.product.id, "product_uom_qty": 1})],
            }
        )
        if confirm:
            order.action_confirm()
        order.message_subscribe(partner.ids)  # a customer follows their orders: Odoo's portal access
        return order

    def _requests(self):
        return self.env["project.task"].search([("project_id", "=", self.desk.id)])

    def _post(self, order, csrf=True, **data):
        if csrf:
            data["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open(f"/my/orders/{order.id}/service_request", data=data)

    def test_the_customer_opens_a_request_on_their_order_and_follows_it(self):
        self.authenticate("erp_crm_sp1", "erp_crm_sp1")
        page = self.url_open(f"/my/orders/{self.order_1.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn('id="erp_crm_service"', page.text)
        self.assertIn(f'action="/my/orders/{self.order_1.id}/service_request"', page.text)
        self.assertIn('name="csrf_token"', page.text)
        response = self._post(
            self.order_1,
            name="The window leaks",
            description="Water comes in\nat the bottom left",
            service_type_id=str(self.type_defect.id),
        )
        request = self._requests()
        self.assertEqual(len(request), 1)
        self.assertEqual(response.status_code, 200)
        self.assertIn(f"/my/tasks/{request.id}", response.url, "the customer lands on the request in the portal")
        self.assertIn("The window leaks", response.text)
        self.assertEqual(
            (request.partner_id, request.service_order_id, request.service_type_id, request.service_priority),
            (self.customer, self.order_1, self.type_defect, "high"),
        )
        self.assertIn("at the bottom left", request.description)
        self.assertEqual(len(request.sla_ids), 2, "the desk's SLAs count from now")
        self.assertFalse(request.user_ids, f"nobody assigned: {request.user_ids.mapped('login')}")
        self.assertLessEqual(self.customer | self.portal_1.partner_id, request.message_partner_ids)
        self.assertIn("The window leaks", self.url_open("/my/tasks").text, "in the customer's task list")
        page = self.url_open(f"/my/orders/{self.order_1.id}").text
        self.assertIn("o_erp_crm_service_request", page, "the order lists its request")
        self.assertIn("The window leaks", page)

    def test_another_customer_gets_404_and_nothing_is_created(self):
        self._post_as_customer_1()
        self.authenticate("erp_crm_sp2", "erp_crm_sp2")
        forged = {"access_token": "forged"}
        other_token = {"access_token": self.order_2._portal_ensure_token()}
        for params in ({}, forged, other_token):
            response = self._post(self.order_1, name="Sneaky", description="Not my order", **params)
            self.assertEqual(response.status_code, 404, params)
            self.assertNotIn("bay window", response.text)
            self.assertNotIn("The window leaks", response.text)
        missing = self._post(self.order_1.browse(999999), name="Sneaky")
        self.assertEqual(missing.status_code, 404, "the same answer whether the order exists or not")
        self.assertEqual(self._requests().mapped("name"), ["The window leaks"], "nothing created")
        # nothing of customer 1's order or request on their pages
        page = self.url_open(f"/my/orders/{self.order_1.id}")
        self.assertNotIn("erp_crm_service", page.text)
        self.assertNotIn("The window leaks", page.text)
        request = self._requests()
        self.assertNotIn("The window leaks", self.url_open(f"/my/tasks/{request.id}").text)
        self.assertNotIn("The window leaks", self.url_open("/my/tasks").text)
        # their own order has the form, and lists none of customer 1's requests
        own = self.url_open(f"/my/orders/{self.order_2.id}").text
        self.assertIn('id="erp_crm_service"', own)
        self.assertNotIn("o_erp_crm_service_request", own)

    def _post_as_customer_1(self):
        self.authenticate("erp_crm_sp1", "erp_crm_sp1")
        self._post(self.order_1, name="The window leaks")
        self.assertEqual(len(self._requests()), 1)

    def test_the_order_token_lets_the_customer_in_without_an_account(self):
        self.authenticate(None, None)
        token = self.order_1._portal_ensure_token()
        page = self.url_open(f"/my/orders/{self.order_1.id}", params={"access_token": token})
        self.assertIn('id="erp_crm_service"', page.text)
        self.assertIn(f'value="{token}"', page.text, "the form carries the token")
        response = self._post(self.order_1, name="Handle is loose", access_token=token)
        request = self._requests()
        self.assertEqual((request.name, request.partner_id), ("Handle is loose", self.customer))
        self.assertEqual(response.status_code, 200)
        self.assertIn("Handle is loose", response.text, "the request's page, by its own token")
        public_partner = self.env.ref("base.public_partner")
        self.assertNotIn(public_partner, request.message_partner_ids, "the public user follows nothing")
        self.assertEqual(self._post(self.order_1, name="Again", access_token="forged").status_code, 404)
        self.assertEqual(self._post(self.order_1, name="Again").status_code, 404, "no token, no account")
        self.assertEqual(len(self._requests()), 1)

    def test_quotations_and_other_users_get_no_form(self):
        self.authenticate("erp_crm_sp1", "erp_crm_sp1")
        self.assertNotIn("erp_crm_service", self.url_open(f"/my/orders/{self.quotation_1.id}").text)
        self.assertEqual(self._post(self.quotation_1, name="Too early").status_code, 404, "a quotation: not yet")
        self.authenticate("admin", "admin")
        self.assertNotIn("erp_crm_service", self.url_open(f"/my/orders/{self.order_1.id}").text)
        self.assertEqual(self._post(self.order_1, name="Staff").status_code, 404, "staff use the back end")
        self.assertFalse(self._requests())

    def test_bad_input_says_what_is_wrong_and_keeps_what_was_typed(self):
        self.authenticate("erp_crm_sp1", "erp_crm_sp1")
        response = self._post(self.order_1, name="  ", description="Water on the floor")
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_erp_crm_service_error", response.text)
        self.assertIn("Subject", response.text.split("o_erp_crm_service_error")[1].split("</div>")[0])
        self.assertIn("Water on the floor", response.text, "the description is still there")
        response = self._post(self.order_1, name="Leak", service_type_id="999999")
        self.assertIn("Request Type", response.text.split("o_erp_crm_service_error")[1].split("</div>")[0])
        self.assertIn('value="Leak"', response.text)
        self.assertFalse(self._requests())

    def test_a_post_without_the_csrf_token_is_refused(self):
        self.authenticate("erp_crm_sp1", "erp_crm_sp1")
        response = self._post(self.order_1, csrf=False, name="Forged from another site")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._requests())

    def test_a_flood_of_requests_is_refused_beyond_the_limit(self):
        """Issue 18 item 6: twelve posts in a row, each a request with its robots and notifications, are refused
        beyond the website form's limit (per client address, counted in PostgreSQL)."""
        self.authenticate("erp_crm_sp1", "erp_crm_sp1")
        for _attempt in range(2):  # a window boundary crossed on the way starts again
            self.env.cr.execute("DELETE FROM sale_intake_throttle")
            slot = _seconds_now() // INTAKE_WINDOW
            before = self._requests()
            codes = [self._post(self.order_1, name=f"Leak {i}").status_code for i in range(INTAKE_LIMIT + 2)]
            if _seconds_now() // INTAKE_WINDOW == slot:
                break
        self.assertEqual(codes, [200] * INTAKE_LIMIT + [429, 429])
        self.assertEqual(len(self._requests() - before), INTAKE_LIMIT, "the refused posts create nothing")
        response = self._post(self.order_1, name="One more")
        self.assertEqual((response.status_code, response.headers.get("Retry-After")), (429, str(INTAKE_WINDOW)))
