from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.modules.module import load_script
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import ErpCrmCommon
from .ranking_common import TODAY, RankingCommon
from .test_robot_cron import run_cron


@tagged("erp_crm")
class TestRankingSnapshots(RankingCommon):
    def test_monthly_snapshots_and_migration_report(self):
        Snapshot = self.env["res.partner.ranking.snapshot"]
        Migration = self.env["res.partner.ranking.migration"]
        mine = [("company_id", "=", self.company.id)]
        with freeze_time("2026-05-15 10:00:00"):
            self._rank(self.company)
            self._rank(self.company)
            # The current month is the ranking itself: no snapshot is written, the report reads the ranking.
            self.assertFalse(Snapshot.search(mine))
            may_rows = Migration.search([("month", "=", "2026-05-01"), *mine])
            self.assertEqual(len(may_rows), 7)
            self.assertEqual(set(may_rows.mapped("from_segment")), {"none"})  # nothing ranked in April
            may_ranking = {p: (r.abc_class, r.rfm_segment, r.revenue) for p, r in self._rankings().items()}
        # On 2026-05-15 Alpha's June invoice does not count yet: Alpha 2,000 (Ann's), Beta 2,000, Gamma 2,000...
        self.assertEqual(may_ranking[self.alpha][0::2], ("a", 2000))
        with freeze_time(TODAY):
            self._rank(self.company)  # June's first ranking keeps May's last one as May's snapshot
            self._rank(self.company)  # and the next ones write no snapshot
        may = Snapshot.search([("month", "=", "2026-05-01"), *mine])
        self.assertEqual({s.partner_id: (s.abc_class, s.rfm_segment, s.revenue) for s in may}, may_ranking)
        self.assertEqual(Snapshot.search_count(mine), 7)
        june = self._rankings()
        self.assertEqual(len(june), 7)
        rows = Migration.search([("month", "=", "2026-06-01"), *mine])
        moves = {row.partner_id.name: (row.from_segment, row.to_segment) for row in rows}
        may_segments = {s.partner_id.name: s.rfm_segment for s in may}
        june_segments = {p.name: r.rfm_segment for p, r in june.items()}
        self.assertEqual(moves, {name: (may_segments[name], june_segments[name]) for name in june_segments})
        # Pivot segment -> segment: counts of customers per (from, to).
        groups = Migration._read_group(
            [("month", "=", "2026-06-01"), ("company_id", "=", self.company.id)],
            ["from_class", "to_class"],
            ["__count"],
        )
        may_classes = {s.partner_id: s.abc_class for s in may}
        june_classes = {p: r.abc_class for p, r in june.items()}
        expected = {}
        for partner, to_class in june_classes.items():
            key = (may_classes[partner], to_class)
            expected[key] = expected.get(key, 0) + 1
        self.assertEqual({(f, t): n for f, t, n in groups}, expected)
        self.assertEqual(sum(expected.values()), 7)
        # A customer who only appears this month comes from "Unranked".
        with freeze_time(TODAY):
            self._post_invoices([self._invoice_vals(self.kappa, "2026-06-14", 50)])
            self._rank(self.company)
        kappa = Migration.search([("month", "=", "2026-06-01"), ("partner_id", "=", self.kappa.id)])
        self.assertEqual((kappa.from_class, kappa.from_segment), ("none", "none"))
        # Sales users of the other company see nothing of it.
        self.assertFalse(Migration.with_user(self.user_sales_b).search([("company_id", "=", self.company.id)]))


