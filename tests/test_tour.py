from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged

from .common import funnel_stage_commands


@tagged("post_install", "-at_install", "erp_crm")
class TestDealTour(HttpCase):
    def test_drag_deal_to_next_stage(self):
        stages = funnel_stage_commands(
            ("First call", "open"), ("Measurement", "open"), ("Won", "won"), ("Lost", "lost")
        )
        funnel = self.env["sale.funnel"].create({"name": "Tour windows", "stage_ids": stages})
        user = new_test_user(self.env, login="erp_crm_tour", groups="erp_crm.erp_crm_group_user", name="Tina Tour")
        partner = self.env["res.partner"].create({"name": "Tour customer"})
        deal = self.env["sale.order"].create(
            {"partner_id": partner.id, "funnel_id": funnel.id, "title": "Tour windows deal", "user_id": user.id}
        )
        self.start_tour(
            "/odoo/action-erp_crm.sale_order_action_deals",
            "erp_crm_deal_drag_tour",
            login="erp_crm_tour",
        )
        self.assertEqual(deal.stage_id.name, "Measurement")
        rows = deal.stage_history_ids.sorted("id")
        self.assertEqual(rows.mapped("stage_id.name"), ["First call", "Measurement"])
        self.assertEqual(rows[-1].user_id, user)
        quick = self.env["sale.order"].search([("title", "=", "Balcony door, 2nd floor")])
        self.assertEqual((quick.partner_id, quick.funnel_id, quick.stage_id.name), (partner, funnel, "First call"))

    def test_add_robot_on_the_robot_board(self):
        stages = funnel_stage_commands(("First call", "open"), ("Measurement", "open"), ("Won", "won"))
        funnel = self.env["sale.funnel"].create({"name": "Board funnel", "stage_ids": stages})
        self.env["sale.funnel.robot"].create({"name": "Call back", "stage_id": funnel.stage_ids[0].id})
        new_test_user(self.env, login="erp_crm_tour_admin", groups="erp_crm.erp_crm_group_manager", name="Adam Admin")
        self.start_tour(
            f"/odoo/action-erp_crm.sale_funnel_action/{funnel.id}",
            "erp_crm_robot_board_tour",
            login="erp_crm_tour_admin",
        )
        robot = self.env["sale.funnel.robot"].search([("name", "=", "Measure on site")])
        self.assertEqual(robot.stage_id.name, "Measurement")
        self.assertEqual((robot.kind, robot.deadline_amount), ("activity", 4))


@tagged("post_install", "-at_install", "erp_crm")
class TestFunnelChartTour(HttpCase):
    def test_funnel_chart(self):
        stages = funnel_stage_commands(
            ("First call", "open"), ("Measurement", "open"), ("Won", "won"), ("Lost", "lost")
        )
        funnel = self.env["sale.funnel"].create({"name": "Chart windows", "stage_ids": stages})
        __, measure, won, __ = funnel.stage_ids
        user = new_test_user(self.env, login="erp_crm_chart", groups="erp_crm.erp_crm_group_all_deals")
        partner = self.env["res.partner"].create({"name": "Chart customer"})
        reason = self.env.ref("erp_crm.sale_lost_reason_price")
        with freeze_time(fields.Datetime.now() - timedelta(days=60)):
            deals = self.env["sale.order"].create(
                [{"partner_id": partner.id, "funnel_id": funnel.id, "user_id": user.id} for __ in range(3)]
            )
            deals[:2].write({"stage_id": measure.id})
            deals[2]._mark_lost(reason)
        deals[0].write({"stage_id": won.id})  # now: within the last 30 days
        self.start_tour(
            "/odoo/action-erp_crm.sale_funnel_report_action_chart", "erp_crm_funnel_chart_tour", login=user.login
        )
