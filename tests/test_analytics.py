from datetime import date

from psycopg2.errors import CheckViolation

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, tagged
from odoo.tools import SQL, mute_logger

from .common import ErpCrmCommon


class AnalyticsCommon(ErpCrmCommon):
    """A hand-built month of deals, every step at a known time.

    2026-01-05 09:00  A (Sally, source "Web"), B (Sally) and C (Sam) enter First call
    2026-01-05 10:00  Sally marks a call done on A
    2026-01-05 13:00  A moves to Measurement (4 h in First call)
    2026-01-05 15:00  B moves to Measurement (6 h)
    2026-01-06 09:00  C is lost from First call (24 h)
    2026-02-02 09:00  A is won from Measurement (668 h; a 28-day cycle)
    B stays in Measurement (20%) with an open activity due 2026-01-10; "now" is 2026-02-10.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.source_web = cls.env["utm.source"].create({"name": "Web"})
        with freeze_time("2026-01-05 09:00:00"):
            cls.deal_a = cls._create_deal(user_id=cls.user_sales.id, source_id=cls.source_web.id)
            cls.deal_b = cls._create_deal(user_id=cls.user_sales.id)
            cls.deal_c = cls._create_deal(user_id=cls.user_sales_2.id)
            call = cls.deal_a.activity_schedule(
                "mail.mail_activity_data_call", user_id=cls.user_sales.id, date_deadline=date(2026, 1, 5)
            )
            cls.deal_b.activity_schedule(
                "mail.mail_activity_data_todo", user_id=cls.user_sales.id, date_deadline=date(2026, 1, 10)
            )
        with freeze_time("2026-01-05 10:00:00"):
            call.with_user(cls.user_sales).action_done()
        with freeze_time("2026-01-05 13:00:00"):
            cls.deal_a.write({"stage_id": cls.stage_measure.id})
        with freeze_time("2026-01-05 15:00:00"):
            cls.deal_b.write({"stage_id": cls.stage_measure.id})
        with freeze_time("2026-01-06 09:00:00"):
            cls.deal_c._mark_lost(cls.lost_reason)
        with freeze_time("2026-02-02 09:00:00"):
            cls.deal_a.write({"stage_id": cls.stage_won.id})
        cls.env.flush_all()
        cls.amount = {deal: deal.amount_untaxed for deal in (cls.deal_a, cls.deal_b, cls.deal_c)}


@tagged("erp_crm")
@freeze_time("2026-02-10 12:00:00")
class TestFunnelAnalysis(AnalyticsCommon):
    def _by_stage(self, user=None, domain=()):
        Report = self.env["sale.funnel.report"].with_user(user or self.user_all)
        groups = Report.formatted_read_group(
            [("funnel_id", "=", self.funnel.id), *domain],
            ["stage_id"],
            [
                "entered_count:sum",
                "moved_on_count:sum",
                "lost_count:sum",
                "won_count:sum",
                "next_rate:avg",
                "won_rate:avg",
                "duration_hours:avg",
                "median_hours:avg",
                "amount:sum",
                "won_amount:sum",
            ],
        )
        return {group["stage_id"][1]: group for group in groups}

    def test_history_records_where_a_deal_went(self):
        rows = self.deal_a.stage_history_ids.sorted("date_in")
        self.assertEqual(rows.mapped("to_stage_id"), self.stage_measure | self.stage_won)
        self.assertFalse(rows[-1].to_stage_id)
        self.assertEqual(self.deal_c.stage_history_ids.sorted("date_in")[0].to_stage_id, self.stage_lost)

    def test_numbers_per_stage(self):
        stages = self._by_stage()
        self.assertEqual(set(stages), {"First call", "Measurement", "Won", "Lost"})
        call, measure = stages["First call"], stages["Measurement"]
        a, b, c = self.amount[self.deal_a], self.amount[self.deal_b], self.amount[self.deal_c]
        self.assertEqual(
            (call["entered_count:sum"], call["moved_on_count:sum"], call["lost_count:sum"], call["won_count:sum"]),
            (3, 2, 1, 1),
        )
        self.assertAlmostEqual(call["next_rate:avg"], 200 / 3)
        self.assertAlmostEqual(call["won_rate:avg"], 100 / 3)
        self.assertAlmostEqual(call["duration_hours:avg"], (4 + 6 + 24) / 3)
        self.assertAlmostEqual(call["median_hours:avg"], 6)
        self.assertAlmostEqual(call["amount:sum"], a + b + c)
        self.assertAlmostEqual(call["won_amount:sum"], a)
        # B is still in Measurement: it counts as entered, not in the times.
        self.assertEqual((measure["entered_count:sum"], measure["moved_on_count:sum"]), (2, 1))
        self.assertAlmostEqual(measure["next_rate:avg"], 50)
        self.assertAlmostEqual(measure["duration_hours:avg"], 668)
        self.assertAlmostEqual(measure["median_hours:avg"], 668)
        self.assertEqual(stages["Won"]["entered_count:sum"], 1)
        self.assertEqual(stages["Lost"]["entered_count:sum"], 1)
        # Groups come in the stages' order (by sequence, as in the pipeline).
        self.assertEqual(list(stages), ["First call", "Measurement", "Won", "Lost"])
        self.stage_lost.sequence = -1
        self.assertEqual(list(self._by_stage()), ["Lost", "First call", "Measurement", "Won"])

    def test_by_month_source_and_period(self):
        Report = self.env["sale.funnel.report"]
        months = Report.formatted_read_group(
            [("funnel_id", "=", self.funnel.id)], ["date:month"], ["entered_count:sum"]
        )
        self.assertEqual(
            [(g["date:month"][1], g["entered_count:sum"]) for g in months],
            [
                ("January 2026", 6),
                ("February 2026", 1),
            ],
        )
        web = self._by_stage(domain=[("source_id", "=", self.source_web.id)])
        self.assertEqual(
            {name: g["entered_count:sum"] for name, g in web.items()},
            {
                "First call": 1,
                "Measurement": 1,
                "Won": 1,
            },
        )
        february = self._by_stage(domain=[("date", ">=", "2026-02-01")])
        self.assertEqual(list(february), ["Won"])
        # A rate over the whole funnel is a ratio of sums: 3 moves on (A twice, B) out of 7 entries.
        total = Report.formatted_read_group([("funnel_id", "=", self.funnel.id)], [], ["next_rate:avg"])
        self.assertAlmostEqual(total[0]["next_rate:avg"], 300 / 7)

    def test_salesperson_sees_only_own_numbers(self):
        sally = self._by_stage(self.user_sales)
        self.assertEqual(sally["First call"]["entered_count:sum"], 2)
        self.assertNotIn("Lost", sally)
        sam = self._by_stage(self.user_sales_2)
        self.assertEqual({name: g["entered_count:sum"] for name, g in sam.items()}, {"First call": 1, "Lost": 1})
        rows = self.env["sale.funnel.report"].with_user(self.user_sales).search_read([], ["order_id"])
        self.assertEqual({row["order_id"][0] for row in rows}, {self.deal_a.id, self.deal_b.id})

    def test_other_company_deals_stay_out(self):
        company_b = self.env["res.company"].create({"name": "Windows South"})
        other = self._create_deal(company_id=company_b.id, team_id=False, user_id=False)
        self.assertTrue(other.stage_history_ids)
        rows = self.env["sale.funnel.report"].with_user(self.user_all).search([("order_id", "=", other.id)])
        self.assertFalse(rows)
        self.user_all.company_ids |= company_b
        Report = self.env["sale.funnel.report"].with_user(self.user_all)
        self.assertTrue(Report.with_context(allowed_company_ids=company_b.ids).search([("order_id", "=", other.id)]))

    def test_funnel_chart_data(self):
        data = self.env["sale.funnel.report"].with_user(self.user_all).get_funnel_chart_data(self.funnel.id)
        self.assertEqual(data["funnel_id"], self.funnel.id)
        self.assertIn({"id": self.funnel.id, "name": self.funnel.name}, data["funnels"])
        self.assertEqual(
            [(s["name"], s["entered"], s["next_rate"]) for s in data["stages"]],
            [
                ("First call", 3, 66.7),
                ("Measurement", 2, 50.0),
                ("Approval", 0, None),
                ("Payment", 0, None),
                ("Production", 0, None),
                ("Installation", 0, None),
                ("Won", 1, None),
            ],
        )
        self.assertEqual(data["lost_count"], 1)
        # The last 30 days (from 2026-02-10): only A's win.
        recent = self.env["sale.funnel.report"].get_funnel_chart_data(self.funnel.id, period=30)
        self.assertEqual([s["entered"] for s in recent["stages"]], [0, 0, 0, 0, 0, 0, 1])
        # Rules apply to the chart too.
        sally = self.env["sale.funnel.report"].with_user(self.user_sales).get_funnel_chart_data(self.funnel.id)
        self.assertEqual(sally["stages"][0]["entered"], 2)
        self.assertEqual(sally["lost_count"], 0)
        with self.assertRaises(UserError):
            self.env["sale.funnel.report"].get_funnel_chart_data(self.funnel.id, period="soon")

    def test_analysis_settings_are_restored(self):
        def settings():
            return self.env.execute_query(
                SQL("SELECT current_setting('max_parallel_workers_per_gather'), current_setting('work_mem')")
            )[0]

        before = settings()
        self._by_stage()
        self.env["sale.kpi.report"].formatted_read_group([], ["user_id"], ["won_count:sum"])
        self.assertEqual(settings(), before)

    def test_funnel_chart_query_count(self):
        Report = self.env["sale.funnel.report"].with_user(self.user_all)
        Report.get_funnel_chart_data(self.funnel.id)
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=8):  # funnels, stages, the grouping between two settings
            Report.get_funnel_chart_data(self.funnel.id)


@tagged("erp_crm")
@freeze_time("2026-02-10 12:00:00")
class TestForecast(AnalyticsCommon):
    def test_expected_closing_defaults_from_the_funnel_cycle(self):
        self.assertEqual(self.deal_b.date_expected_close, date(2026, 2, 4))  # 2026-01-05 + 30 days
        self.env["sale.funnel"]._cron_update_cycle_days()
        self.assertAlmostEqual(self.funnel.cycle_days, 28.0)  # A: 2026-01-05 09:00 -> 2026-02-02 09:00
        deal = self._create_deal(user_id=self.user_sales.id)
        self.assertEqual(deal.date_expected_close, date(2026, 3, 10))
        deal.date_expected_close = date(2026, 5, 1)
        self.assertEqual(deal.date_expected_close, date(2026, 5, 1), "a date set by hand stays")

    def test_weighted_forecast_beside_won_amounts(self):
        Report = self.env["sale.forecast.report"].with_user(self.user_all)
        groups = Report.formatted_read_group(
            [("funnel_id", "=", self.funnel.id)],
            ["date:month", "kind"],
            ["won_amount:sum", "expected_amount:sum", "pipeline_amount:sum", "amount:sum"],
        )
        rows = {(g["date:month"][1], g["kind"]): g for g in groups}
        self.assertEqual(set(rows), {("February 2026", "won"), ("February 2026", "forecast")})
        won, forecast = rows[("February 2026", "won")], rows[("February 2026", "forecast")]
        self.assertAlmostEqual(won["won_amount:sum"], self.amount[self.deal_a])
        self.assertAlmostEqual(forecast["pipeline_amount:sum"], self.amount[self.deal_b])
        self.assertAlmostEqual(forecast["expected_amount:sum"], self.amount[self.deal_b] * 0.2)
        self.assertAlmostEqual(forecast["amount:sum"], self.amount[self.deal_b] * 0.2)
        # Moving B on raises its weight to the next stage's probability; a lost deal leaves the forecast.
        self.deal_b.write({"stage_id": self.stage_payment.id})
        total = Report.formatted_read_group(
            [("kind", "=", "forecast"), ("funnel_id", "=", self.funnel.id)], [], ["expected_amount:sum"]
        )
        self.assertAlmostEqual(total[0]["expected_amount:sum"], self.amount[self.deal_b] * 0.6)
        self.deal_b._mark_lost(self.lost_reason)
        self.assertFalse(Report.search([("kind", "=", "forecast"), ("funnel_id", "=", self.funnel.id)]))

    def test_forecast_by_salesperson_respects_rules(self):
        self.deal_c.action_restore()  # Sam's deal is open again, in First call (10%)
        Report = self.env["sale.forecast.report"]
        by_user = Report.with_user(self.user_all).formatted_read_group(
            [("kind", "=", "forecast"), ("funnel_id", "=", self.funnel.id)], ["user_id"], ["expected_amount:sum"]
        )
        self.assertEqual(
            {g["user_id"][0]: round(g["expected_amount:sum"], 2) for g in by_user},
            {
                self.user_sales.id: round(self.amount[self.deal_b] * 0.2, 2),
                self.user_sales_2.id: round(self.amount[self.deal_c] * 0.1, 2),
            },
        )
        sam = Report.with_user(self.user_sales_2).search([("funnel_id", "=", self.funnel.id)])
        self.assertEqual(sam.order_id, self.deal_c)

    def test_cycle_days_cannot_be_negative(self):
        # refused by name when saved (the input guard's bounds) ...
        with self.assertRaisesRegex(ValidationError, r"Average Cycle \(days\): -1"):
            self.funnel.cycle_days = -1
        # ... and by the database for whatever bypasses the ORM
        with mute_logger("odoo.sql_db"), self.assertRaises(CheckViolation), self.cr.savepoint():
            self.env.cr.execute(SQL("UPDATE sale_funnel SET cycle_days = -1 WHERE id = %s", self.funnel.id))


@tagged("erp_crm")
@freeze_time("2026-02-10 12:00:00")
class TestSalespersonKpis(AnalyticsCommon):
    MEASURES = [
        "activity_count:sum",
        "call_count:sum",
        "open_activity_count:sum",
        "overdue_count:sum",
        "created_count:sum",
        "won_count:sum",
        "lost_count:sum",
        "won_amount:sum",
        "conversion_rate:avg",
        "cycle_days:avg",
    ]

    def _kpis(self, user, domain=()):
        groups = (
            self.env["sale.kpi.report"]
            .with_user(user)
            .formatted_read_group([("funnel_id", "=", self.funnel.id), *domain], ["user_id"], self.MEASURES)
        )
        return {group["user_id"][0]: group for group in groups}

    def test_kpis_per_salesperson(self):
        kpis = self._kpis(self.user_all)
        sally, sam = kpis[self.user_sales.id], kpis[self.user_sales_2.id]
        self.assertEqual(
            [sally[m] for m in self.MEASURES[:7]],
            [1, 1, 1, 1, 2, 1, 0],  # a call done, B's to-do overdue since 2026-01-10, A won
        )
        self.assertAlmostEqual(sally["won_amount:sum"], self.amount[self.deal_a])
        self.assertAlmostEqual(sally["conversion_rate:avg"], 50)
        self.assertAlmostEqual(sally["cycle_days:avg"], 28)
        self.assertEqual([sam[m] for m in self.MEASURES[:7]], [0, 0, 0, 0, 1, 0, 1])
        self.assertAlmostEqual(sam["conversion_rate:avg"], 0)

    def test_kpis_by_activity_type_and_period(self):
        by_type = self.env["sale.kpi.report"].formatted_read_group(
            [("kind", "=", "activity_done")], ["activity_type_id"], ["activity_count:sum"]
        )
        call_type = self.env.ref("mail.mail_activity_data_call")
        self.assertEqual([(g["activity_type_id"][0], g["activity_count:sum"]) for g in by_type], [(call_type.id, 1)])
        february = self._kpis(self.user_all, [("date", ">=", "2026-02-01")])
        self.assertEqual(
            (february[self.user_sales.id]["created_count:sum"], february[self.user_sales.id]["won_count:sum"]), (0, 1)
        )

    def test_overdue_follows_today(self):
        with freeze_time("2026-01-08 12:00:00"):
            kpis = self._kpis(self.user_all)
        self.assertEqual(kpis[self.user_sales.id]["overdue_count:sum"], 0)

    def test_salesperson_sees_only_own_kpis(self):
        kpis = self._kpis(self.user_sales)
        self.assertEqual(set(kpis), {self.user_sales.id})
        rows = self.env["sale.kpi.report"].with_user(self.user_sales_2).search([])
        self.assertEqual(set(rows.mapped("user_id")), {self.user_sales_2})


@tagged("erp_crm")
@freeze_time("2026-02-10 12:00:00")
class TestTargets(AnalyticsCommon):
    def _target(self, **values):
        return (
            self.env["sale.target"]
            .with_user(self.user_manager)
            .create({"date_from": "2026-01-01", "date_to": "2026-02-28", **values})
        )

    def test_progress_against_targets(self):
        amount_a = self.amount[self.deal_a]
        sally = self._target(
            user_id=self.user_sales.id, target_won_amount=2 * amount_a, target_won_count=2, target_call_count=4
        )
        team = self._target(team_id=self.sale_team.id, target_won_count=4)
        self.assertEqual((sally.won_amount, sally.won_count, sally.call_count), (amount_a, 1, 1))
        self.assertEqual((sally.won_amount_progress, sally.won_count_progress, sally.call_progress), (50, 50, 25))
        self.assertEqual((team.won_count, team.won_count_progress), (1, 25))
        january = self._target(user_id=self.user_sales.id, date_to="2026-01-31", target_won_count=1)
        self.assertEqual((january.won_count, january.call_count), (0, 1))

    def test_targets_are_checked_and_private(self):
        with self.assertRaises(ValidationError):
            self._target(user_id=self.user_sales.id, team_id=self.sale_team.id)
        with self.assertRaises(ValidationError):
            self._target()
        with self.assertRaises(ValidationError):
            self._target(user_id=self.user_sales.id, date_from="2026-03-01")
        sam = self._target(user_id=self.user_sales_2.id, target_won_count=1)
        self._target(user_id=self.user_sales.id, target_won_count=1)
        visible = self.env["sale.target"].with_user(self.user_sales).search([])
        self.assertEqual(visible.user_id, self.user_sales)
        with self.assertRaises(AccessError):
            sam.with_user(self.user_sales).read(["won_count"])
        with self.assertRaises(AccessError):
            self.env["sale.target"].with_user(self.user_all).create(
                {"user_id": self.user_all.id, "date_from": "2026-01-01", "date_to": "2026-01-31"}
            )
        self.assertEqual(sam.with_user(self.user_all).won_count, 0)