@tagged("erp_crm")
@freeze_time(TODAY)
class TestReengagement(RankingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"erp_crm_reengage_active": True, "erp_crm_reengage_funnel_id": cls.funnel.id})

    def _reengagement_deals(self):
        return self.env["sale.order"].search([("erp_crm_is_reengagement", "=", True)])

    def test_at_risk_customer_gets_one_deal_and_never_a_second(self):
        self._rank(self.company)
        self.Ranking._reengage(self.company)
        deal = self._reengagement_deals()
        self.assertEqual(deal.partner_id, self.iota)  # the only customer "At risk"
        self.assertEqual((deal.funnel_id, deal.stage_id), (self.funnel, self.stage_call))
        self.assertEqual(deal.user_id, self.user_sales)
        self.assertEqual(deal.stage_history_ids.stage_id, self.stage_call)  # created through the door
        activity = deal.activity_ids
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(activity.user_id, self.user_sales)
        # Again: the deal is open, nothing new.
        self.Ranking._reengage(self.company)
        self.assertEqual(self._reengagement_deals(), deal)
        # Lost, while the customer is still in the same "At risk" spell: still no second deal.
        deal._mark_lost(self.lost_reason)
        self._rank(self.company)
        self.Ranking._reengage(self.company)
        self.assertEqual(self._reengagement_deals(), deal)

    def test_days_without_purchase(self):
        self.company.erp_crm_reengage_days = 365
        self._rank(self.company)
        self.Ranking._reengage(self.company)
        # Iota (At risk) and Zeta (887 days without an invoice); Epsilon (287 days) not yet.
        self.assertEqual(self._reengagement_deals().partner_id, self.iota | self.zeta)
        self.Ranking._reengage(self.company)
        self.assertEqual(len(self._reengagement_deals()), 2)

    def test_off_by_default_and_by_cron(self):
        self.company.erp_crm_reengage_active = False
        self._rank(self.company)
        self.Ranking._reengage(self.company)
        self.assertFalse(self._reengagement_deals())
        self.company.erp_crm_reengage_active = True
        run_cron(self, "erp_crm.ir_cron_partner_ranking")
        self.assertEqual(self._reengagement_deals().partner_id, self.iota)


