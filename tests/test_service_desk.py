"""A service desk per line of business (issue 22, item 6): a funnel names its desk; requests about a deal go to the
desk of the deal's funnel (the deal's button, the customer portal), requests by email to the desk of the alias they
came through; a desk belongs to a company and serves that company's customers only."""

from contextlib import contextmanager

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, HttpCase, freeze_time, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.mail.tests.common import MailCase

from .common import funnel_stage_commands
from .service_common import MONDAY_9_BERLIN, ServiceCommon
from .test_service_intake import SERVICE_MAIL


class ServiceDeskCommon(ServiceCommon):
    """The window installer's company runs two desks (windows, heat pumps), each named by its funnel; a second
    company (Windows North) runs a desk of its own. The heat-pump desk comes first in the company's desks, so that
    "the first desk of the company" and "the funnel's desk" differ for window deals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create(
            {"name": "Windows North", "currency_id": cls.company_a.currency_id.id}
        )
        cls.env.user.company_ids += cls.company_b
        cls.desk.write({"company_id": cls.company_a.id, "sequence": 20})
        cls.desk_heat = cls._desk("Heat-pump service", cls.company_a, "heat-service", sequence=5)
        cls.desk_b = cls._desk("North service", cls.company_b, "north-service", sequence=1)
        cls.funnel_windows = cls._funnel("Window installation A", cls.company_a, cls.desk)
        cls.funnel_heat = cls._funnel("Heat pump installation", cls.company_a, cls.desk_heat)
        cls.funnel_plain = cls._funnel("Furniture workshop", cls.company_a, False)
        cls.funnel_b = cls._funnel("Windows North", cls.company_b, cls.desk_b)

    @classmethod
    def _desk(cls, name, company, alias, sequence):
        desk = cls.env["project.project"].create(
            {
                "name": name,
                "company_id": company.id,
                "sequence": sequence,
                "is_service_desk": True,
                "privacy_visibility": "portal",
                "service_type_id": cls.type_question.id,
                "alias_name": alias,
            }
        )
        cls.env["project.task.type"].create({"name": "New", "sequence": 1, "project_ids": [Command.link(desk.id)]})
        return desk

    @classmethod
    def _funnel(cls, name, company, desk):
        return cls.env["sale.funnel"].create(
            {
                "name": name,
                "company_id": company.id,
                "service_desk_id": desk and desk.id,
                "stage_ids": funnel_stage_commands(("New", "open"), ("Won", "won"), ("Lost", "lost")),
            }
        )

    @classmethod
    def _deal(cls, funnel, partner=None, confirm=False):
        deal = cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.customer).id,
                "company_id": funnel.company_id.id,
                "funnel_id": funnel.id,
                "order_line": [Command.create({"product_id": cls.product.id, "product_uom_qty": 1})],
            }
        )
        if confirm:
            deal.with_company(deal.company_id).action_confirm()
        return deal


@tagged("erp_crm")
class TestServiceDeskPerFunnel(ServiceDeskCommon):
    def test_the_deals_button_opens_the_request_in_its_funnels_desk(self):
        self.user_sales.group_ids = [Command.link(self.env.ref("project.group_project_user").id)]
        for desk in self.desk | self.desk_heat:
            desk.message_subscribe(self.user_sales.partner_id.ids)
        for funnel, desk in (
            (self.funnel_windows, self.desk),
            (self.funnel_heat, self.desk_heat),
            (self.funnel_plain, self.desk_heat),  # no desk named: the company's first desk, as before
        ):
            deal = self._deal(funnel).with_user(self.user_sales)
            deal.sudo().user_id = self.user_sales
            action = deal.action_open_service_request()
            self.assertEqual(action["context"]["default_project_id"], desk.id, funnel.name)
            with freeze_time(MONDAY_9_BERLIN):
                form = Form(self.env["project.task"].with_user(self.user_sales).with_context(action["context"]))
                form.name = f"Request about {funnel.name}"
                request = form.save()
            self.assertEqual((request.project_id, request.service_order_id), (desk, deal), funnel.name)
            self.assertTrue(request.is_service_request)
            listed = deal.action_view_service_requests()
            self.assertEqual(listed["context"]["default_project_id"], desk.id, "a request added from the list too")

    def test_a_desk_no_longer_a_service_desk_is_skipped(self):
        self.desk.is_service_desk = False
        deal = self._deal(self.funnel_windows)
        self.assertEqual(deal._erp_crm_service_desk(), self.desk_heat, "the company's first desk")

    def test_a_deal_of_another_company_never_lands_in_this_companys_desks(self):
        deal_b = self._deal(self.funnel_b)
        self.assertEqual(deal_b._erp_crm_service_desk(), self.desk_b)
        self.desk_b.is_service_desk = False
        self.assertFalse(deal_b._erp_crm_service_desk(), "the window installer's desks are not offered")
        with self.assertRaisesRegex(UserError, "No service desk"):
            deal_b.action_open_service_request()

    def test_a_funnel_refuses_a_desk_of_another_company_or_a_plain_project(self):
        manager = self.user_manager
        manager.company_ids = [Command.link(self.company_b.id)]
        funnel = self.funnel_windows.with_user(manager)
        with self._refused(r"Service Desk: North service belongs to Windows North"):
            funnel.write({"service_desk_id": self.desk_b.id})
        self.assertEqual(self._stored_desk(self.funnel_windows), self.desk.id, "nothing written")
        plain = self.env["project.project"].create({"name": "Internal", "company_id": self.company_a.id})
        with self._refused(r"Service Desk: Internal is not a service desk"):
            funnel.write({"service_desk_id": plain.id})
        with self._refused("Service Desk: Heat-pump service belongs to"):
            self.env["sale.funnel"].with_user(manager).create(
                {"name": "Shared", "company_id": False, "service_desk_id": self.desk_heat.id}
            )
        self.assertFalse(self.env["sale.funnel"].search([("name", "=", "Shared")]))
        # a funnel moved to another company takes a desk of that company or is refused
        with self._refused("may only send requests to a desk of Windows North"):
            self.funnel_plain.write({"company_id": self.company_b.id, "service_desk_id": self.desk.id})
        self.assertFalse(self._stored_desk(self.funnel_plain))

    @contextmanager
    def _refused(self, pattern):
        """Refused with a ValidationError matching ``pattern``, and rolled back (Odoo's assertRaises)."""
        with self.assertRaises(ValidationError) as caught:
            yield
        self.assertRegex(str(caught.exception), pattern)

    def _stored_desk(self, funnel):
        self.env.invalidate_all()
        return self.env.execute_query(SQL("SELECT service_desk_id FROM sale_funnel WHERE id = %s", funnel.id))[0][0]

    def test_a_request_about_another_companys_deal_is_refused_in_this_desk(self):
        deal_b = self._deal(self.funnel_b)
        tech = self.user_tech
        tech.company_ids = [Command.link(self.company_b.id)]
        companies = (self.company_a | self.company_b).ids  # the technician works in both companies
        tasks = self.env["project.task"].with_user(tech).with_context(allowed_company_ids=companies)
        with self._refused(r"Project: the service desk Window service serves the customers of"):
            tasks.create({"name": "Wrong desk", "project_id": self.desk.id, "service_order_id": deal_b.id})
        self.assertFalse(self.env["project.task"].search([("name", "=", "Wrong desk")]), "nothing written")
        request = self._create_request()
        with self._refused("Open it in a service desk of Windows North"):
            tasks.browse(request.id).write({"service_order_id": deal_b.id})
        self.env.invalidate_all()
        self.assertFalse(request.service_order_id, "nothing written")
        # a customer kept by the other company is not this desk's customer either
        north_customer = self.env["res.partner"].create({"name": "Nils North", "company_id": self.company_b.id})
        with self._refused("serves the customers of"):
            tasks.browse(request.id).write({"partner_id": north_customer.id})
        self.env.invalidate_all()
        self.assertEqual(request.partner_id, self.customer)


@tagged("erp_crm")
class TestServiceDeskAlias(ServiceDeskCommon, MailCase):
    """Requests without a deal go to the desk of the alias they came through."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._init_mail_gateway()
        (cls.desk | cls.desk_heat).alias_domain_id = cls.mail_alias_domain

    def test_each_alias_lands_in_its_own_desk(self):
        for desk in (self.desk_heat, self.desk):
            with mute_logger("odoo.addons.mail.models.mail_thread"), freeze_time(MONDAY_9_BERLIN):
                request = self.format_and_process(
                    SERVICE_MAIL,
                    '"Wanda Window" <wanda@example.com>',
                    desk.alias_id.alias_full_name,
                    subject=f"Leak ({desk.name})",
                    target_model="project.task",
                )
            self.assertEqual((request.project_id, request.partner_id), (desk, self.customer), desk.name)


@tagged("post_install", "-at_install", "erp_crm")
class TestServiceDeskPortal(ServiceDeskCommon, HttpCase):
    """The portal's *Open a service request* on an order page, as the customer's portal user: the desk is the
    order's funnel's, never one the form names, never another company's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(
            cls.env, login="erp_crm_desk_p", groups="base.group_portal", password="erp_crm_desk_p"
        )
        cls.portal.partner_id.parent_id = cls.customer
        cls.portal.company_ids = [Command.link(cls.company_b.id)]
        cls.deal_windows = cls._deal(cls.funnel_windows, confirm=True)
        cls.deal_heat = cls._deal(cls.funnel_heat, confirm=True)
        cls.deal_b = cls._deal(cls.funnel_b, confirm=True)
        (cls.deal_windows | cls.deal_heat | cls.deal_b).message_subscribe(cls.customer.ids)

    def _post(self, order, **data):
        data["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open(f"/my/orders/{order.id}/service_request", data=data)

    def _requests(self):
        return self.env["project.task"].search([("partner_id", "=", self.customer.id)])

    def test_each_order_lands_in_its_funnels_desk_whatever_the_form_says(self):
        self.authenticate("erp_crm_desk_p", "erp_crm_desk_p")
        for deal, desk in ((self.deal_heat, self.desk_heat), (self.deal_windows, self.desk)):
            # a forged desk (another company's) in the form is not taken: the desk is the order's
            response = self._post(deal, name=f"Help with {deal.name}", project_id=str(self.desk_b.id))
            self.assertEqual(response.status_code, 200)
            request = self._requests().filtered(lambda task, deal=deal: task.service_order_id == deal)
            self.assertEqual(request.project_id, desk, deal.funnel_id.name)
        self.assertFalse(self.env["project.task"].search([("project_id", "=", self.desk_b.id)]))

    def test_an_order_of_a_company_without_a_desk_gets_no_form_and_404(self):
        self.authenticate("erp_crm_desk_p", "erp_crm_desk_p")
        page = self.url_open(f"/my/orders/{self.deal_b.id}")
        self.assertIn('id="erp_crm_service"', page.text, "the order's own company's desk is offered")
        self.desk_b.is_service_desk = False
        page = self.url_open(f"/my/orders/{self.deal_b.id}")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn('id="erp_crm_service"', page.text, "the other company's desks are not offered")
        response = self._post(self.deal_b, name="Anywhere", project_id=str(self.desk.id))
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self._requests(), "nothing created")
