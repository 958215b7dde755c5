from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import ErpCrmCommon


@tagged("erp_crm")
class TestDealAccess(ErpCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deal_own = cls._create_deal(user_id=cls.user_sales.id)
        cls.deal_other = cls._create_deal(user_id=cls.user_sales_2.id)
        cls.deal_unassigned = cls._create_deal(user_id=False)

    def test_user_sees_own_and_unassigned_deals_only(self):
        Order = self.env["sale.order"].with_user(self.user_sales)
        visible = Order.search([("funnel_id", "=", self.funnel.id)])
        self.assertEqual(visible, self.deal_own | self.deal_unassigned)
        with self.assertRaises(AccessError):
            self.deal_other.with_user(self.user_sales).read(["stage_id"])
        with self.assertRaises(AccessError):
            self.deal_other.with_user(self.user_sales).write({"stage_id": self.stage_measure.id})
        self.assertEqual(self.deal_other.stage_id, self.stage_call)

    def test_user_moves_own_deal_and_reads_its_history(self):
        deal = self.deal_own.with_user(self.user_sales)
        deal.write({"stage_id": self.stage_measure.id})
        self.assertEqual(deal.stage_id, self.stage_measure)
        History = self.env["sale.funnel.stage.history"].with_user(self.user_sales)
        rows = History.search([])
        self.assertIn(deal.stage_history_ids[0], rows)
        self.assertFalse(rows.filtered(lambda r: r.order_id == self.deal_other), "no history of others' deals")
        with self.assertRaises(AccessError):
            rows[0].write({"duration_hours": 0})
        with self.assertRaises(AccessError):
            History.create({"order_id": deal.id, "date_in": "2026-01-01 00:00:00"})

    def test_all_deals_user_sees_every_deal(self):
        Order = self.env["sale.order"].with_user(self.user_all)
        self.assertEqual(
            Order.search([("funnel_id", "=", self.funnel.id)]),
            self.deal_own | self.deal_other | self.deal_unassigned,
        )
        self.deal_other.with_user(self.user_all).write({"stage_id": self.stage_measure.id})
        self.assertEqual(self.deal_other.stage_id, self.stage_measure)

    def test_only_managers_configure_funnels_stages_and_reasons(self):
        for model, vals in (
            ("sale.funnel", {"name": "New line"}),
            ("sale.funnel.stage", {"name": "Extra", "funnel_id": self.funnel.id}),
            ("sale.lost.reason", {"name": "Weather"}),
        ):
            with self.subTest(model=model):
                with self.assertRaises(AccessError):
                    self.env[model].with_user(self.user_all).create(vals)
                record = self.env[model].with_user(self.user_manager).create(vals)
                self.assertTrue(record.exists())
        self.assertTrue(self.funnel.with_user(self.user_sales).read(["name"]))
        with self.assertRaises(AccessError):
            self.stage_call.with_user(self.user_sales).write({"probability": 50})

    def test_user_can_mark_own_deal_lost(self):
        wizard = (
            self.env["sale.order.lost"]
            .with_user(self.user_sales)
            .create({"order_ids": [Command.set(self.deal_own.ids)], "lost_reason_id": self.lost_reason.id})
        )
        wizard.action_mark_lost()
        self.assertEqual(self.deal_own.won_status, "lost")
        self.assertEqual(self.deal_own.stage_history_ids[0].user_id, self.user_sales)


@tagged("erp_crm")
class TestMultiCompany(ErpCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Windows South"})
        cls.funnel_b = cls.env["sale.funnel"].create({"name": "South funnel", "company_id": cls.company_b.id})
        cls.partner_b = cls.env["res.partner"].create({"name": "South customer", "company_id": cls.company_b.id})
        cls.deal_b = (
            cls.env["sale.order"]
            .with_company(cls.company_b)
            .create({"partner_id": cls.partner_b.id, "company_id": cls.company_b.id, "funnel_id": cls.funnel_b.id})
        )
        cls.user_all.write({"company_ids": [Command.link(cls.company_b.id)]})

    def test_company_a_user_does_not_see_company_b(self):
        env = self.env(user=self.user_all, context={"allowed_company_ids": [self.env.company.id]})
        self.assertFalse(env["sale.funnel"].search([("id", "=", self.funnel_b.id)]))
        self.assertFalse(env["sale.funnel.stage"].search([("funnel_id", "=", self.funnel_b.id)]))
        self.assertFalse(env["sale.order"].search([("id", "=", self.deal_b.id)]))
        self.assertFalse(env["sale.funnel.stage.history"].search([("order_id", "=", self.deal_b.id)]))
        with self.assertRaises(AccessError):
            self.deal_b.with_env(env).read(["stage_id"])

    def test_user_of_both_companies_sees_both_when_both_are_active(self):
        env = self.env(user=self.user_all, context={"allowed_company_ids": [self.env.company.id, self.company_b.id]})
        Funnel = env["sale.funnel"]
        self.assertIn(self.funnel_b, Funnel.search([]))
        self.assertEqual(self.deal_b.stage_history_ids.company_id, self.company_b)

    def test_deal_cannot_use_a_funnel_of_another_company(self):
        deal = self._create_deal()
        with self.assertRaises(UserError):  # check_company: "Incompatible companies on records"
            deal.write({"funnel_id": self.funnel_b.id})