@tagged("erp_crm")
@freeze_time(TODAY)
class TestSegments(RankingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # who may synchronise: an ERP CRM manager with Email Marketing rights
        cls.user_marketing = new_test_user(
            cls.env,
            login="erp_crm_marketing",
            groups="erp_crm.erp_crm_group_manager,mass_mailing.group_mass_mailing_user",
            name="Mia Marketing",
        )
        # the marketing team's own list, five subscribers
        cls.marketing_list = cls.env["mailing.list"].create(
            {
                "name": "Newsletter",
                "contact_ids": [
                    Command.create({"name": f"Reader {i}", "email": f"reader{i}@example.com"}) for i in range(5)
                ],
            }
        )

    def _list_emails(self, segment):
        return set(segment.sudo().mailing_list_id.subscription_ids.contact_id.mapped("email"))

    def _list_state(self):
        """The marketing list's subscriptions as they are in the database (contact, opted out)."""
        self.env.invalidate_all()
        return sorted(self.marketing_list.subscription_ids.mapped(lambda sub: (sub.contact_id.id, sub.opt_out)))

    def test_segment_is_synchronised_exactly(self):
        self._rank(self.company)
        Segment = self.env["res.partner.segment"].with_user(self.user_marketing)
        segment = Segment.create({"name": "Class A", "domain": "[('erp_crm_abc_class', '=', 'a')]"})
        self.assertEqual(segment.partner_count, 4)  # Alpha, its contact Ann, Beta, Gamma (no email)
        segment.action_sync_mailing_list()
        self.assertEqual(self._list_emails(segment), {"alpha@example.com", "ann@example.com", "beta@example.com"})
        mailing_list = segment.mailing_list_id
        segment.write({"domain": "[('erp_crm_rfm_segment', '=', 'champions')]"})
        segment.action_sync_mailing_list()
        self.assertEqual(segment.mailing_list_id, mailing_list)
        self.assertEqual(
            self._list_emails(segment),
            {"alpha@example.com", "ann@example.com", "beta@example.com", "delta@example.com"},
        )
        segment.write({"domain": "[('erp_crm_rfm_segment', '=', 'champions'), ('erp_crm_abc_class', '=', 'b')]"})
        segment.action_sync_mailing_list()
        self.assertEqual(self._list_emails(segment), {"delta@example.com"})
        self.assertEqual(len(mailing_list.sudo().subscription_ids), 1)
        # Country and other partner fields combine with the ranking.
        self.delta.country_id = self.env.ref("base.be")
        segment.write({"domain": "[('erp_crm_abc_class', 'in', ['a', 'b']), ('country_id.code', '=', 'BE')]"})
        self.assertEqual(segment.partner_count, 1)
        # The daily ranking synchronises the segments that ask for it, as the user who saved them.
        segment.auto_sync = True
        self.env["res.partner.segment"]._cron_sync_segments()
        self.assertEqual(self._list_emails(segment), {"delta@example.com"})
        segment.write({"domain": "[('erp_crm_abc_class', '=', 'a'), ('email', 'ilike', 'alpha')]"})
        self.env["res.partner.segment"]._cron_sync_segments()
        self.assertEqual(self._list_emails(segment), {"alpha@example.com"})

    def test_segment_by_source_of_first_deal(self):
        Source = self.env["utm.source"]
        fair, web = Source.create([{"name": "Trade fair"}, {"name": "Website"}])
        self._create_deal(partner_id=self.ann.id, source_id=fair.id, date_order="2026-01-05 09:00:00")
        self._create_deal(partner_id=self.beta.id, source_id=web.id, date_order="2026-03-01 09:00:00")
        self._create_deal(partner_id=self.beta.id, source_id=fair.id, date_order="2026-02-01 09:00:00")
        self._create_deal(partner_id=self.delta.id, source_id=web.id, date_order="2026-04-01 09:00:00")
        self._create_deal(partner_id=self.iota.id, date_order="2025-01-01 09:00:00")  # first deal without source
        self._create_deal(partner_id=self.iota.id, source_id=fair.id, date_order="2026-01-01 09:00:00")
        self._rank(self.company)
        sources = {partner.name: row.first_deal_source_id.name for partner, row in self._rankings().items()}
        self.assertEqual(
            sources,
            {
                "Alpha": "Trade fair",  # Ann's deal counts for her company
                "Beta": "Trade fair",  # the earlier of its two deals
                "Gamma": False,
                "Delta": "Website",
                "Iota": False,
                "Zeta": False,
                "Epsilon": False,
            },
        )
        self.assertEqual(self.ann.erp_crm_first_deal_source_id, fair)
        Segment = self.env["res.partner.segment"].with_user(self.user_manager)
        segment = Segment.create(
            {"name": "Met at the fair", "domain": "[('erp_crm_first_deal_source_id.name', '=', 'Trade fair')]"}
        )
        self.assertEqual(segment._search_partners(), self.alpha | self.ann | self.beta)
        segment.write({"domain": f"[('erp_crm_first_deal_source_id', '=', {web.id}), ('erp_crm_abc_class', '=', 'b')]"})
        self.assertEqual(segment._search_partners(), self.delta)
        # An earlier deal found later changes the customer's first source at the next ranking.
        self._create_deal(partner_id=self.beta.id, source_id=web.id, date_order="2025-11-01 09:00:00")
        self._rank(self.company)
        self.assertEqual(self._rankings()[self.beta].first_deal_source_id, web)
        segment.write({"domain": "[('erp_crm_first_deal_source_id.name', '=', 'Trade fair')]"})
        self.assertEqual(segment._search_partners(), self.alpha | self.ann)

    def test_bad_domains_are_refused_when_saved(self):
        Segment = self.env["res.partner.segment"].with_user(self.user_manager)
        for domain in ("[('no_such_field', '=', 1)]", "not a domain", "{'a': 1}", "[('name', 'like')]"):
            with self.subTest(domain=domain), self.assertRaisesRegex(ValidationError, "Domain"):
                with self.env.cr.savepoint():
                    Segment.create({"name": "Bad", "domain": domain})

    def test_manager_without_email_marketing_cannot_empty_or_fill_a_list(self):
        """Issue 18, hole 1: a sales manager without Email Marketing rights links the marketing team's list to a
        segment matching nobody (or everybody) and synchronises it: refused, the list untouched."""
        self._rank(self.company)
        before = self._list_state()
        self.assertEqual(len(before), 5)
        lists_before = self.env["mailing.list"].search_count([])
        Segment = self.env["res.partner.segment"].with_user(self.user_manager)
        for domain in ("[('id', '=', -1)]", "[]"):
            with self.subTest(domain=domain), self.assertRaisesRegex(AccessError, "Mailing List"):
                with self.env.cr.savepoint():
                    Segment.create({"name": "x", "domain": domain, "mailing_list_id": self.marketing_list.id})
        self.assertFalse(self.env["res.partner.segment"].search([("name", "=", "x")]))
        # nor by linking it to a segment of theirs afterwards
        segment = Segment.create({"name": "Mine", "domain": "[('id', '=', -1)]"})
        with self.assertRaisesRegex(AccessError, "Mailing List"), self.env.cr.savepoint():
            segment.write({"mailing_list_id": self.marketing_list.id})
        # nor by synchronising: that needs Email Marketing rights (no list of its own created either)
        with self.assertRaisesRegex(AccessError, "Email Marketing"), self.env.cr.savepoint():
            segment.action_sync_mailing_list()
        self.assertFalse(segment.sudo().mailing_list_id)
        # a list handed over by someone who may edit it: the manager still may not rewrite it
        handed = self.env["res.partner.segment"].create(
            {"name": "Handed", "domain": "[]", "mailing_list_id": self.marketing_list.id, "auto_sync": True}
        )
        handed.with_user(self.user_manager).write({"domain": "[('id', '=', -1)]"})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            handed.with_user(self.user_manager).action_sync_mailing_list()
        # and the daily sync runs as the manager who last saved it: skipped, logged
        with self.assertLogs("odoo.addons.erp_crm.models.res_partner_segment", "WARNING"):
            self.env["res.partner.segment"]._cron_sync_segments()
        self.assertEqual(self._list_state(), before)
        self.assertEqual(self.env["mailing.list"].search_count([]), lists_before)

    def test_a_list_is_synchronised_by_one_segment(self):
        """A marketing user may hand their list over to a segment; a second segment on the same list is refused."""
        self._rank(self.company)
        Segment = self.env["res.partner.segment"].with_user(self.user_marketing)
        segment = Segment.create(
            {"name": "A", "domain": "[('erp_crm_abc_class', '=', 'a')]", "mailing_list_id": self.marketing_list.id}
        )
        segment.action_sync_mailing_list()
        self.assertEqual(segment.mailing_list_id, self.marketing_list)
        self.assertEqual(self._list_emails(segment), {"alpha@example.com", "ann@example.com", "beta@example.com"})
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            Segment.create({"name": "B", "domain": "[]", "mailing_list_id": self.marketing_list.id})

    def test_upgrade_lets_a_shared_list_go_from_younger_segments(self):
        """A database of 19.0.1.2.0 may have two segments on one list, which the unique index of 19.0.1.3.0 refuses:
        the upgrade keeps the list on the oldest segment; the younger one makes a list of its own when it syncs."""
        self._rank(self.company)
        # the database as the previous release left it: no index, two segments on the marketing list
        self.env.cr.execute(SQL("DROP INDEX res_partner_segment_mailing_list_uniq"))
        Segment = self.env["res.partner.segment"].with_user(self.user_marketing)
        older, younger = Segment.create(
            [
                {"name": name, "domain": "[('erp_crm_abc_class', '=', 'a')]", "mailing_list_id": self.marketing_list.id}
                for name in ("Older", "Younger")
            ]
        )
        self.env.flush_all()
        script = load_script("erp_crm/migrations/19.0.1.3.0/pre-segment-lists.py", "pre_segment_lists")
        with self.assertLogs("pre_segment_lists", "WARNING") as logs:
            script.migrate(self.env.cr, "19.0.1.2.0")
        self.assertIn(f"Segment {younger.id} shared mailing list {self.marketing_list.id}", logs.output[0])
        self.env.invalidate_all()
        self.assertEqual(older.mailing_list_id, self.marketing_list)
        self.assertFalse(younger.mailing_list_id)
        younger.action_sync_mailing_list()
        self.assertEqual(younger.mailing_list_id.name, "Younger")
        self.assertNotEqual(younger.mailing_list_id, self.marketing_list)

    def test_opt_outs_stay_whatever_the_segment_does(self):
        """Issue 18, hole 5: a customer who unsubscribed, left the segment and came back stays unsubscribed."""
        self._rank(self.company)
        segment = (
            self.env["res.partner.segment"]
            .with_user(self.user_marketing)
            .create({"name": "Class A", "domain": "[('erp_crm_abc_class', '=', 'a')]"})
        )
        segment.action_sync_mailing_list()
        mailing_list = segment.mailing_list_id.sudo()
        # Beta unsubscribes through Odoo's own unsubscribe path
        mailing_list._update_subscription_from_email("beta@example.com", opt_out=True)
        beta_sub = mailing_list.subscription_ids.filtered(lambda sub: sub.contact_id.email == "beta@example.com")
        self.assertTrue(beta_sub.opt_out)
        # Beta leaves the segment, the list is synchronised, Beta comes back, synchronised again
        segment.write({"domain": f"[('erp_crm_abc_class', '=', 'a'), ('id', '!=', {self.beta.id})]"})
        segment.action_sync_mailing_list()
        self.assertTrue(beta_sub.exists(), "an opted-out subscription is never deleted")
        segment.write({"domain": "[('erp_crm_abc_class', '=', 'a')]"})
        segment.action_sync_mailing_list()
        self.env.invalidate_all()
        subs = mailing_list.subscription_ids.filtered(lambda sub: sub.contact_id.email == "beta@example.com")
        self.assertEqual(subs, beta_sub)
        self.assertTrue(subs.opt_out, "still opted out")
        self.assertEqual(
            set(mailing_list.subscription_ids.filtered(lambda sub: not sub.opt_out).contact_id.mapped("email")),
            {"alpha@example.com", "ann@example.com"},
        )

    def test_sales_users_cannot_change_segments(self):
        segment = self.env["res.partner.segment"].create({"name": "All", "domain": "[]"})
        with self.assertRaises(AccessError):
            segment.with_user(self.user_sales).write({"domain": "[('id', '=', 1)]"})
        with self.assertRaises(AccessError):
            segment.with_user(self.user_sales).action_sync_mailing_list()


@tagged("erp_crm")
@freeze_time(TODAY)
class TestRankingQueries(ErpCrmCommon):
    """The ranking costs the same number of queries for 10 and for 200 customers: one statement ranks, one finds
    the open service requests whose priority follows a changed class (none here)."""

    def _customers_with_invoices(self, count, prefix):
        partners = self.env["res.partner"].create([{"name": f"{prefix} {i}", "is_company": True} for i in range(count)])
        journal = self.env["account.journal"].search(
            [("company_id", "=", self.env.company.id), ("type", "=", "sale")], limit=1
        )
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": f"2026-0{1 + i % 6}-1{i % 5}",
                    "journal_id": journal.id,
                    "invoice_line_ids": [
                        Command.create({"name": "W", "price_unit": 100 + i % 37, "tax_ids": [Command.clear()]})
                    ],
                }
                for i, partner in enumerate(partners)
            ]
        )
        moves.action_post()

    def test_query_count_does_not_grow_with_customers(self):
        Ranking = self.env["res.partner.ranking"]
        company = self.env.company
        self._customers_with_invoices(10, "Small")
        self.env.flush_all()
        with self.assertQueryCount(2):
            Ranking._compute_ranking(company)
        self.assertEqual(Ranking.search_count([("company_id", "=", company.id)]), 10)
        self._customers_with_invoices(190, "Large")
        self.env.flush_all()
        with self.assertQueryCount(2):
            Ranking._compute_ranking(company)
        self.assertEqual(Ranking.search_count([("company_id", "=", company.id)]), 200)


