from datetime import date

from odoo.fields import Command
from odoo.tests import new_test_user

from .common import ErpCrmCommon

TODAY = "2026-06-15 10:00:00"


class RankingCommon(ErpCrmCommon):
    """Customers with posted invoices in two companies, small enough to rank by hand (see test_ranking.py).
    Classes using it freeze time at ``TODAY`` (recency depends on the date)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company_b = cls.env["res.company"].create(
            {"name": "Windows North", "currency_id": cls.company.currency_id.id}
        )
        cls.env["account.chart.template"].try_loading("generic_coa", company=cls.company_b, install_demo=False)
        cls.env.user.company_ids += cls.company_b
        cls.user_sales_b = new_test_user(
            cls.env,
            login="erp_crm_sales_b",
            groups="erp_crm.erp_crm_group_user",
            name="Bob North",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.foreign_currency = cls.env.ref("base.EUR" if cls.company.currency_id.name != "EUR" else "base.USD")
        cls.foreign_currency.active = True
        cls.env["res.currency.rate"].create(
            {"name": "2025-01-01", "rate": 2.0, "currency_id": cls.foreign_currency.id, "company_id": cls.company.id}
        )
        Partner = cls.env["res.partner"]
        names = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta", "Iota", "Kappa"]
        partners = Partner.create(
            [
                {"name": name, "is_company": True, "email": f"{name.lower()}@example.com", "user_id": cls.user_sales.id}
                for name in names
            ]
        )
        (cls.alpha, cls.beta, cls.gamma, cls.delta, cls.epsilon, cls.zeta, cls.eta, cls.theta, cls.iota, cls.kappa) = (
            partners
        )
        cls.gamma.email = False
        cls.ann = Partner.create({"name": "Ann", "parent_id": cls.alpha.id, "email": "ann@example.com"})
        inv = cls._invoice_vals
        moves = cls._post_invoices(
            [
                inv(cls.alpha, "2026-06-10", 4000),
                inv(cls.ann, "2026-02-10", 2000),  # a contact's invoice counts for its company
                inv(cls.beta, "2026-05-01", 2000),
                inv(cls.gamma, "2025-12-01", 4000, currency=cls.foreign_currency),  # 2,000 in company currency
                inv(cls.delta, "2026-04-01", 600),
                inv(cls.delta, "2026-05-20", 400),
                inv(cls.epsilon, "2025-09-01", 500),
                inv(cls.epsilon, "2025-10-01", 800, move_type="out_refund"),  # credit note larger than invoices
                inv(cls.zeta, "2024-01-10", 700),  # before the period: zero revenue in it
                inv(cls.eta, "2026-03-01", 1000),  # archived below
                inv(cls.iota, "2025-07-01", 100),
                inv(cls.theta, "2026-05-01", 10000, company=cls.company_b),
                inv(cls.alpha, "2026-06-01", 500, company=cls.company_b),
                inv(cls.beta, "2026-06-01", 5000),  # cancelled below
            ]
        )
        cancelled = moves[-1]
        cancelled.button_draft()
        cancelled.button_cancel()
        cls.env["account.move"].create([inv(cls.beta, "2026-06-01", 9999)])  # draft: ignored
        cls.eta.action_archive()
        # Alpha's deals: one won, one lost (conversion 50%).
        won = cls._create_deal(partner_id=cls.alpha.id)
        won.stage_id = cls.stage_won
        lost = cls._create_deal(partner_id=cls.alpha.id)
        lost._mark_lost(cls.lost_reason)
        cls.Ranking = cls.env["res.partner.ranking"]

    @classmethod
    def _invoice_vals(cls, partner, invoice_date, amount, move_type="out_invoice", company=None, currency=None):
        company = company or cls.company
        return {
            "move_type": move_type,
            "partner_id": partner.id,
            "invoice_date": invoice_date,
            "company_id": company.id,
            "journal_id": cls.env["account.journal"]
            .search([("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
            .id,
            "currency_id": (currency or company.currency_id).id,
            "invoice_line_ids": [
                Command.create({"name": "Windows", "quantity": 1, "price_unit": amount, "tax_ids": [Command.clear()]})
            ],
        }

    @classmethod
    def _post_invoices(cls, vals_list):
        moves = cls.env["account.move"].create(vals_list)
        moves.action_post()
        return moves

    def _rank(self, companies=None):
        self.Ranking._compute_ranking(companies or (self.company | self.company_b))

    def _rankings(self, company=None):
        rows = self.Ranking.search([("company_id", "=", (company or self.company).id)])
        return {row.partner_id: row for row in rows}

    @staticmethod
    def _date(value):
        return date.fromisoformat(value)
