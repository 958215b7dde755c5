"""The holes a probe found (issue 7), replayed as the attacking user calls it over RPC: refused, nothing written."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import freeze_time, new_test_user, tagged

from .erp_common import ErpFulfilmentCommon, ErpTriggerCommon


@tagged("erp_crm", "erp_crm_security")
class TestBookkeepingIsNotWritable(ErpTriggerCommon):
    """Salespeople cannot pass financial gates by writing the deal's figures or creating deals past them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_production.write({"gate_prepaid_percent": 50.0, "confirm_order_on_entry": True})
        cls.deal = cls._create_deal(user_id=cls.user_sales.id)

    def _count_deals(self):
        return self.env["sale.order"].search_count([("funnel_id", "=", self.funnel.id)])

    def test_salesperson_cannot_write_paid_percent_to_open_the_gate(self):
        deal = self.deal.with_user(self.user_sales)
        with self.assertRaisesRegex(UserError, r"Paid \(%\) cannot be written"):
            deal.write({"paid_percent": 100})
        self.assertEqual(self.deal.paid_percent, 0.0)
        with self.assertRaisesRegex(UserError, "needs 50% prepaid before Production"):
            deal.write({"stage_id": self.stage_production.id})
        self.assertEqual(self.deal.stage_id, self.stage_call)
        self.assertEqual(self.deal.state, "draft", "the order was not confirmed")

    def test_every_bookkeeping_field_is_refused(self):
        deal = self.deal.with_user(self.user_sales)
        values = {
            "won_status": "won",
            "date_stage": "2020-01-01 00:00:00",
            "sla_escalated": True,
            "sla_deadline": "2030-01-01 00:00:00",
            "invoiced_percent": 100.0,
            "delivered_percent": 100.0,
            "produced_percent": 100.0,
            "production_status": "done",
        }
        for fname, value in values.items():
            with self.subTest(field=fname), self.assertRaises(UserError):
                deal.write({fname: value})
        self.assertEqual(self.deal.won_status, "pending")
        self.assertFalse(self.deal.sla_escalated)

    def test_creating_a_deal_in_a_gated_stage_goes_through_the_gate(self):
        before = self._count_deals()
        Order = self.env["sale.order"].with_user(self.user_sales)
        vals = {
            "partner_id": self.partner.id,
            "funnel_id": self.funnel.id,
            "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 1})],
        }
        # assertRaises rolls back to a savepoint, as an RPC call that fails rolls back its transaction.
        with self.assertRaises(UserError) as refusal:
            Order.create({**vals, "stage_id": self.stage_production.id})
        self.assertIn("needs 50% prepaid before Production: 0% paid", str(refusal.exception))
        self.assertEqual(self._count_deals(), before, "no deal made past the gate")
        with self.assertRaises(UserError) as refusal:
            Order.create({**vals, "paid_percent": 100.0})
        self.assertIn("cannot be written", str(refusal.exception))
        self.assertEqual(self._count_deals(), before)

    def test_creating_a_won_deal_confirms_it_like_a_move(self):
        deal = (
            self.env["sale.order"]
            .with_user(self.user_sales)
            .create(
                {
                    "partner_id": self.partner.id,
                    "stage_id": self.stage_won.id,
                    "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 1})],
                }
            )
        )
        self.assertEqual(deal.won_status, "won")
        self.assertEqual(deal.state, "sale", "a won deal is a confirmed sale, however it got there")
        with self.assertRaisesRegex(ValidationError, "can only be lost with a reason"):
            self.env["sale.order"].with_user(self.user_sales).create(
                {"partner_id": self.partner.id, "stage_id": self.stage_lost.id}
            )

    def test_bad_stage_values_are_refused_cleanly(self):
        deal = self.deal.with_user(self.user_sales)
        for value, message in (
            ("abc", "is not a stage"),
            ([self.stage_measure.id, self.stage_approval.id], "is not a stage"),
            (True, "is not a stage"),
            (10**9, "no stage with the id"),
        ):
            with self.subTest(value=value), self.assertRaisesRegex(ValidationError, message):
                deal.write({"stage_id": value})
        self.assertEqual(self.deal.stage_id, self.stage_call)
        self.assertEqual(len(self.deal.stage_history_ids), 1, "nothing recorded")


