from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

ABC_CLASSES = [("a", "A"), ("b", "B"), ("c", "C")]
RFM_SEGMENTS = [
    ("champions", "Champions"),
    ("loyal", "Loyal"),
    ("potential", "Potential"),
    ("new", "New"),
    ("at_risk", "At risk"),
    ("cant_lose", "Can't lose"),
    ("hibernating", "Hibernating"),
    ("lost", "Lost"),
]
# Segments from the recency (R) and frequency (F) scores, first match wins (README, "Customer ranking").
RFM_SEGMENT_SQL = SQL(
    """CASE
        WHEN r_score >= 4 AND f_score >= 4 THEN 'champions'
        WHEN r_score = 3 AND f_score >= 4 THEN 'loyal'
        WHEN r_score >= 3 AND f_score BETWEEN 2 AND 3 THEN 'potential'
        WHEN r_score >= 4 AND f_score = 1 THEN 'new'
        WHEN r_score <= 2 AND f_score = 5 THEN 'cant_lose'
        WHEN r_score <= 2 AND f_score BETWEEN 3 AND 4 THEN 'at_risk'
        WHEN r_score >= 2 THEN 'hibernating'
        ELSE 'lost'
    END"""
)


class ResPartnerRanking(models.Model):
    """One customer's ranking in one company: a narrow row written set-based by :meth:`_compute_ranking`."""

    _name = "res.partner.ranking"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Customer Ranking"
    _order = "company_id, rank_position, id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    salesperson_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    # period figures
    period_start = fields.Date(readonly=True, help="First day of the ranking period.")
    revenue = fields.Monetary(
        string="Revenue (period)", readonly=True, help="Posted invoices net of credit notes, untaxed, company currency."
    )
    revenue_share = fields.Float(string="Revenue Share (%)", readonly=True, aggregator="sum")
    cumulative_share = fields.Float(string="Cumulative Share (%)", readonly=True, aggregator="max")
    rank_position = fields.Integer(string="Rank", readonly=True, aggregator="min")
    customer_percentile = fields.Integer(
        string="Customer Share (%)",
        readonly=True,
        aggregator=False,
        help="Position of the customer among the company's customers with revenue, as a percentile (1 = top 1%).",
    )
    abc_class = fields.Selection(ABC_CLASSES, string="Class", readonly=True)
    frequency = fields.Integer(string="Invoices (period)", readonly=True)
    recency_days = fields.Integer(
        string="Days Since Last Invoice",
        compute="_compute_recency_days",
        help="Not stored: a stored count of days would rewrite every row every day.",
    )
    r_score = fields.Integer(string="R", readonly=True, aggregator="avg")
    f_score = fields.Integer(string="F", readonly=True, aggregator="avg")
    m_score = fields.Integer(string="M", readonly=True, aggregator="avg")
    rfm_score = fields.Char(string="RFM", readonly=True)
    rfm_segment = fields.Selection(RFM_SEGMENTS, string="Segment", readonly=True)
    rfm_segment_since = fields.Date(string="In Segment Since", readonly=True)
    previous_rfm_segment = fields.Selection(RFM_SEGMENTS, string="Previous Segment", readonly=True)
    # lifetime figures
    lifetime_revenue = fields.Monetary(readonly=True)
    first_invoice_date = fields.Date(readonly=True)
    last_invoice_date = fields.Date(readonly=True)
    invoice_count = fields.Integer(string="Invoices", readonly=True)
    avg_days_between = fields.Float(string="Average Days Between Invoices", readonly=True, aggregator="avg")
    won_count = fields.Integer(string="Won Deals", readonly=True)
    closed_count = fields.Integer(string="Closed Deals", readonly=True)
    conversion = fields.Float(string="Conversion (%)", readonly=True, aggregator="avg")
    date_changed = fields.Datetime(string="Changed On", readonly=True, help="When this row last changed.")
    date_computed = fields.Datetime(
        related="company_id.erp_crm_ranking_date", string="Computed On", help="When the company was last ranked."
    )

    # also serves the look-ups by company (the rows of one company are read and written together)
    _company_partner_uniq = models.UniqueIndex("(company_id, partner_id)", "A customer has one ranking per company.")

    @api.depends("last_invoice_date")
    def _compute_recency_days(self):
        today = fields.Date.context_today(self)
        for ranking in self:
            last = ranking.last_invoice_date
            ranking.recency_days = (today - last).days if last else 0

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    @api.model
    def action_recompute(self):
        """ "Recompute now": the full ranking of the user's companies (sales managers)."""
        if not self.env.user.has_group("erp_crm.erp_crm_group_manager"):
            raise AccessError(self.env._("Only sales managers can recompute the customer ranking."))
        self._compute_ranking(self.env.companies)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Customer ranking recomputed."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _cron_compute_ranking(self):
        """Daily: rank each company's customers (one statement per company), snapshot, re-engage."""
        companies = self.env["res.company"].search([])
        self.env["ir.cron"]._commit_progress(remaining=len(companies))
        for company in companies:
            self._compute_ranking(company)
            self._reengage(company)
            if not self.env["ir.cron"]._commit_progress(1):
                return
        self.env["res.partner.segment"]._cron_sync_segments()

    @api.model
    def _compute_ranking(self, companies):
        """Rank the customers of ``companies`` from their posted invoices, set-based, in a constant number of
        queries whatever the number of customers: one statement ranks the customers, writes the rows that change,
        drops the rows of customers who are no longer ranked and records this month's snapshot.

        Runs as SQL over the accounting tables on purpose: a ranking is an aggregate of the whole company's
        invoices, which sales users may not read one by one. Only the cron and sales managers run it.
        """
        if not companies:
            return
        self.env.flush_all()
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        self.env.execute_query(self._ranking_upsert_sql(companies.ids, today, now))
        self.invalidate_model()
        self.env["res.partner.ranking.snapshot"].invalidate_model()
        companies.invalidate_recordset(["erp_crm_ranking_date"])
        self.env["res.partner"].invalidate_model(["erp_crm_ranking_id"])

    def _ranking_upsert_sql(self, company_ids, today, now):
        uid = self.env.uid
        return SQL(
            """
WITH params AS (
    SELECT c.id AS company_id,
           (%(today)s::date - make_interval(months => c.erp_crm_ranking_months))::date AS period_start,
           c.erp_crm_ranking_threshold_a::numeric AS threshold_a,
           c.erp_crm_ranking_threshold_b::numeric AS threshold_b,
           c.erp_crm_ranking_date AS previous_ranking_date
      FROM res_company c
     WHERE c.id = ANY(%(company_ids)s)
),
moves AS (
    SELECT m.company_id, m.commercial_partner_id AS partner_id, m.move_type, m.invoice_date,
           m.amount_untaxed_signed AS amount, m.invoice_date >= p.period_start AS in_period
      FROM account_move m
      JOIN params p ON p.company_id = m.company_id
     WHERE m.state = 'posted'
       AND m.move_type IN ('out_invoice', 'out_refund')
       AND m.invoice_date <= %(today)s
),
totals AS (
    SELECT company_id, partner_id,
           COALESCE(SUM(amount) FILTER (WHERE in_period), 0) AS revenue,
           COUNT(*) FILTER (WHERE in_period AND move_type = 'out_invoice') AS frequency,
           SUM(amount) AS lifetime_revenue,
           MIN(invoice_date) FILTER (WHERE move_type = 'out_invoice') AS first_invoice_date,
           MAX(invoice_date) FILTER (WHERE move_type = 'out_invoice') AS last_invoice_date,
           COUNT(*) FILTER (WHERE move_type = 'out_invoice') AS invoice_count
      FROM moves
     GROUP BY company_id, partner_id
),
customers AS (
    -- archived customers are not ranked (and their revenue is not in the shares)
    SELECT t.* FROM totals t JOIN res_partner rp ON rp.id = t.partner_id AND rp.active
),
deals AS (
    SELECT so.company_id, sp.commercial_partner_id AS partner_id,
           COUNT(*) FILTER (WHERE so.won_status = 'won') AS won_count,
           COUNT(*) AS closed_count
      FROM sale_order so
      JOIN res_partner sp ON sp.id = so.partner_id
     WHERE so.company_id = ANY(%(company_ids)s)
       AND so.won_status IN ('won', 'lost')
     GROUP BY so.company_id, sp.commercial_partner_id
),
windowed AS (
    -- three sorts in all: by revenue, by last invoice, by frequency
    SELECT c.*, p.period_start, p.threshold_a, p.threshold_b,
           COUNT(*) OVER company AS customers,
           COUNT(*) FILTER (WHERE c.revenue > 0) OVER company AS paying_customers,
           SUM(GREATEST(c.revenue, 0)) OVER company AS total_revenue,
           -- cumulative revenue down to this customer, its ties included (ties share their class)
           SUM(GREATEST(c.revenue, 0)) OVER by_revenue AS revenue_cumulative,
           COUNT(*) OVER by_revenue AS last_position,  -- position of the last of its ties
           RANK() OVER by_revenue AS m_rank,
           RANK() OVER (PARTITION BY c.company_id ORDER BY c.last_invoice_date DESC NULLS LAST) AS r_rank,
           RANK() OVER (PARTITION BY c.company_id ORDER BY c.frequency DESC) AS f_rank,
           COALESCE(d.won_count, 0) AS won_count,
           COALESCE(d.closed_count, 0) AS closed_count
      FROM customers c
      JOIN params p ON p.company_id = c.company_id
      LEFT JOIN deals d ON d.company_id = c.company_id AND d.partner_id = c.partner_id
    WINDOW company AS (PARTITION BY c.company_id),
           by_revenue AS (PARTITION BY c.company_id ORDER BY c.revenue DESC)
),
scored AS (
    SELECT w.*,
           -- revenue of the customers strictly above this one (not EXCLUDE GROUP: quadratic in PostgreSQL)
           w.revenue_cumulative - GREATEST(w.revenue, 0) * (w.last_position - w.m_rank + 1) AS revenue_above,
           -- score 5 for the best fifth, 1 for the last; tied customers share the better score
           5 - (5 * (w.r_rank - 1)) / w.customers AS r_score,
           5 - (5 * (w.f_rank - 1)) / w.customers AS f_score,
           5 - (5 * (w.m_rank - 1)) / w.customers AS m_score
      FROM windowed w
),
ranked AS (
    SELECT s.*,
           CASE
               WHEN s.revenue <= 0 THEN 'c'
               WHEN s.revenue_above * 100 < s.threshold_a * s.total_revenue THEN 'a'
               WHEN s.revenue_above * 100 < s.threshold_b * s.total_revenue THEN 'b'
               ELSE 'c'
           END AS abc_class,
           %(segment)s AS rfm_segment
      FROM scored s
),
final AS (
    -- the row of each ranked customer, as stored
    SELECT company_id, partner_id, period_start, revenue,
           (CASE WHEN revenue > 0 THEN ROUND(100 * revenue / total_revenue, 4) ELSE 0 END)::float8
               AS revenue_share,
           (CASE WHEN revenue > 0 THEN ROUND(100 * revenue_cumulative / total_revenue, 4) ELSE 100 END)::float8
               AS cumulative_share,
           m_rank::int4 AS rank_position,
           (CASE WHEN revenue > 0 THEN CEIL(100.0 * m_rank / paying_customers) END)::int4 AS customer_percentile,
           abc_class::varchar AS abc_class, frequency::int4 AS frequency,
           r_score::int4 AS r_score, f_score::int4 AS f_score, m_score::int4 AS m_score,
           CONCAT(r_score, f_score, m_score)::varchar AS rfm_score, rfm_segment::varchar AS rfm_segment,
           lifetime_revenue, first_invoice_date, last_invoice_date, invoice_count::int4 AS invoice_count,
           (CASE WHEN invoice_count > 1
                 THEN ROUND((last_invoice_date - first_invoice_date)::numeric / (invoice_count - 1), 2) END)::float8
               AS avg_days_between,
           won_count::int4 AS won_count, closed_count::int4 AS closed_count,
           (CASE WHEN closed_count > 0 THEN ROUND(100.0 * won_count / closed_count, 2) END)::float8 AS conversion
      FROM ranked
),
changed AS (
    -- narrow rows, and only the new or changed ones are written: a daily run rewrites few rows
    SELECT f.*
      FROM final f
      LEFT JOIN res_partner_ranking e ON e.company_id = f.company_id AND e.partner_id = f.partner_id
     WHERE e.id IS NULL
        OR (e.period_start, e.revenue, e.revenue_share, e.cumulative_share, e.rank_position, e.customer_percentile,
            e.abc_class, e.frequency, e.rfm_score, e.rfm_segment, e.lifetime_revenue, e.first_invoice_date,
            e.last_invoice_date, e.invoice_count, e.avg_days_between, e.won_count, e.closed_count, e.conversion)
           IS DISTINCT FROM
           (f.period_start, f.revenue, f.revenue_share, f.cumulative_share, f.rank_position, f.customer_percentile,
            f.abc_class, f.frequency, f.rfm_score, f.rfm_segment, f.lifetime_revenue, f.first_invoice_date,
            f.last_invoice_date, f.invoice_count, f.avg_days_between, f.won_count, f.closed_count, f.conversion)
),
company_stamp AS (
    UPDATE res_company SET erp_crm_ranking_date = %(now)s WHERE id = ANY(%(company_ids)s)
),
upserted AS (
    INSERT INTO res_partner_ranking (
        company_id, partner_id, period_start, revenue, revenue_share, cumulative_share, rank_position,
        customer_percentile, abc_class, frequency, r_score, f_score, m_score, rfm_score, rfm_segment,
        lifetime_revenue, first_invoice_date, last_invoice_date, invoice_count, avg_days_between,
        won_count, closed_count, conversion, rfm_segment_since, date_changed,
        create_uid, create_date, write_uid, write_date
    )
    SELECT c.*, %(today)s, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
      FROM changed c
    ON CONFLICT (company_id, partner_id) DO UPDATE SET
        period_start = EXCLUDED.period_start,
        revenue = EXCLUDED.revenue,
        revenue_share = EXCLUDED.revenue_share,
        cumulative_share = EXCLUDED.cumulative_share,
        rank_position = EXCLUDED.rank_position,
        customer_percentile = EXCLUDED.customer_percentile,
        abc_class = EXCLUDED.abc_class,
        frequency = EXCLUDED.frequency,
        r_score = EXCLUDED.r_score,
        f_score = EXCLUDED.f_score,
        m_score = EXCLUDED.m_score,
        rfm_score = EXCLUDED.rfm_score,
        previous_rfm_segment = CASE
            WHEN res_partner_ranking.rfm_segment IS DISTINCT FROM EXCLUDED.rfm_segment
            THEN res_partner_ranking.rfm_segment ELSE res_partner_ranking.previous_rfm_segment END,
        rfm_segment_since = CASE
            WHEN res_partner_ranking.rfm_segment IS DISTINCT FROM EXCLUDED.rfm_segment
            THEN EXCLUDED.rfm_segment_since ELSE res_partner_ranking.rfm_segment_since END,
        rfm_segment = EXCLUDED.rfm_segment,
        lifetime_revenue = EXCLUDED.lifetime_revenue,
        first_invoice_date = EXCLUDED.first_invoice_date,
        last_invoice_date = EXCLUDED.last_invoice_date,
        invoice_count = EXCLUDED.invoice_count,
        avg_days_between = EXCLUDED.avg_days_between,
        won_count = EXCLUDED.won_count,
        closed_count = EXCLUDED.closed_count,
        conversion = EXCLUDED.conversion,
        date_changed = EXCLUDED.date_changed,
        write_uid = EXCLUDED.write_uid,
        write_date = EXCLUDED.write_date
),
-- This month's snapshot (res.partner.ranking.snapshot) is the month's last ranking: all rows at the month's
-- first ranking, then only the rows that change.
snapshot_dropped AS (
    DELETE FROM res_partner_ranking_snapshot s
     WHERE s.month = %(month)s
       AND s.company_id = ANY(%(company_ids)s)
       -- NOT IN: a hashed subplan whatever the row estimates of the CTEs (an anti join may loop over them)
       AND (s.company_id, s.partner_id) NOT IN (SELECT k.company_id, k.partner_id FROM final k)
),
snapshot_upserted AS (
    INSERT INTO res_partner_ranking_snapshot (
        month, partner_id, company_id, abc_class, rfm_segment, rfm_score, revenue,
        create_uid, create_date, write_uid, write_date
    )
    SELECT %(month)s, f.partner_id, f.company_id, f.abc_class, f.rfm_segment, f.rfm_score, f.revenue,
           %(uid)s, %(now)s, %(uid)s, %(now)s
      FROM final f
      JOIN params p ON p.company_id = f.company_id
     WHERE p.previous_ranking_date IS NULL
        OR p.previous_ranking_date < %(month)s
        OR (f.company_id, f.partner_id) IN (SELECT c.company_id, c.partner_id FROM changed c)
    ON CONFLICT (month, partner_id, company_id) DO UPDATE SET
        abc_class = EXCLUDED.abc_class,
        rfm_segment = EXCLUDED.rfm_segment,
        rfm_score = EXCLUDED.rfm_score,
        revenue = EXCLUDED.revenue,
        write_uid = EXCLUDED.write_uid,
        write_date = EXCLUDED.write_date
    WHERE (res_partner_ranking_snapshot.abc_class, res_partner_ranking_snapshot.rfm_segment,
           res_partner_ranking_snapshot.rfm_score, res_partner_ranking_snapshot.revenue)
          IS DISTINCT FROM (EXCLUDED.abc_class, EXCLUDED.rfm_segment, EXCLUDED.rfm_score, EXCLUDED.revenue)
)
-- customers who are no longer ranked (archived, or their invoices cancelled) lose their row
DELETE FROM res_partner_ranking r
 WHERE r.company_id = ANY(%(company_ids)s)
   AND (r.company_id, r.partner_id) NOT IN (SELECT k.company_id, k.partner_id FROM final k)
""",
            today=today,
            month=today.replace(day=1),
            now=now,
            uid=uid,
            company_ids=list(company_ids),
            segment=RFM_SEGMENT_SQL,
        )

    @api.model
    def _reengage(self, company):
        """Re-engagement (off by default, per company): see ``sale.order._erp_crm_reengage``."""
        if company.erp_crm_reengage_active and company.erp_crm_reengage_funnel_id:
            self.env["sale.order"]._erp_crm_reengage(company)
