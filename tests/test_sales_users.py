"""Installing erp_crm takes the Sales app from nobody, and the admin's funnel setup works as a user takes it (#8)."""

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from .common import ErpCrmCommon


@tagged("erp_crm")
class TestSalesUsersOutsideErpCrm(ErpCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plain_salesman = new_test_user(
            cls.env, login="plain_salesman", groups="sales_team.group_sale_salesman", name="Paula Plain"
        )
        cls.env["sale.funnel.robot"].create(
            {"name": "Call back", "stage_id": cls.stage_call.id, "kind": "activity", "summary": "Call back"}
        )

    def test_sales_user_without_erp_crm_group_makes_quotations(self):
        with Form(self.env["sale.order"].with_user(self.plain_salesman)) as form:
            form.partner_id = self.partner
            with form.order_line.new() as line:
                line.product_id = self.product
        quotation = form.record
        self.assertEqual(quotation.user_id, self.plain_salesman)
        self.assertEqual(quotation.stage_id, self.stage_call, "the team's funnel is there for them too")
        self.assertEqual(len(quotation.stage_history_ids), 1)
        self.assertEqual(quotation.activity_ids.summary, "Call back", "the stage's robots ran")
        quotation.with_user(self.plain_salesman).action_confirm()
        self.assertEqual(quotation.state, "sale")

    def test_sales_user_moves_and_reads_own_deal(self):
        deal = self._create_deal(user_id=self.plain_salesman.id).with_user(self.plain_salesman)
        deal.write({"stage_id": self.stage_measure.id})
        self.assertEqual(deal.stage_history_ids.stage_id, self.stage_call | self.stage_measure)
        self.assertTrue(deal.robot_run_ids, "the robot log of their own deal")
        other = self._create_deal(user_id=self.user_sales.id)
        self.assertFalse(
            self.env["sale.funnel.stage.history"].with_user(self.plain_salesman).search([("order_id", "=", other.id)]),
            "not the history of others' deals",
        )

    def test_quotation_without_any_funnel(self):
        self.sale_team.funnel_id = False
        self.env["sale.funnel"].search([]).action_archive()
        quotation = (
            self.env["sale.order"]
            .with_user(self.plain_salesman)
            .create(
                {
                    "partner_id": self.partner.id,
                    "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 1})],
                }
            )
        )
        self.assertFalse(quotation.funnel_id)
        self.assertFalse(quotation.stage_id)
        quotation.with_user(self.plain_salesman).action_confirm()
        self.assertEqual(quotation.state, "sale")


@tagged("erp_crm")
class TestFunnelOfTheTeam(ErpCrmCommon):
    """A funnel made in the form, then chosen on a team: single company, then two companies."""

    def _new_funnel_in_form(self, name):
        with Form(self.env["sale.funnel"].with_user(self.user_manager)) as form:
            form.name = name
        return form.record

    def test_funnel_made_in_the_form_is_the_default_of_odoos_sales_team(self):
        team = self.env.ref("sales_team.team_sales_department")
        self.assertFalse(team.company_id, "Odoo's own Sales team has no company")
        funnel = self._new_funnel_in_form("Repeat sales")
        self.assertEqual(funnel.company_id, self.env.company)
        with Form(team.with_user(self.user_manager)) as form:
            form.funnel_id = funnel
        self.assertEqual(team.funnel_id, funnel)
        deal = self.env["sale.order"].create({"partner_id": self.partner.id, "team_id": team.id})
        self.assertEqual(deal.funnel_id, funnel)
        self.assertEqual(deal.stage_id, funnel._get_first_open_stage())

    def test_two_companies(self):
        company_b = self.env["res.company"].create({"name": "Windows North"})
        self.user_manager.write({"company_ids": [Command.link(company_b.id)]})
        funnel_a = self._new_funnel_in_form("Windows A")
        funnel_b = self._new_funnel_in_form("Windows B")
        funnel_b.company_id = company_b
        team_a = self.env["crm.team"].create({"name": "Team A", "company_id": self.env.company.id})
        team_a.with_user(self.user_manager).funnel_id = funnel_a
        with self.assertRaisesRegex(ValidationError, "Default Funnel: “Windows B” belongs to Windows North"):
            team_a.with_user(self.user_manager).funnel_id = funnel_b
        shared = self.env["crm.team"].create({"name": "Shared team", "company_id": False})
        shared.with_user(self.user_manager).funnel_id = funnel_a
        deal_b = self.env["sale.order"].create(
            {"partner_id": self.partner.id, "team_id": shared.id, "company_id": company_b.id}
        )
        self.assertNotEqual(deal_b.funnel_id, funnel_a, "a deal of company B never gets company A's funnel")
        self.assertIn(deal_b.funnel_id.company_id, (company_b, self.env["res.company"]))
