from odoo.modules.module import get_manifest
from odoo.tests import TransactionCase, tagged
from odoo.tools.convert import convert_file


@tagged("erp_crm")
class TestDemoData(TransactionCase):
    """The window-installer demo loads into a database installed without demo data."""

    def _load_demo(self):
        idref = {}
        for filename in get_manifest("erp_crm")["demo"]:
            convert_file(self.env, "erp_crm", filename, idref, mode="init", noupdate=False)

    def test_demo_data_loads_the_window_installer(self):
        self._load_demo()
        funnel = self.env.ref("erp_crm.sale_funnel_windows")
        self.assertEqual(
            funnel.stage_ids.mapped("name"),
            ["First call", "Measurement", "Approval", "Payment", "Production", "Installation", "Won", "Lost"],
        )
        deals = self.env["sale.order"].search([("funnel_id", "=", funnel.id)])
        self.assertGreaterEqual(len(deals), 20)
        self.assertEqual(set(deals.stage_id.ids), set(funnel.stage_ids.ids), "deals in every stage")
        self.assertTrue(all(deal.stage_history_ids for deal in deals), "each deal has its stage history")
        lost = deals.filtered(lambda d: d.won_status == "lost")
        self.assertTrue(lost and all(lost.mapped("lost_reason_id")))
        won = deals.filtered(lambda d: d.won_status == "won")
        self.assertTrue(won and all(state == "sale" for state in won.mapped("state")), "won deals are confirmed sales")
        self.assertTrue(deals.filtered("source_id"), "deals say where the customer came from")
        self.assertGreater(min(deals.mapped("stage_hours")), 0, "deals have been in their stage for a while")

    def test_demo_robots_work_on_a_new_request(self):
        self._load_demo()
        funnel = self.env.ref("erp_crm.sale_funnel_windows")
        self.assertEqual(funnel.role_ids.mapped("name"), ["Salesperson", "Surveyor", "Accountant", "Installer"])
        self.assertGreaterEqual(len(funnel.robot_ids), 6)
        anna = self.env.ref("erp_crm.res_users_demo_sales_anna")
        customer = self.env["res.partner"].create({"name": "New window customer"})
        deal = self.env["sale.order"].create({"partner_id": customer.id, "funnel_id": funnel.id, "user_id": anna.id})
        activity = self.env["mail.activity"].search([("res_model", "=", "sale.order"), ("res_id", "=", deal.id)])
        self.assertEqual(activity.summary, "Call the customer back")
        self.assertEqual(activity.user_id, anna)
        self.assertTrue(activity.deadline_at)
