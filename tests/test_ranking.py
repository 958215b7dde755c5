from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.erp_crm.models.res_partner_ranking import RFM_SEGMENT_SQL

from .ranking_common import TODAY, RankingCommon
from .test_robot_cron import run_cron


@tagged("erp_crm")
@freeze_time(TODAY)
class TestRanking(RankingCommon):
    """Exact ranking of a hand-computed dataset on 2026-06-15, period 12 months (from 2025-06-15), thresholds 80/95.

    Company 1, revenue in the period (untaxed, net of credit notes, company currency):
    Alpha 6,000 (4,000 + 2,000 invoiced to its contact Ann), Beta 2,000 (a cancelled 5,000 and a draft 9,999 are
    ignored), Gamma 2,000 (4,000 in a currency at rate 2), Delta 1,000 (600 + 400), Iota 100, Zeta 0 (its only
    invoice is older), Epsilon -300 (500 invoiced, 800 credited). Total of the paying customers: 11,100.
    Eta is archived: not ranked and not in the total. Kappa has no invoice: not ranked.

    ABC on the revenue of the customers strictly above: Alpha 0 -> A; Beta and Gamma (tie) 6,000 = 54% < 80 -> A;
    Delta 10,000 = 90.1% < 95 -> B; Iota 11,000 = 99.1% -> C; Zeta and Epsilon (no revenue) -> C.

    Scores (7 customers, score = 5 - floor(5 * (rank - 1) / 7), ties share the better rank):
      recency (days since the last invoice): Alpha 5, Delta 26, Beta 45, Gamma 196, Epsilon 287, Iota 349, Zeta 887
        -> ranks 1..7 -> R 5 5 4 3 3 2 1
      frequency (invoices in the period): Alpha 2, Delta 2 (rank 1 -> 5); Beta, Gamma, Epsilon, Iota 1 (rank 3 -> 4);
        Zeta 0 (rank 7 -> 1)
      monetary: Alpha (1 -> 5), Beta = Gamma (2 -> 5), Delta (4 -> 3), Iota (5 -> 3), Zeta (6 -> 2), Epsilon (7 -> 1)
    """

    EXPECTED = {
        # name: (class, revenue, rank, R, F, M, segment, frequency, recency, lifetime, first, last, count, avg days)
        "Alpha": ("a", 6000, 1, 5, 5, 5, "champions", 2, 5, 6000, "2026-02-10", "2026-06-10", 2, 120.0),
        "Beta": ("a", 2000, 2, 4, 4, 5, "champions", 1, 45, 2000, "2026-05-01", "2026-05-01", 1, 0.0),
        "Gamma": ("a", 2000, 2, 3, 4, 5, "loyal", 1, 196, 2000, "2025-12-01", "2025-12-01", 1, 0.0),
        "Delta": ("b", 1000, 4, 5, 5, 3, "champions", 2, 26, 1000, "2026-04-01", "2026-05-20", 2, 49.0),
        "Iota": ("c", 100, 5, 2, 4, 3, "at_risk", 1, 349, 100, "2025-07-01", "2025-07-01", 1, 0.0),
        "Zeta": ("c", 0, 6, 1, 1, 2, "lost", 0, 887, 700, "2024-01-10", "2024-01-10", 1, 0.0),
        "Epsilon": ("c", -300, 7, 3, 4, 1, "loyal", 1, 287, -300, "2025-09-01", "2025-09-01", 1, 0.0),
    }

    def test_exact_classes_and_scores(self):
        self._rank()
        rankings = self._rankings()
        self.assertEqual({p.name for p in rankings}, set(self.EXPECTED))
        for partner, row in rankings.items():
            exp = self.EXPECTED[partner.name]
            got = (
                row.abc_class,
                row.revenue,
                row.rank_position,
                row.r_score,
                row.f_score,
                row.m_score,
                row.rfm_segment,
                row.frequency,
                row.recency_days,
                row.lifetime_revenue,
                str(row.first_invoice_date),
                str(row.last_invoice_date),
                row.invoice_count,
                row.avg_days_between,
            )
            self.assertEqual(got, exp, partner.name)
            self.assertEqual(row.rfm_score, f"{exp[3]}{exp[4]}{exp[5]}")
            self.assertEqual(str(row.period_start), "2025-06-15")
        alpha, beta, delta, iota = (rankings[p] for p in (self.alpha, self.beta, self.delta, self.iota))
        self.assertEqual((alpha.revenue_share, alpha.cumulative_share), (54.0541, 54.0541))
        self.assertEqual((beta.revenue_share, beta.cumulative_share), (18.018, 90.0901))
        self.assertEqual((delta.revenue_share, delta.cumulative_share), (9.009, 99.0991))
        self.assertEqual((iota.revenue_share, iota.cumulative_share), (0.9009, 100.0))
        self.assertEqual(
            [alpha.customer_percentile, delta.customer_percentile, iota.customer_percentile], [20, 80, 100]
        )
        self.assertEqual((alpha.won_count, alpha.closed_count, alpha.conversion), (1, 2, 50.0))
        self.assertEqual((beta.closed_count, beta.conversion), (0, 0.0))

    def test_recency_ties_and_customers_with_credit_notes_only(self):
        """Ranks come from the distinct dates, frequencies and revenues (ties share the better rank); a customer with
        credit notes only has no last invoice and is the last in recency.

        Two more customers (9 in all, score = 5 - floor(5 * (rank - 1) / 9)): Mu invoiced 300 on 2026-05-20 (the
        day of Delta's last invoice), Lambda has only a credit note of 50 (2026-06-01).
          recency: Alpha 1; Delta = Mu 2; Beta 4; Gamma 5; Epsilon 6; Iota 7; Zeta 8; Lambda (none) 9
            -> R 5, 5 5, 4, 3, 3, 2, 2, 1
          frequency: Alpha = Delta 1; Beta = Gamma = Epsilon = Iota = Mu 3; Zeta = Lambda 8 -> F 5, 4, 2
          monetary: Alpha 1; Beta = Gamma 2; Delta 4; Mu 5; Iota 6; Zeta 7; Lambda 8; Epsilon 9
            -> M 5, 5, 4, 3, 3, 2, 2, 1
        """
        lambda_, mu = self.env["res.partner"].create([{"name": "Lambda"}, {"name": "Mu"}])
        self._post_invoices(
            [
                self._invoice_vals(mu, "2026-05-20", 300),
                self._invoice_vals(lambda_, "2026-06-01", 50, move_type="out_refund"),
            ]
        )
        self._rank()
        scores = {p.name: (r.r_score, r.f_score, r.m_score, r.rank_position) for p, r in self._rankings().items()}
        self.assertEqual(
            scores,
            {
                "Alpha": (5, 5, 5, 1),
                "Beta": (4, 4, 5, 2),
                "Gamma": (3, 4, 5, 2),
                "Delta": (5, 5, 4, 4),
                "Mu": (5, 4, 3, 5),
                "Iota": (2, 4, 3, 6),
                "Zeta": (2, 2, 2, 7),
                "Lambda": (1, 2, 2, 8),
                "Epsilon": (3, 4, 1, 9),
            },
        )
        row = self._rankings()[lambda_]
        self.assertEqual(
            (row.revenue, row.frequency, row.invoice_count, row.last_invoice_date, row.abc_class, row.rfm_segment),
            (-50, 0, 0, False, "c", "lost"),
        )
        self.assertEqual((self._rankings()[mu].rfm_score, self._rankings()[mu].rfm_segment), ("543", "champions"))

    def test_companies_are_kept_apart(self):
        self._rank()
        rankings_b = self._rankings(self.company_b)
        self.assertEqual({p.name: r.abc_class for p, r in rankings_b.items()}, {"Theta": "a", "Alpha": "c"})
        self.assertEqual(rankings_b[self.alpha].revenue, 500)
        self.assertNotIn(self.theta, self._rankings())
        # The partner shows its current company's row.
        self.assertEqual(self.alpha.erp_crm_abc_class, "a")
        self.assertEqual(self.alpha.with_company(self.company_b).erp_crm_abc_class, "c")
        self.assertEqual(self.theta.erp_crm_abc_class, False)
        # Ranking one company leaves the other alone.
        self.theta.action_archive()
        self._rank(self.company)
        self.assertIn(self.theta, self._rankings(self.company_b))

    def test_unranked_and_contacts(self):
        self._rank()
        self.assertFalse(self.Ranking.search([("partner_id", "in", (self.eta | self.kappa).ids)]))
        self.assertFalse(self.kappa.erp_crm_abc_class)
        self.assertEqual(self.ann.erp_crm_abc_class, "a")  # a contact shows its company's ranking
        self.assertEqual(self.ann.erp_crm_ranking_id, self.alpha.erp_crm_ranking_id)
        Partner = self.env["res.partner"]
        class_a = Partner.search([("erp_crm_abc_class", "=", "a")])
        self.assertEqual(class_a, self.alpha | self.ann | self.beta | self.gamma)
        not_a = Partner.search([("erp_crm_abc_class", "!=", "a"), ("id", "in", (self.kappa | self.delta).ids)])
        self.assertEqual(not_a, self.kappa | self.delta)
        unranked = Partner.search([("erp_crm_abc_class", "=", False), ("id", "in", (self.kappa | self.delta).ids)])
        self.assertEqual(unranked, self.kappa)
        at_risk = Partner.search([("erp_crm_rfm_segment", "in", ["at_risk", "cant_lose"])])
        self.assertEqual(at_risk, self.iota)
        recent = Partner.search([("erp_crm_last_invoice_date", ">=", "2026-05-01")])
        self.assertEqual(recent, self.alpha | self.ann | self.beta | self.delta)

    def test_recompute_is_idempotent_and_follows_the_invoices(self):
        self._rank()
        before = {p: (r.id, r.abc_class, r.rfm_score, r.revenue) for p, r in self._rankings().items()}
        self._rank()
        self.assertEqual({p: (r.id, r.abc_class, r.rfm_score, r.revenue) for p, r in self._rankings().items()}, before)
        # Iota's only invoice is cancelled: Iota leaves the ranking.
        invoice = self.env["account.move"].search([("partner_id", "=", self.iota.id)])
        invoice.button_draft()
        invoice.button_cancel()
        self._rank()
        self.assertNotIn(self.iota, self._rankings())
        self.assertEqual(self._rankings()[self.delta].abc_class, "b")

    def test_period_and_thresholds_are_settings(self):
        self.company.write({"erp_crm_ranking_threshold_a": 50.0, "erp_crm_ranking_months": 3})
        self._rank(self.company)
        rankings = self._rankings()
        # 3 months (from 2026-03-15): Alpha 4,000, Beta 2,000, Delta 1,000; total 7,000.
        self.assertEqual(rankings[self.alpha].revenue, 4000)
        self.assertEqual(rankings[self.gamma].revenue, 0)
        self.assertEqual(
            {p.name: r.abc_class for p, r in rankings.items() if r.revenue > 0},
            {"Alpha": "a", "Beta": "b", "Delta": "b"},
        )

    def test_segment_rules(self):
        """Every (R, F) pair lands in the segment the README gives."""
        expected = {
            5: ["new", "potential", "potential", "champions", "champions"],
            4: ["new", "potential", "potential", "champions", "champions"],
            3: ["hibernating", "potential", "potential", "loyal", "loyal"],
            2: ["hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"],
            1: ["lost", "lost", "at_risk", "at_risk", "cant_lose"],
        }
        rows = self.env.execute_query(
            SQL(
                "SELECT r_score, f_score, %s FROM generate_series(1, 5) r_score, generate_series(1, 5) f_score",
                RFM_SEGMENT_SQL,
            )
        )
        got = {}
        for r_score, f_score, segment in rows:
            got.setdefault(r_score, [None] * 5)[f_score - 1] = segment
        self.assertEqual(got, expected)

    def test_deal_shows_class_and_priority_defaults_from_it(self):
        self._rank()
        deal_a = self._create_deal(partner_id=self.ann.id)
        deal_b = self._create_deal(partner_id=self.delta.id)
        deal_none = self._create_deal(partner_id=self.kappa.id)
        self.assertEqual(
            (deal_a.erp_crm_abc_class, deal_a.erp_crm_rfm_segment, deal_a.priority), ("a", "champions", "2")
        )
        self.assertEqual((deal_b.erp_crm_abc_class, deal_b.priority), ("b", "1"))
        self.assertEqual((deal_none.erp_crm_abc_class, deal_none.priority), (False, "0"))
        deal_a.priority = "3"  # a default, not a rule
        self.assertEqual(deal_a.priority, "3")
        deals = deal_a | deal_b | deal_none
        Deal = self.env["sale.order"]
        self.assertEqual(Deal.search([("id", "in", deals.ids), ("erp_crm_abc_class", "=", "a")]), deal_a)
        self.assertEqual(Deal.search([("id", "in", deals.ids), ("erp_crm_abc_class", "!=", "a")]), deal_b | deal_none)
        self.assertEqual(Deal.search([("id", "in", deals.ids), ("erp_crm_abc_class", "=", False)]), deal_none)
        self.assertEqual(deals.filtered_domain([("erp_crm_rfm_segment", "=", "champions")]), deal_a | deal_b)
        # A deal of another company uses that company's ranking.
        deal_b2 = self._create_deal(partner_id=self.alpha.id, company_id=self.company_b.id, team_id=False)
        self.assertEqual(deal_b2.erp_crm_abc_class, "c")

    def test_customer_class_gate(self):
        """A stage may let in only the deals of A (or A and B) customers, whatever moves them."""
        self._rank()
        self.stage_measure.gate_customer_class = "a"
        deal_a = self._create_deal(partner_id=self.ann.id)
        deal_b = self._create_deal(partner_id=self.delta.id)
        deal_none = self._create_deal(partner_id=self.kappa.id)
        deal_a.with_user(self.user_all).write({"stage_id": self.stage_measure.id})
        self.assertEqual(deal_a.stage_id, self.stage_measure)
        with self.assertRaisesRegex(UserError, "Delta is class B, the stage takes class A customers only"):
            deal_b.with_user(self.user_all).write({"stage_id": self.stage_measure.id})
        with self.assertRaisesRegex(UserError, "Kappa is not ranked"):
            deal_none.with_user(self.user_all).write({"stage_id": self.stage_measure.id})
        self.stage_measure.gate_customer_class = "b"
        deal_b.with_user(self.user_all).write({"stage_id": self.stage_measure.id})
        self.assertEqual(deal_b.stage_id, self.stage_measure)

    def test_cron_ranks_all_companies_idempotently(self):
        run_cron(self, "erp_crm.ir_cron_partner_ranking")
        first = {(r.partner_id, r.company_id): r.rfm_score for r in self.Ranking.search([])}
        run_cron(self, "erp_crm.ir_cron_partner_ranking")
        self.assertEqual({(r.partner_id, r.company_id): r.rfm_score for r in self.Ranking.search([])}, first)
        self.assertEqual(len(first), 9)

    def test_posting_an_invoice_defers_the_ranking(self):
        cron = self.env.ref("erp_crm.ir_cron_partner_ranking")
        Trigger = self.env["ir.cron.trigger"].sudo()
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        self._post_invoices([self._invoice_vals(self.kappa, "2026-06-14", 300)])
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 1)
        self.assertFalse(self.Ranking.search([("partner_id", "=", self.kappa.id)]))  # not in the posting transaction
        run_cron(self, "erp_crm.ir_cron_partner_ranking")
        self.assertEqual(self.kappa.erp_crm_ranking_id.revenue, 300)

    def test_bad_settings_are_refused(self):
        company = self.company
        for values, field_label in [
            ({"erp_crm_ranking_months": 0}, "Ranking Period"),
            ({"erp_crm_ranking_threshold_a": 0}, "Class A Threshold"),
            ({"erp_crm_ranking_threshold_b": 120}, "Class B Threshold"),
            ({"erp_crm_ranking_threshold_a": 90, "erp_crm_ranking_threshold_b": 85}, "Class B Threshold"),
            ({"erp_crm_reengage_active": True}, "Re-engagement Funnel"),
        ]:
            with self.subTest(values=values), self.assertRaisesRegex(ValidationError, field_label):
                with self.env.cr.savepoint():
                    company.write(values)
        funnel_b = self.env["sale.funnel"].create({"name": "North", "company_id": self.company_b.id})
        with self.assertRaisesRegex(ValidationError, "Re-engagement Funnel"), self.env.cr.savepoint():
            company.write({"erp_crm_reengage_funnel_id": funnel_b.id})
        self.assertEqual(company.erp_crm_ranking_months, 12)