@tagged("erp_crm")
@freeze_time(TODAY)
class TestRankingTriggers(RankingCommon):
    """Stage triggers on the customer's class or segment: a trigger limited to some customers, and a stage
    entered when the customer is ranked into a class or segment."""

    def test_stage_entered_when_the_customer_is_ranked_into_a_class(self):
        self.stage_measure.write({"trigger": "customer_ranked", "trigger_domain": "[('erp_crm_abc_class', '=', 'a')]"})
        deal_a = self._create_deal(partner_id=self.ann.id)  # Alpha's contact: Alpha will be A
        deal_b = self._create_deal(partner_id=self.delta.id)  # B
        deal_none = self._create_deal(partner_id=self.kappa.id)  # not ranked
        self.assertEqual((deal_a | deal_b | deal_none).stage_id, self.stage_call)
        self._rank()
        self.assertEqual(deal_a.stage_id, self.stage_measure)
        self.assertEqual(deal_a.stage_history_ids.sorted("id").stage_id, self.stage_call | self.stage_measure)
        self.assertEqual((deal_b | deal_none).stage_id, self.stage_call)
        # Only a change of class or segment tells the deals: a deal moved back by hand stays.
        deal_a.stage_id = self.stage_call
        self._rank()
        self.assertEqual(deal_a.stage_id, self.stage_call)
        # Delta becomes A when the A threshold rises (Alpha stays A: its deal is not told again).
        self.company.write({"erp_crm_ranking_threshold_a": 95, "erp_crm_ranking_threshold_b": 99})
        self._rank()
        self.assertEqual(self._rankings()[self.delta].abc_class, "a")
        self.assertEqual(deal_b.stage_id, self.stage_measure)
        self.assertEqual((deal_a | deal_none).stage_id, self.stage_call)

    def test_ranking_moves_deals_forward_only_and_never_closed_ones(self):
        self.stage_measure.write(
            {"trigger": "customer_ranked", "trigger_domain": "[('erp_crm_rfm_segment', '=', 'champions')]"}
        )
        ahead = self._create_deal(partner_id=self.alpha.id)
        ahead.stage_id = self.stage_approval
        lost = self._create_deal(partner_id=self.beta.id)
        lost._mark_lost(self.lost_reason)
        self._rank()
        self.assertEqual(ahead.stage_id, self.stage_approval)
        self.assertEqual(lost.won_status, "lost")

    def test_trigger_limited_to_the_deals_of_a_customers(self):
        """ "Quotation sent moves the deal here only for A customers"."""
        self._rank()
        self.stage_measure.write({"trigger": "quotation_sent", "trigger_domain": "[('erp_crm_abc_class', '=', 'a')]"})
        deal_a = self._create_deal(partner_id=self.ann.id)
        deal_b = self._create_deal(partner_id=self.delta.id)
        (deal_a | deal_b).action_quotation_sent()
        self.assertEqual(deal_a.stage_id, self.stage_measure)
        self.assertEqual(deal_b.stage_id, self.stage_call)
        # The segment works the same way, with lists.
        self.stage_approval.write(
            {"trigger": "quotation_sent", "trigger_domain": "[('erp_crm_rfm_segment', 'in', ['champions', 'loyal'])]"}
        )
        deal_b._erp_crm_on_event("quotation_sent")
        self.assertEqual(deal_b.stage_id, self.stage_approval)  # Delta is a champion

    def test_trigger_condition_is_checked_when_saved(self):
        cases = [
            ({"trigger": "customer_ranked"}, "say which"),
            ({"trigger": "quotation_sent", "trigger_domain": "[('no_such_field', '=', 1)]"}, "cannot be read"),
            ({"trigger": "quotation_sent", "trigger_domain": "[('name', '=', __import__('os').name)]"}, "not"),
            ({"trigger": "quotation_sent", "trigger_domain": "'a'"}, "cannot be read"),
        ]
        for values, message in cases:
            with (
                self.subTest(values=values),
                self.assertRaisesRegex(ValidationError, f"Only for Deals Matching.*{message}"),
            ):
                with self.env.cr.savepoint():
                    self.stage_measure.write(values)
        self.assertFalse(self.stage_measure.trigger_domain)
