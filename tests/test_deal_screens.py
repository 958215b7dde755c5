from ast import literal_eval

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import ErpCrmCommon


@tagged("erp_crm")
class TestDealScreens(ErpCrmCommon):
    """What the deal's screens call: the Won button, the salesperson's own figures, the plain quotation form."""

    def test_won_button_moves_the_deal_through_the_door(self):
        deal = self._create_deal(user_id=self.user_sales.id)
        deal.with_user(self.user_sales).action_mark_won()
        self.assertEqual(deal.stage_id, self.stage_won)
        self.assertEqual(deal.won_status, "won")
        self.assertEqual(deal.state, "sale", "a won deal is a confirmed sale")
        self.assertEqual(deal.stage_history_ids.sorted("id")[-1].stage_id, self.stage_won)

    def test_won_button_in_a_funnel_without_won_stage(self):
        funnel = self.env["sale.funnel"].create({"name": "No won stage"})
        funnel.stage_ids.filtered(lambda s: s.kind == "won").unlink()
        deal = self.env["sale.order"].create({"partner_id": self.partner.id, "funnel_id": funnel.id})
        with self.assertRaisesRegex(UserError, "has no won stage"):
            deal.action_mark_won()
        self.assertEqual(deal.won_status, "pending")

    def test_pipeline_path_is_the_menu_action(self):
        """/odoo/deals runs the menu's own action, so that the web client opens it inside the Sales app."""
        menu = self.env.ref("erp_crm.sale_order_menu_deals")
        self.assertEqual(menu.action, self.env.ref("erp_crm.sale_order_action_server_deals"))
        self.assertEqual(menu.action.path, "deals")
        self.assertEqual(self.env["ir.actions.actions"].search_count([("path", "=", "deals")]), 1)
        action = self.env["sale.order"].with_user(self.user_sales).action_open_deals()
        self.assertEqual(action["res_model"], "sale.order")
        self.assertEqual(action["context"]["searchpanel_default_funnel_id"], self.funnel.id)

    def test_salesperson_reaches_own_figures(self):
        """Reporting is for sales managers in Odoo; a salesperson gets My Figures under Sales > Deals."""
        mine = self._create_deal(user_id=self.user_sales.id)
        self._create_deal(user_id=self.user_sales_2.id)
        menus = self.env["ir.ui.menu"].with_user(self.user_sales).load_menus(False)
        figures = self.env.ref("erp_crm.sale_order_menu_deals_my_figures")
        stage_times = self.env.ref("erp_crm.sale_funnel_stage_history_menu_mine")
        self.assertIn(figures.id, menus)
        self.assertIn(stage_times.id, menus)
        self.assertNotIn(self.env.ref("sale.menu_sale_report").id, menus, "Odoo's Reporting stays for managers")
        action = self.env.ref("erp_crm.sale_order_action_deals_my_figures")
        Order = self.env["sale.order"].with_user(self.user_sales)
        domain = [*literal_eval(action.domain), ("user_id", "=", self.user_sales.id)]  # the action's "My Deals" filter
        groups = Order.formatted_read_group(domain, ["stage_id"], ["__count", "amount_untaxed:sum"])
        self.assertEqual([(g["stage_id"][0], g["__count"]) for g in groups], [(self.stage_call.id, 1)])
        self.assertEqual(groups[0]["amount_untaxed:sum"], mine.amount_untaxed)
        History = self.env["sale.funnel.stage.history"].with_user(self.user_sales)
        self.assertEqual(History.search([("salesperson_id", "=", self.user_sales.id)]).order_id, mine)

    def test_plain_quotation_form_for_users_outside_the_funnels(self):
        """A salesperson without erp_crm rights opens the quotation form (no stage bar, no deal tab)."""
        seller = new_test_user(self.env, login="plain_seller", groups="sales_team.group_sale_salesman")
        views = self.env["sale.order"].with_user(seller).get_views([(False, "form")])
        arch = views["views"]["form"]["arch"]
        self.assertNotIn("erp_crm_stage_bar", arch)
        self.assertIn('name="state" widget="statusbar"', arch)
        arch = self.env["sale.order"].with_user(self.user_sales).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("erp_crm_stage_bar", arch)