@tagged("erp_crm", "erp_crm_security")
class TestRoleHolders(ErpTriggerCommon):
    """Who holds a role on a deal is decided by people who may edit that deal, among its company's staff."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.role = cls.env["sale.funnel.role"].create({"name": "Surveyor", "funnel_id": cls.funnel.id})
        cls.deal_own = cls._create_deal(user_id=cls.user_sales.id)
        cls.deal_other = cls._create_deal(user_id=cls.user_sales_2.id)
        cls.company_b = cls.env["res.company"].create({"name": "Other Windows Ltd"})
        cls.user_other_company = new_test_user(
            cls.env,
            login="erp_crm_other_co",
            groups="erp_crm.erp_crm_group_user",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.portal_user = new_test_user(cls.env, login="erp_crm_portal_holder", groups="base.group_portal")

    def test_assignment_cannot_be_moved_to_a_deal_the_user_cannot_edit(self):
        RoleUser = self.env["sale.order.role.user"].with_user(self.user_sales)
        line = RoleUser.create({"order_id": self.deal_own.id, "role_id": self.role.id, "user_id": self.user_sales.id})
        with self.assertRaises(AccessError):
            line.write({"order_id": self.deal_other.id})
        self.assertEqual(line.sudo().order_id, self.deal_own)
        with self.assertRaises(AccessError):
            RoleUser.create({"order_id": self.deal_other.id, "role_id": self.role.id, "user_id": self.user_sales.id})
        self.assertFalse(self.deal_other.role_user_ids)

    def test_holders_are_internal_users_of_the_deal_company(self):
        RoleUser = self.env["sale.order.role.user"].with_user(self.user_sales)
        for holder, message in (
            (self.portal_user, "not an internal user"),
            (self.user_other_company, "does not work for"),
        ):
            with self.subTest(holder=holder.login), self.assertRaises(ValidationError) as refusal:
                RoleUser.create({"order_id": self.deal_own.id, "role_id": self.role.id, "user_id": holder.id})
            self.assertIn(message, str(refusal.exception))
        self.assertFalse(self.deal_own.role_user_ids)


@tagged("erp_crm", "erp_crm_security")
class TestTaskLinks(ErpFulfilmentCommon):
    """A project user without sales rights cannot win a deal by planting and closing a task on it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_won.write({"trigger": "task_closed"})
        cls._create_task_robot(cls.project, role=cls.role_installer)
        cls.deal = cls._create_window_deal(user_id=cls.user_sales.id)

    def test_project_user_cannot_link_a_task_to_a_deal(self):
        """Odoo's link is made (service time is billed so), but the planted tasks never move the deal; nor does the
        confirmation Odoo makes when a quotation's line gets a task."""
        self.stage_measure.trigger = "order_confirmed"
        service = self.env["product.product"].create({"name": "Fitting hour", "type": "service"})
        line = self.env["sale.order.line"].create({"order_id": self.deal.id, "product_id": service.id})
        Task = self.env["project.task"].with_user(self.user_installer)
        self.assertTrue(self.deal.with_user(self.user_installer).read(["name"]), "he can read the deal")
        planted = Task.create({"name": "Fake job", "project_id": self.project.id, "sale_order_id": self.deal.id})
        planted |= Task.create({"name": "Fake job", "project_id": self.project.id, "sale_line_id": line.id})
        task = Task.create({"name": "Own job", "project_id": self.project.id})
        task.write({"sale_line_id": line.id})
        planted |= task
        self.assertEqual(planted.sale_order_id, self.deal)
        planted.write({"state": "1_done"})
        self.assertFalse(any(planted.sudo().mapped("erp_crm_moves_deal")))
        self.assertEqual(self.deal.state, "sale", "Odoo confirms a quotation whose line gets a task")
        self.assertEqual(self.deal.stage_id, self.stage_call, "the deal does not move")

    def test_tasks_linked_by_the_deal_still_drive_it(self):
        self.deal.write({"stage_id": self.stage_installation.id})  # the stage's robot makes the installer's task
        task = self.env["project.task"].search([("sale_order_id", "=", self.deal.id)])
        self.assertTrue(task)
        task.with_user(self.user_installer).write({"state": "1_done"})
        self.assertEqual(self.deal.stage_id, self.stage_won, "a real, authorised task still wins the deal")

    def test_salesperson_links_a_task_to_own_deal(self):
        self.user_sales.group_ids += self.env.ref("project.group_project_user")
        task = (
            self.env["project.task"]
            .with_user(self.user_sales)
            .create({"name": "Measure again", "project_id": self.project.id, "sale_order_id": self.deal.id})
        )
        self.assertEqual(task.sale_order_id, self.deal)


@tagged("erp_crm", "erp_crm_security")
class TestSystemMessagesAndPortal(ErpTriggerCommon):
    """Messages the system writes on deals name no amounts; customers read none of the deal's internals."""

    @freeze_time("2026-03-20 10:00:00")
    def test_held_back_trigger_note_names_no_amount(self):
        self.stage_payment.trigger = "invoice_posted"
        self.stage_production.write(
            {"trigger": "down_payment_paid", "trigger_percent": 10.0, "gate_no_overdue_invoices": True}
        )
        self._overdue_invoice(12345.67)
        deal = self._create_deal(user_id=self.user_sales.id)
        invoice = self._down_payment(deal, 50.0)
        self._pay(invoice)  # paid by the accountant: the trigger is met, the overdue gate holds the deal
        self.assertEqual(deal.stage_id, self.stage_payment)
        notes = deal.with_user(self.user_sales).message_ids.filtered(lambda m: "Not moved to" in (m.body or ""))
        self.assertTrue(notes, "the salesperson reads why the deal stayed")
        self.assertIn("1 overdue invoice(s)", notes[0].body)
        self.assertNotIn("12,345", notes[0].body)
        self.assertNotIn("due", notes[0].body.split("overdue invoice(s)")[1])

    def test_portal_customer_reads_no_internal_deal_field(self):
        portal = new_test_user(self.env, login="erp_crm_portal_customer", groups="base.group_portal")
        deal = self._create_deal(partner_id=portal.partner_id.id)
        deal.message_subscribe(portal.partner_id.ids)
        deal_as_customer = deal.with_user(portal)
        self.assertTrue(deal_as_customer.read(["name", "amount_total"]), "the customer reads their order")
        for fname in ("stage_requirements", "sla_deadline", "won_status", "lost_reason_id", "date_stage"):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                deal_as_customer.read([fname])
