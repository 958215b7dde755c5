from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .tour_common import TourCase


@tagged("post_install", "-at_install", "erp_crm")
class TestRankingTour(TourCase):
    def test_pareto_report_and_class_filter(self):
        """A salesperson opens the Pareto curve, then filters the customers by class (real Chromium)."""
        new_test_user(self.env, login="erp_crm_tour_ranking", groups="erp_crm.erp_crm_group_user", name="Rita Rank")
        partners = self.env["res.partner"].create(
            # customer_rank: the account module raises it after the commit, which a test never reaches.
            [{"name": f"Tour {name}", "is_company": True, "customer_rank": 1} for name in ("Alpha", "Beta", "Gamma")]
        )
        journal = self.env["account.journal"].search(
            [("company_id", "=", self.env.company.id), ("type", "=", "sale")], limit=1
        )
        # Dates relative to today: the classes only depend on the amounts (all within the 12-month period).
        invoice_date = fields.Date.context_today(self.env.user) - timedelta(days=10)
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": invoice_date,
                    "journal_id": journal.id,
                    "invoice_line_ids": [
                        Command.create({"name": "Windows", "price_unit": amount, "tax_ids": [Command.clear()]})
                    ],
                }
                for partner, amount in zip(partners, (9000, 600, 400), strict=True)
            ]
        )
        moves.action_post()
        self.env["res.partner.ranking"]._compute_ranking(self.env.company)
        self.assertEqual(partners.mapped("erp_crm_abc_class"), ["a", "b", "c"])
        self.start_tour(
            "/odoo/action-sale.action_quotations_with_onboarding",
            "erp_crm_ranking_tour",
            login="erp_crm_tour_ranking",
        )
