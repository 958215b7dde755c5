from datetime import datetime, timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import freeze_time, new_test_user, tagged

from .common import funnel_stage_commands
from .tour_common import TourCase


@tagged("post_install", "-at_install", "erp_crm")
class TestDealTour(TourCase):
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
            "/odoo/deals",
            "erp_crm_deal_drag_tour",
            login="erp_crm_tour",
        )
        self.assertEqual(deal.stage_id.name, "Measurement")
        rows = deal.stage_history_ids.sorted("id")
        self.assertEqual(rows.mapped("stage_id.name"), ["First call", "Measurement"])
        self.assertEqual(rows[-1].user_id, user)
        quick = self.env["sale.order"].search([("title", "=", "Balcony door, 2nd floor")])
        self.assertEqual((quick.partner_id, quick.funnel_id, quick.stage_id.name), (partner, funnel, "First call"))

    def test_stage_asks_for_its_fields_in_a_dialog(self):
        """Issue 20.6: a move into a stage requiring fields the deal lacks asks for them (kanban and status bar)."""
        stages = funnel_stage_commands(
            ("First call", "open"), ("Measurement", "open"), ("Installation", "open"), ("Won", "won"), ("Lost", "lost")
        )
        funnel = self.env["sale.funnel"].create({"name": "Gate windows", "stage_ids": stages})
        __, measure, installation, __, __ = funnel.stage_ids
        field = self.env["ir.model.fields"]._get
        measure.gate_field_ids = field("sale.order", "appointment_at")
        installation.gate_field_ids = field("sale.order", "installation_date")
        user = new_test_user(self.env, login="erp_crm_gate_tour", groups="erp_crm.erp_crm_group_user", tz="UTC")
        partner = self.env["res.partner"].create({"name": "Gate customer"})
        deal = self.env["sale.order"].create(
            {"partner_id": partner.id, "funnel_id": funnel.id, "title": "Gate windows deal", "user_id": user.id}
        )
        self.start_tour("/odoo/deals", "erp_crm_stage_gate_tour", login="erp_crm_gate_tour")
        self.assertEqual(deal.stage_id, installation)
        self.assertEqual(deal.appointment_at, datetime(2026, 3, 20, 8, 0))
        self.assertEqual(deal.installation_date, datetime(2026, 3, 27, 7, 0))
        self.assertEqual(deal.stage_history_ids.sorted("id").stage_id, funnel.stage_ids[:3], "one entry per move")

    def test_add_robot_on_the_robot_board(self):
        stages = funnel_stage_commands(("First call", "open"), ("Measurement", "open"), ("Won", "won"))
        funnel = self.env["sale.funnel"].create({"name": "Board funnel", "stage_ids": stages})
        self.env["sale.funnel.robot"].create({"name": "Call back", "stage_id": funnel.stage_ids[0].id})
        # The board shows each stage's trigger and gates above its robots (issue 9, item 11).
        funnel.stage_ids[1].write(
            {"trigger": "invoice_posted", "gate_prepaid_percent": 50, "gate_no_overdue_invoices": True}
        )
        new_test_user(self.env, login="erp_crm_tour_admin", groups="erp_crm.erp_crm_group_manager", name="Adam Admin")
        self.start_tour(
            f"/odoo/action-erp_crm.sale_funnel_action/{funnel.id}",
            "erp_crm_robot_board_tour",
            login="erp_crm_tour_admin",
        )
        robot = self.env["sale.funnel.robot"].search([("name", "=", "Measure on site")])
        self.assertEqual(robot.stage_id.name, "Measurement")
        self.assertEqual((robot.kind, robot.deadline_amount), ("activity", 4))
        # The quick create asked the activity type; the summary is the robot's name (issue 23).
        self.assertEqual(robot.activity_type_id, self.env.ref("mail.mail_activity_data_meeting"))
        self.assertEqual(robot.summary, "Measure on site")


@tagged("post_install", "-at_install", "erp_crm")
class TestFunnelChartTour(TourCase):
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


