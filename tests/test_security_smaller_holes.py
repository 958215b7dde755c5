"""The smaller holes of issue 18 (item 6), each replayed as the attacking user through the public ORM method it used:
refused with a clear message, nothing written and nothing learned."""

from contextlib import contextmanager

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import ErpCrmCommon
from .test_service_security import ServiceSecurityCommon


class RefusalMixin:
    @contextmanager
    def _refused(self, exception, pattern):
        """Refused with ``exception`` whose message matches ``pattern``; rolled back as an RPC call would be
        (Odoo's assertRaises restores a savepoint, unittest's assertRaisesRegex does not)."""
        with self.assertRaises(exception) as refusal:
            yield
        self.assertRegex(str(refusal.exception), pattern)


@tagged("erp_crm", "erp_crm_security")
class TestDealHoles(RefusalMixin, ErpCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.carla = cls.env["res.partner"].create({"name": "Carla Customer", "is_company": True})
        cls.portal = new_test_user(
            cls.env, login="erp_crm_holes_portal", groups="base.group_portal", parent_id=cls.carla.id
        )
        cls.deal = cls._create_deal(partner_id=cls.carla.id, user_id=cls.user_sales.id)
        cls.deal.message_subscribe(cls.portal.partner_id.ids)  # Odoo's portal access to one's orders

    def test_portal_customer_reads_no_stage_of_their_order(self):
        self.deal._mark_lost(self.lost_reason)
        self.assertEqual(self.deal.stage_id, self.stage_lost)
        order = self.deal.with_user(self.portal)
        self.assertEqual(order.read(["name"])[0]["name"], self.deal.name, "the customer reads their order")
        for fname in ("stage_id", "stage_kind", "erp_crm_is_reengagement"):
            with self.subTest(field=fname):
                with self.assertRaises(AccessError):
                    order.read([fname])
                with self.assertRaises(AccessError):
                    order.search_read([], [fname])
                with self.assertRaises(AccessError):
                    order.web_read({fname: {}})
        for domain in ([("stage_kind", "=", "lost")], [("stage_id.name", "=", "Lost")], [("stage_id", "!=", False)]):
            with self.subTest(domain=domain), self.assertRaises(AccessError):
                order.search_count(domain)

    def test_portal_page_still_shows_the_stages_meant_for_customers(self):
        progress = self.deal.sudo()._get_portal_progress()  # as the portal controller calls it (order_sudo)
        self.assertEqual(progress["stages"][0]["name"], "First call")

    def test_lost_reason_cannot_be_written_on_an_open_deal(self):
        deal = self.deal.with_user(self.user_sales)
        for vals in (
            {"lost_reason_id": self.lost_reason.id},
            {"lost_reason_id": self.lost_reason.id, "stage_id": self.stage_measure.id},
        ):
            with self.subTest(vals=vals), self._refused(UserError, "Lost Reason: .*Mark as Lost"):
                deal.write(vals)
        self.assertFalse(self.deal.lost_reason_id)
        self.assertEqual(self.deal.won_status, "pending")
        self.assertEqual(self.deal.stage_id, self.stage_call)
        self.assertEqual(len(self.deal.stage_history_ids), 1, "no history written")
        before = self.env["sale.order"].search_count([])
        with self._refused(UserError, "Lost Reason: a new deal"):
            self.env["sale.order"].with_user(self.user_sales).create(
                {"partner_id": self.carla.id, "funnel_id": self.funnel.id, "lost_reason_id": self.lost_reason.id}
            )
        self.assertEqual(self.env["sale.order"].search_count([]), before)

    def test_mark_as_lost_still_gives_the_reason(self):
        wizard = (
            self.env["sale.order.lost"]
            .with_user(self.user_sales)
            .create({"order_ids": [Command.set(self.deal.ids)], "lost_reason_id": self.lost_reason.id})
        )
        wizard.action_mark_lost()
        self.assertEqual(self.deal.stage_id, self.stage_lost)
        self.assertEqual(self.deal.lost_reason_id, self.lost_reason)
        other = self.env.ref("erp_crm.sale_lost_reason_cancelled")
        self.deal.with_user(self.user_sales).write({"lost_reason_id": other.id})  # a lost deal's reason corrected
        self.assertEqual(self.deal.lost_reason_id, other)

    def test_intake_token_is_generated_never_chosen(self):
        funnel = self.funnel.with_user(self.user_manager)
        funnel.action_generate_intake_token()
        token = self.funnel.intake_token
        self.assertTrue(token)
        for value in ("chosen-by-me", False):
            with self.subTest(value=value), self._refused(UserError, "Web Form Token"):
                funnel.write({"intake_token": value})
        self.assertEqual(self.funnel.intake_token, token, "the token is unchanged")
        with self._refused(UserError, "Web Form Token"):
            self.env["sale.funnel"].with_user(self.user_manager).create({"name": "Copy", "intake_token": token})
        self.assertFalse(self.env["sale.funnel"].search([("name", "=", "Copy")]))

    def test_no_sales_target_for_a_portal_user(self):
        Target = self.env["sale.target"].with_user(self.user_manager)
        vals = {"date_from": "2026-01-01", "date_to": "2026-03-31", "target_won_count": 3}
        with self._refused(ValidationError, "Salesperson: .* not an internal user"):
            Target.create({**vals, "user_id": self.portal.id})
        self.assertFalse(self.env["sale.target"].search([("user_id", "=", self.portal.id)]))
        target = Target.create({**vals, "user_id": self.user_sales.id})
        with self._refused(ValidationError, "not an internal user"):
            target.write({"user_id": self.portal.id})
        self.assertEqual(target.user_id, self.user_sales)


@tagged("erp_crm", "erp_crm_security")
class TestServiceRequestHoles(RefusalMixin, ServiceSecurityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kitchen = cls.env["project.project"].create({"name": "Kitchens", "is_service_desk": True})
        cls.kitchen_done = cls.env["project.task.type"].create(
            {"name": "Kitchen done", "sequence": 99, "project_ids": [Command.link(cls.kitchen.id)]}
        )
        cls.deal_wanda = cls._create_deal(partner_id=cls.customer.id, user_id=cls.user_sales.id)
        cls.deal_paul = cls._create_deal(partner_id=cls.customer_2.id, user_id=cls.user_sales_2.id)

    def test_portal_customer_reads_no_service_priority(self):
        self.request_1.service_priority = "high"  # as an A customer's request would be
        request = self.request_1.with_user(self.portal_1)
        self.assertTrue(request.read(["name", "service_type_id"]), "the customer reads their request")
        with self.assertRaises(AccessError):
            request.read(["service_priority"])
        with self.assertRaises(AccessError):
            request.search_count([("service_priority", "=", "high")])
        with self.assertRaises(AccessError):
            request.search([], order="service_priority")

    def test_request_cannot_move_into_another_projects_stage(self):
        request = self.request_1.with_user(self.user_tech)
        line = self._line(self.request_1, self.policy_resolution)
        self.assertEqual(line.status, "ongoing")
        with self._refused(ValidationError, "Stage: Kitchen done is not a stage of Window service"):
            request.write({"stage_id": self.kitchen_done.id})
        self.assertEqual(self.request_1.stage_id, self.stage_new)
        self.assertEqual(line.status, "ongoing", "the SLA target is not reached")
        with self._refused(ValidationError, "is not a stage of Window service"):
            self.env["project.task"].with_user(self.user_tech).create(
                {"name": "Sneaky", "project_id": self.desk.id, "stage_id": self.kitchen_done.id}
            )
        self.assertNotIn(self.kitchen_done, self.desk.type_ids, "the desk's stages are unchanged")

    def test_sla_compares_stages_of_the_requests_own_project(self):
        lines = self.request_1.sla_ids
        ghost = self.env["project.task"].new(
            {"project_id": self.desk.id, "stage_id": self.kitchen_done.id, "name": "Ghost"}
        )
        self.assertFalse(ghost._erp_crm_sla_reached(lines), "a later stage of another project reaches nothing")
        self.assertEqual(self.request_1._erp_crm_sla_reached(lines), self.env["project.task.sla"])
        in_solved = self.env["project.task"].new({"project_id": self.desk.id, "stage_id": self.stage_solved.id})
        self.assertEqual(in_solved._erp_crm_sla_reached(lines), lines, "the desk's own last stage reaches both")

    def test_request_cannot_be_linked_to_another_customers_deal(self):
        request = self.request_1.with_user(self.user_tech)  # Wanda's request
        request.write({"service_order_id": self.deal_wanda.id})  # her own deal: fine
        with self._refused(ValidationError, "Deal: .* is not a deal of the request's customer Wanda Window"):
            request.write({"service_order_id": self.deal_paul.id})
        self.assertEqual(self.request_1.service_order_id, self.deal_wanda)
        with self._refused(ValidationError, "is not a deal of the request's customer"):
            request.write({"partner_id": self.customer_2.id, "service_order_id": self.deal_wanda.id})
        self.assertEqual(self.request_1.partner_id, self.customer)
        Task = self.env["project.task"].with_user(self.user_tech)
        before = Task.search_count([])
        for task_vals, context in (
            ({"service_order_id": self.deal_paul.id}, {}),
            ({}, {"default_service_order_id": self.deal_paul.id}),  # the deal from the context's defaults
        ):
            with self.subTest(context=context), self.assertRaises(ValidationError):
                Task.with_context(**context).create(
                    {"name": "Sneaky", "project_id": self.desk.id, "partner_id": self.customer.id, **task_vals}
                )
        self.assertEqual(Task.search_count([]), before, "no request created")

    def test_the_deals_salesperson_may_link_it_on_purpose(self):
        self.user_sales_2.group_ids = [Command.link(self.env.ref("project.group_project_user").id)]
        self.desk.message_subscribe(self.user_sales_2.partner_id.ids)
        self.request_1.with_user(self.user_sales_2).write({"service_order_id": self.deal_paul.id})
        self.assertEqual(self.request_1.service_order_id, self.deal_paul)