@tagged("erp_crm")
@freeze_time(TODAY)
class TestRankingSecurity(RankingCommon):
    def test_sales_users_read_their_companies_rankings_only(self):
        self._rank()
        Ranking = self.Ranking.with_user(self.user_sales)
        rows = Ranking.search([])
        self.assertEqual(rows.company_id, self.company)
        self.assertEqual(len(rows), 7)
        with self.assertRaises(AccessError):
            rows[0].write({"abc_class": "a"})
        with self.assertRaises(AccessError):
            rows[0].unlink()
        self.assertEqual(self.alpha.with_user(self.user_sales).erp_crm_abc_class, "a")
        rows_b = self.Ranking.with_user(self.user_sales_b).search([])
        self.assertEqual(rows_b.company_id, self.company_b)
        with self.assertRaises(AccessError):
            self.Ranking.with_user(self.user_sales).browse(rows_b.ids).read(["revenue"])

    def test_salespeople_see_class_and_segment_not_revenue(self):
        """Issue 18, item 7: revenue amounts of the ranking (period and lifetime, snapshots, migration report, the
        customer's Ranking tab) are for sales administrators and invoicing users; a salesperson sees class, segment,
        scores and shares, and may not read, search, group nor sum the amounts."""
        self._rank()
        sales = self.user_sales
        Ranking = self.Ranking.with_user(sales)
        rows = Ranking.search([("abc_class", "=", "a")])
        self.assertEqual(rows.partner_id, self.alpha | self.beta | self.gamma)
        self.assertTrue(all(rows.mapped("revenue_share")))
        self.assertEqual(self.alpha.with_user(sales).erp_crm_rfm_segment, "champions")
        self.assertEqual(
            self.env["res.partner"].with_user(sales).search([("erp_crm_abc_class", "=", "a")]),
            rows.partner_id | self.ann,
        )
        Snapshot = self.env["res.partner.ranking.snapshot"].with_user(sales)
        Migration = self.env["res.partner.ranking.migration"].with_user(sales)
        for attempt, call in {
            "read": lambda: rows.read(["revenue"]),
            "read lifetime": lambda: rows[0].lifetime_revenue,
            "search": lambda: Ranking.search([("revenue", ">", 1000)]),
            "count": lambda: Ranking.search_count([("lifetime_revenue", ">=", 6000)]),
            "order": lambda: Ranking.search([], order="revenue desc"),
            "sum": lambda: Ranking.formatted_read_group([], ["abc_class"], ["revenue:sum"]),
            "group": lambda: Ranking.formatted_read_group([], ["lifetime_revenue"], ["__count"]),
            "snapshot": lambda: Snapshot.search([("revenue", ">", 0)]),
            "migration": lambda: Migration.search_read([], ["revenue"]),
            "customer": lambda: self.alpha.with_user(sales).read(["erp_crm_revenue"]),
            "customer lifetime": lambda: self.alpha.with_user(sales).erp_crm_lifetime_revenue,
        }.items():
            with self.subTest(attempt=attempt), self.assertRaises(AccessError):
                call()
        # the Ranking tab of the customer's form shows no amount to the salesperson
        arch = self.env["res.partner"].with_user(sales).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="erp_crm_abc_class"', arch)
        self.assertNotIn("erp_crm_revenue", arch)
        # sales administrators and invoicing users read them
        accountant = new_test_user(
            self.env, login="erp_crm_sales_acct", groups="erp_crm.erp_crm_group_user,account.group_account_invoice"
        )
        for user in (self.user_manager, accountant):
            with self.subTest(user=user.login):
                alpha = self.Ranking.with_user(user).search([("partner_id", "=", self.alpha.id), ("revenue", ">", 0)])
                self.assertEqual((alpha.revenue, alpha.lifetime_revenue), (6000, 6000))
                self.assertEqual(self.alpha.with_user(user).erp_crm_revenue, 6000)

    def test_only_managers_recompute_and_change_settings(self):
        with self.assertRaises(AccessError):
            self.Ranking.with_user(self.user_sales).action_recompute()
        with self.assertRaises(AccessError):
            self.company.with_user(self.user_sales).write({"erp_crm_ranking_months": 6})
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.user_manager).create({"erp_crm_ranking_months": 6})
        self.Ranking.with_user(self.user_manager).action_recompute()
        self.assertEqual(self._rankings()[self.alpha].abc_class, "a")
        admin = self.env.ref("base.user_admin")
        settings = self.env["res.config.settings"].with_user(admin).create({"erp_crm_ranking_months": 6})
        settings.execute()
        self.assertEqual(self.company.erp_crm_ranking_months, 6)