class PipelineTourCommon(TourCase):
    """A window funnel with a deal of a salesperson, and an empty funnel (its only open stage "Doors: new")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        stages = funnel_stage_commands(
            ("First call", "open"),
            ("Payment", "open"),
            ("Production", "open"),
            ("Won", "won"),
            ("Lost", "lost"),
        )
        cls.funnel = cls.env["sale.funnel"].create({"name": "Tour windows", "sequence": 1, "stage_ids": stages})
        cls.empty_funnel = cls.env["sale.funnel"].create(
            {"name": "Empty doors", "sequence": 2, "stage_ids": funnel_stage_commands(("Doors: new", "open"))}
        )
        cls.user = new_test_user(
            cls.env, login="erp_crm_tour_sales", groups="erp_crm.erp_crm_group_user", name="Tina Tour"
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Tour team",
                "company_id": cls.env.company.id,
                "funnel_id": cls.funnel.id,
                "member_ids": [Command.link(cls.user.id)],
            }
        )
        cls.user.sale_team_id = cls.team
        cls.partner = cls.env["res.partner"].create({"name": "Tour customer", "email": "tour@example.com"})
        cls.product = cls.env["product.product"].create(
            {"name": "Window", "list_price": 1000.0, "invoice_policy": "order"}
        )

    @classmethod
    def _deal(cls, title, **values):
        return cls.env["sale.order"].create(
            {
                "partner_id": cls.partner.id,
                "funnel_id": cls.funnel.id,
                "title": title,
                "user_id": cls.user.id,
                "order_line": [Command.create({"product_id": cls.product.id, "product_uom_qty": 2})],
                **values,
            }
        )


@tagged("post_install", "-at_install", "erp_crm")
class TestPipelineTour(PipelineTourCommon):
    def test_pipeline_from_the_readme_url_and_switching_funnels(self):
        self._deal("Tour windows deal")
        self.start_tour("/odoo/deals", "erp_crm_pipeline_menus_tour", login="erp_crm_tour_sales")

    def test_empty_funnel_opened_from_its_form(self):
        self._deal("Tour windows deal")
        self.start_tour(
            f"/odoo/action-erp_crm.sale_funnel_action/{self.empty_funnel.id}",
            "erp_crm_empty_funnel_tour",
            login="erp_crm_tour_sales",
        )

    def test_refused_move_leaves_the_card_and_the_form_in_the_real_stage(self):
        payment, production = self.funnel.stage_ids[1:3]
        payment.requirements = "Send the down-payment invoice."
        production.write({"gate_prepaid_percent": 50, "requirements": "Agree the installation date."})
        deal = self._deal("Gate deal", stage_id=payment.id)
        self.start_tour("/odoo/deals", "erp_crm_refused_move_tour", login="erp_crm_tour_sales")
        self.assertEqual(deal.stage_id, payment)
        self.assertEqual(deal.stage_history_ids.stage_id, payment, "no move was recorded")


@tagged("post_install", "-at_install", "erp_crm")
class TestCardLayoutTour1280(PipelineTourCommon):
    browser_size = "1280x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        production = cls.funnel.stage_ids[2]
        long_partner = cls.env["res.partner"].create(
            {"name": "Wohnungsbaugenossenschaft Freiburg-Haslach-Weingarten eG, Hausverwaltung Nord"}
        )
        deal = cls._deal(
            "42 triple-glazed windows and 6 balcony doors, apartment block renovation in Haslach",
            partner_id=long_partner.id,
            stage_id=production.id,
        )
        deal._erp_crm_create_down_payment_invoice(50)
        cls._deal("3 windows, kitchen and bathroom")
        # The posted down payment ranks the long-named customer: its card shows its class and segment badges.
        cls.env["res.partner.ranking"]._compute_ranking(deal.company_id)
        cls.ranking = cls.env["res.partner.ranking"].search([("partner_id", "=", long_partner.id)])

    def test_card_layout(self):
        self.assertEqual(self.ranking.abc_class, "a")
        self.start_tour("/odoo/deals", "erp_crm_card_layout_tour", login="erp_crm_tour_sales")


@tagged("post_install", "-at_install", "erp_crm")
class TestCardLayoutTour1440(TestCardLayoutTour1280):
    browser_size = "1440x900"


@tagged("post_install", "-at_install", "erp_crm")
class TestActivityDeadlineTour(PipelineTourCommon):
    def test_activity_deadline_in_card_popover_and_chatter(self):
        deal = self._deal("Late call")
        now = fields.Datetime.now()
        deal.activity_schedule(
            "mail.mail_activity_data_call",
            summary="Call the customer back",
            user_id=self.user.id,
            date_deadline=fields.Date.context_today(deal.with_user(self.user), now),
            deadline_at=now - timedelta(minutes=9),
        )
        self.start_tour("/odoo/deals", "erp_crm_activity_deadline_tour", login="erp_crm_tour_sales")


@tagged("post_install", "-at_install", "erp_crm")
class TestFunnelSetupTour(TourCase):
    def test_new_line_of_business_from_a_template(self):
        owner = new_test_user(
            self.env,
            login="erp_crm_tour_owner",
            groups="erp_crm.erp_crm_group_manager,project.group_project_manager",
            name="Olga Owner",
        )
        self.start_tour("/odoo/action-erp_crm.sale_funnel_action", "erp_crm_funnel_setup_tour", login=owner.login)
        funnel = self.env["sale.funnel"].search([("name", "=", "Heat pumps North")])
        self.assertEqual(funnel.create_uid, owner)
        self.assertEqual(funnel.role_ids.filtered(lambda r: r.name == "Installer").user_id, owner)
        self.assertEqual(funnel.robot_ids.filtered(lambda r: r.kind == "down_payment").down_payment_percent, 35)
