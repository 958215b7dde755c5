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
        queries whatever the number of customers: one statement ranks and upserts the rows (and drops the rows
        of customers who are no longer ranked), one more records this month's snapshot.

        Runs as SQL over the accounting tables on purpose: a ranking is an aggregate of the whole company's
        invoices, which sales users may not read one by one. Only the cron and sales managers run it.
        """
        if not companies:
            return
        self.env.flush_all()
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        self.env.execute_query(self._ranking_upsert_sql(companies.ids, today, now))
        self.env["res.partner.ranking.snapshot"]._take_snapshot(companies, today)
        self.invalidate_model()
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
           c.erp_crm_ranking_threshold_b::numeric AS threshold_b
      FROM res_company c
     WHERE c.id = ANY(%(company_ids)s)
),
moves AS (
    SELECT m.company_id, m.commercial_partner_id AS partner_id, m.move_type, m.invoice_date,
           m.amount_untaxed_signed AS amount, m.invoice_date >= p.period_start AS in_period
      FROM account_move m
      JOIN params p ON p.company_id = m.company_id
      JOIN res_partner rp ON rp.id = m.commercial_partner_id AND rp.active
     WHERE m.state = 'posted'
       AND m.move_type IN ('out_invoice', 'out_refund')
       AND m.invoice_date <= %(today)s
),
customers AS (
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
    SELECT c.*, p.period_start, p.threshold_a, p.threshold_b,
           COUNT(*) OVER company AS customers,
           COUNT(*) FILTER (WHERE c.revenue > 0) OVER company AS paying_customers,
           SUM(GREATEST(c.revenue, 0)) OVER company AS total_revenue,
           -- cumulative revenue down to this customer, its ties included (ties share their class)
           SUM(GREATEST(c.revenue, 0)) OVER (
               PARTITION BY c.company_id ORDER BY c.revenue DESC RANGE UNBOUNDED PRECEDING
           ) AS revenue_cumulative,
           SUM(GREATEST(c.revenue, 0)) OVER (PARTITION BY c.company_id, c.revenue) AS revenue_ties,
           ROW_NUMBER() OVER (PARTITION BY c.company_id ORDER BY c.revenue DESC, c.partner_id) AS row_position,
           RANK() OVER (PARTITION BY c.company_id ORDER BY c.revenue DESC) AS m_rank,
           RANK() OVER (PARTITION BY c.company_id ORDER BY c.last_invoice_date DESC NULLS LAST) AS r_rank,
           RANK() OVER (PARTITION BY c.company_id ORDER BY c.frequency DESC) AS f_rank,
           COALESCE(d.won_count, 0) AS won_count,
           COALESCE(d.closed_count, 0) AS closed_count
      FROM customers c
      JOIN params p ON p.company_id = c.company_id
      LEFT JOIN deals d ON d.company_id = c.company_id AND d.partner_id = c.partner_id
    WINDOW company AS (PARTITION BY c.company_id)
),
scored AS (
    SELECT w.*,
           -- revenue of the customers strictly above this one (not EXCLUDE GROUP: quadratic in PostgreSQL)
           w.revenue_cumulative - w.revenue_ties AS revenue_above,
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
company_stamp AS (
    UPDATE res_company SET erp_crm_ranking_date = %(now)s WHERE id = ANY(%(company_ids)s)
),
upserted AS (
    INSERT INTO res_partner_ranking (
        partner_id, company_id, period_start, revenue, revenue_share, cumulative_share, rank_position,
        customer_percentile, abc_class, frequency, r_score, f_score, m_score, rfm_score,
        rfm_segment, rfm_segment_since, lifetime_revenue, first_invoice_date, last_invoice_date,
        invoice_count, avg_days_between, won_count, closed_count, conversion, date_changed,
        create_uid, create_date, write_uid, write_date
    )
    SELECT partner_id, company_id, period_start, revenue,
           CASE WHEN revenue > 0 THEN ROUND(100 * revenue / total_revenue, 4) ELSE 0 END,
           CASE WHEN revenue > 0 THEN ROUND(100 * revenue_cumulative / total_revenue, 4) ELSE 100 END,
           m_rank,
           CASE WHEN revenue > 0 THEN CEIL(100.0 * row_position / paying_customers) END,
           abc_class, frequency, r_score, f_score, m_score,
           CONCAT(r_score, f_score, m_score),
           rfm_segment, %(today)s, lifetime_revenue, first_invoice_date, last_invoice_date, invoice_count,
           CASE WHEN invoice_count > 1
                THEN ROUND((last_invoice_date - first_invoice_date)::numeric / (invoice_count - 1), 2) END,
           won_count, closed_count,
           CASE WHEN closed_count > 0 THEN ROUND(100.0 * won_count / closed_count, 2) END,
           %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
      FROM ranked
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
    -- narrow rows, and only the changed ones are written: a daily run rewrites few rows
    WHERE (res_partner_ranking.period_start, res_partner_ranking.revenue, res_partner_ranking.revenue_share,
           res_partner_ranking.cumulative_share, res_partner_ranking.rank_position,
           res_partner_ranking.customer_percentile, res_partner_ranking.abc_class, res_partner_ranking.frequency,
           res_partner_ranking.rfm_score, res_partner_ranking.rfm_segment, res_partner_ranking.lifetime_revenue,
           res_partner_ranking.first_invoice_date, res_partner_ranking.last_invoice_date,
           res_partner_ranking.invoice_count, res_partner_ranking.avg_days_between, res_partner_ranking.won_count,
           res_partner_ranking.closed_count, res_partner_ranking.conversion)
          IS DISTINCT FROM
          (EXCLUDED.period_start, EXCLUDED.revenue, EXCLUDED.revenue_share, EXCLUDED.cumulative_share,
           EXCLUDED.rank_position, EXCLUDED.customer_percentile, EXCLUDED.abc_class, EXCLUDED.frequency,
           EXCLUDED.rfm_score, EXCLUDED.rfm_segment, EXCLUDED.lifetime_revenue, EXCLUDED.first_invoice_date,
           EXCLUDED.last_invoice_date, EXCLUDED.invoice_count, EXCLUDED.avg_days_between, EXCLUDED.won_count,
           EXCLUDED.closed_count, EXCLUDED.conversion)
)
-- customers who are no longer ranked (archived, or their invoices cancelled) lose their row
DELETE FROM res_partner_ranking r
 WHERE r.company_id = ANY(%(company_ids)s)
   AND NOT EXISTS (SELECT 1 FROM ranked k WHERE k.company_id = r.company_id AND k.partner_id = r.partner_id)
""",
            today=today,
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
