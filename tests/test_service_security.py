"""Service requests (issue 12): who sees which request, as each user would call it over RPC."""

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .service_common import ServiceCommon


class ServiceSecurityCommon(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_2 = cls.env["res.partner"].create({"name": "Paul Pane", "email": "paul@example.com"})
        cls.portal_1 = new_test_user(cls.env, login="erp_crm_portal1", groups="base.group_portal", password="portal1")
        cls.portal_2 = new_test_user(cls.env, login="erp_crm_portal2", groups="base.group_portal", password="portal2")
        cls.portal_1.partner_id.parent_id = cls.customer
        cls.portal_2.partner_id.parent_id = cls.customer_2
        cls.deal_sally = cls._create_deal(user_id=cls.user_sales.id)
        cls.deal_sam = cls._create_deal(user_id=cls.user_sales_2.id)
        cls.request_1 = cls._create_request(name="Leak at Wanda's", service_order_id=cls.deal_sally.id)
        cls.request_2 = cls._create_request(
            name="Draught at Paul's", partner_id=cls.customer_2.id, service_order_id=cls.deal_sam.id
        )
        cls.outsider = new_test_user(
            cls.env, login="erp_crm_outsider", groups="project.group_project_user", name="Olaf Outsider"
        )


@tagged("erp_crm")
class TestServiceSecurity(ServiceSecurityCommon):
    def _visible(self, user):
        return self.env["project.task"].with_user(user).search([("is_service_request", "=", True)])

    def test_portal_customers_see_only_their_own_requests(self):
        self.assertEqual(self._visible(self.portal_1), self.request_1)
        self.assertEqual(self._visible(self.portal_2), self.request_2)
        with self.assertRaises(AccessError):
            self.request_2.with_user(self.portal_1).read(["name"])

    def test_service_users_see_the_requests_of_their_projects(self):
        self.assertEqual(self._visible(self.user_tech), self.request_1 | self.request_2, "a follower of the desk")
        self.assertFalse(self._visible(self.outsider), "the desk is for invited users")
        self.assertTrue(self.request_1.sla_ids.with_user(self.user_tech).has_access("read"))
        self.assertFalse(self.request_1.sla_ids.with_user(self.outsider).has_access("read"))

    def test_salesperson_reads_the_requests_of_their_deals_only(self):
        request = self.request_1.with_user(self.user_sales)
        self.assertEqual(self._visible(self.user_sales), self.request_1)
        self.assertEqual(request.read(["name"])[0]["name"], "Leak at Wanda's")
        self.assertTrue(request.sla_ids.has_access("read"))
        with self.assertRaises(AccessError):
            request.write({"name": "Changed"})
        with self.assertRaises(AccessError):
            self.request_2.with_user(self.user_sales).read(["name"])
        self.assertEqual(self.deal_sally.with_user(self.user_sales).service_request_count, 1)
        self.assertEqual(self.deal_sam.with_user(self.user_all).service_request_count, 1, "all deals: all requests")

    def test_a_request_only_points_at_a_deal_its_author_may_read(self):
        self.user_sales.group_ids = [Command.link(self.env.ref("project.group_project_user").id)]
        self.desk.message_subscribe(self.user_sales.partner_id.ids)
        tasks = self.env["project.task"].with_user(self.user_sales)
        with self.assertRaises(AccessError):
            tasks.create({"name": "Sneaky", "project_id": self.desk.id, "service_order_id": self.deal_sam.id})
        with self.assertRaises(AccessError):
            self.request_1.with_user(self.user_sales).write({"service_order_id": self.deal_sam.id})
        self.assertEqual(self.request_1.service_order_id, self.deal_sally, "nothing changed")

    def test_only_project_managers_configure_slas(self):
        with self.assertRaises(AccessError):
            self.policy_resolution.with_user(self.user_tech).write({"working_hours": 100})
        self.policy_resolution.with_user(self.user_service_manager).write({"working_hours": 8})


@tagged("post_install", "-at_install", "erp_crm")
class TestServicePortalHttp(ServiceSecurityCommon, HttpCase):
    def test_portal_pages_of_two_customers(self):
        self.authenticate("erp_crm_portal1", "portal1")
        own = self.url_open(f"/my/tasks/{self.request_1.id}")
        self.assertEqual(own.status_code, 200)
        self.assertIn("Leak at Wanda", own.text)
        other = self.url_open(f"/my/tasks/{self.request_2.id}")
        self.assertNotIn("Draught at Paul", other.text, "another customer's request stays hidden")
        listing = self.url_open("/my/tasks")
        self.assertIn("Leak at Wanda", listing.text)
        self.assertNotIn("Draught at Paul", listing.text)
