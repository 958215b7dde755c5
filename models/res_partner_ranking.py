import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

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
# Who may read revenue amounts (README, "What a salesperson may know of money"): sales administrators (ERP CRM
# managers are) and those who read invoices anyway (Invoicing: Billing and above). Salespeople see class, segment,
# scores and shares, not amounts: reading, searching, grouping or summing these fields is refused to them.
REVENUE_GROUPS = "sales_team.group_sale_manager,account.group_account_invoice"
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
    # Rows are written by the ranking statement only: no create/write user columns (two foreign keys less to check
    # for every row of the first ranking); date_changed says when a row last changed.
    _log_access = False
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
        string="Revenue (period)",
        readonly=True,
        groups=REVENUE_GROUPS,
        help="Posted invoices net of credit notes, untaxed, company currency.",
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
    frequency = fields.Integer(
        string="Purchases (period)",
        readonly=True,
        help="Sale orders invoiced in the period (a down payment and its final invoice are one purchase), plus each "
        "invoice made without an order.",
    )
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
    lifetime_revenue = fields.Monetary(readonly=True, groups=REVENUE_GROUPS)
    first_invoice_date = fields.Date(readonly=True)
    last_invoice_date = fields.Date(readonly=True)
    invoice_count = fields.Integer(string="Invoices", readonly=True)
    avg_days_between = fields.Float(string="Average Days Between Invoices", readonly=True, aggregator="avg")
    won_count = fields.Integer(string="Won Deals", readonly=True)
    closed_count = fields.Integer(string="Closed Deals", readonly=True)
    conversion = fields.Float(string="Conversion (%)", readonly=True, aggregator="avg")
    first_deal_source_id = fields.Many2one(
        "utm.source",
        string="Source of First Deal",
        readonly=True,
        ondelete="set null",
        help="Where the customer's first deal in the company came from (its utm source).",
    )
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
        problems = {company: company._erp_crm_settings_problem("erp_crm_ranking_") for company in self.env.companies}
        self._compute_ranking(self.env.companies.filtered(lambda company: not problems[company]))
        skipped = "; ".join(f"{company.name}: {problem}" for company, problem in problems.items() if problem)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if skipped else "success",
                "message": self.env._("Customer ranking recomputed, except for %(skipped)s", skipped=skipped)
                if skipped
                else self.env._("Customer ranking recomputed."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _cron_compute_ranking(self):
        """Daily: rank each company's customers (one statement per company), snapshot, re-engage. A company whose
        settings were saved before their bounds is left out of what they set (logged); the others go on."""
        companies = self.env["res.company"].search([])
        self.env["ir.cron"]._commit_progress(remaining=len(companies))
        for company in companies:
            if problem := company._erp_crm_settings_problem("erp_crm_ranking_"):
                _logger.warning("Customers of company %s not ranked: %s", company.name, problem)
            elif problem := company._erp_crm_settings_problem("erp_crm_reengage_"):
                self._compute_ranking(company)
                _logger.warning("Customers of company %s not re-engaged: %s", company.name, problem)
            else:
                self._compute_ranking(company)
                self._reengage(company)
            if not self.env["ir.cron"]._commit_progress(1):
                return
        self.env["res.partner.segment"]._cron_sync_segments()

    @api.model
    def _compute_ranking(self, companies):
        """Rank the customers of ``companies`` from their posted invoices, set-based, in a constant number of
        queries whatever the number of customers: one statement ranks the customers, writes the rows that change,
        drops the rows of customers who are no longer ranked and, at a month's first ranking, keeps the previous
        ranking as the snapshot of its month. Open deals whose
        customer changed class or segment are then told (event "ranking"), when their funnel has a stage entered
        on it.

        Runs as SQL over the accounting tables on purpose: a ranking is an aggregate of the whole company's
        invoices, which sales users may not read one by one. Only the cron and sales managers run it.
        """
        if not companies:
            return
        self.env.flush_all()
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        deal_ids = [row[0] for row in self.env.execute_query(self._ranking_upsert_sql(companies.ids, today, now))]
        self.invalidate_model()
        self.env["res.partner.ranking.snapshot"].invalidate_model()
        self.env["res.partner.ranking.migration"].invalidate_model()  # its current month is the ranking itself
        companies.invalidate_recordset(["erp_crm_ranking_date"])
        self.env["res.partner"].invalidate_model(["erp_crm_ranking_id"])
        self.env["sale.order"].invalidate_model(["erp_crm_abc_class", "erp_crm_rfm_segment"])
        self.env["project.task"]._erp_crm_follow_ranking(companies)  # open service requests follow the class
        if deal_ids:
            # Stages entered when the customer is ranked into a class or segment (ERP trigger "customer_ranked").
            self.env["sale.order"].browse(deal_ids)._erp_crm_on_event("ranking")

    def _ranking_upsert_sql(self, company_ids, today, now):
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
       -- one ranking of a company at a time: a concurrent one waits, then fails to serialise and is retried
       FOR NO KEY UPDATE
),
totals AS (
    SELECT m.company_id, m.commercial_partner_id AS partner_id,
           COALESCE(SUM(m.amount_untaxed_signed) FILTER (WHERE m.invoice_date >= p.period_start), 0) AS revenue,
           SUM(m.amount_untaxed_signed) AS lifetime_revenue,
           MIN(m.invoice_date) FILTER (WHERE m.move_type = 'out_invoice') AS first_invoice_date,
           MAX(m.invoice_date) FILTER (WHERE m.move_type = 'out_invoice') AS last_invoice_date,
           COUNT(*) FILTER (WHERE m.move_type = 'out_invoice') AS invoice_count
      FROM account_move m
      JOIN params p ON p.company_id = m.company_id
     WHERE m.state = 'posted'
       AND m.move_type IN ('out_invoice', 'out_refund')
       AND m.invoice_date <= %(today)s
     GROUP BY m.company_id, m.commercial_partner_id
),
period_invoices AS (
    SELECT m.company_id, m.commercial_partner_id AS partner_id, m.id AS move_id
      FROM account_move m
      JOIN params p ON p.company_id = m.company_id
     WHERE m.state = 'posted'
       AND m.move_type = 'out_invoice'
       AND m.invoice_date BETWEEN p.period_start AND %(today)s
),
invoiced_orders AS (
    -- the sale orders each invoice of the period invoices
    SELECT DISTINCT aml.move_id, sol.order_id
      FROM period_invoices pi
      JOIN account_move_line aml ON aml.move_id = pi.move_id
      JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = aml.id
      JOIN sale_order_line sol ON sol.id = rel.order_line_id
),
purchases AS (
    -- frequency counts purchases: the sale orders invoiced in the period (a down payment and its final invoice
    -- are one purchase), plus one for each invoice made without an order
    SELECT pi.company_id, pi.partner_id,
           COUNT(DISTINCT io.order_id) + COUNT(*) FILTER (WHERE io.move_id IS NULL) AS frequency
      FROM period_invoices pi
      LEFT JOIN invoiced_orders io ON io.move_id = pi.move_id
     GROUP BY pi.company_id, pi.partner_id
),
customers AS MATERIALIZED (
    -- archived customers are not ranked (and their revenue is not in the shares)
    SELECT t.*, COALESCE(pu.frequency, 0) AS frequency
      FROM totals t
      JOIN res_partner rp ON rp.id = t.partner_id AND rp.active
      LEFT JOIN purchases pu ON pu.company_id = t.company_id AND pu.partner_id = t.partner_id
),
companies AS (
    -- one row per company: its settings and totals (not windows over the whole company: they spool every row)
    SELECT p.company_id, p.period_start, t.customers, t.paying_customers, t.total_revenue,
           -- a customer is A while 100 x the revenue above it is below threshold A x the total revenue (B alike)
           p.threshold_a * t.total_revenue AS limit_a, p.threshold_b * t.total_revenue AS limit_b
      FROM params p
      JOIN (SELECT company_id, COUNT(*) AS customers, COUNT(*) FILTER (WHERE revenue > 0) AS paying_customers,
                   SUM(GREATEST(revenue, 0)) AS total_revenue
              FROM customers
             GROUP BY company_id) t ON t.company_id = p.company_id
),
by_recency AS (
    -- rank of each last invoice date (ties share it): the dates are few, sorting them is cheap
    SELECT company_id, last_day,
           (SUM(COUNT(*)) OVER (PARTITION BY company_id ORDER BY last_day DESC ROWS UNBOUNDED PRECEDING))::int8
               - COUNT(*) + 1 AS r_rank
      FROM (SELECT company_id, COALESCE(last_invoice_date, '-infinity') AS last_day FROM customers) c
     GROUP BY company_id, last_day
),
by_frequency AS (
    SELECT company_id, frequency,
           (SUM(COUNT(*)) OVER (PARTITION BY company_id ORDER BY frequency DESC ROWS UNBOUNDED PRECEDING))::int8
               - COUNT(*) + 1 AS f_rank
      FROM customers
     GROUP BY company_id, frequency
),
windowed AS (
    -- one sort of the customers' rows: by revenue
    SELECT c.*,
           -- cumulative revenue down to this customer, its ties included (ties share their class)
           SUM(GREATEST(c.revenue, 0)) OVER by_revenue AS revenue_cumulative,
           COUNT(*) OVER by_revenue AS last_position,  -- position of the last of its ties
           RANK() OVER by_revenue AS m_rank
      FROM customers c
    WINDOW by_revenue AS (PARTITION BY c.company_id ORDER BY c.revenue DESC)
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
first_deals AS (
    -- the source of each customer's first deal (order) in the company
    SELECT DISTINCT ON (so.company_id, sp.commercial_partner_id)
           so.company_id, sp.commercial_partner_id AS partner_id, so.source_id
      FROM sale_order so
      JOIN res_partner sp ON sp.id = so.partner_id
     WHERE so.company_id = ANY(%(company_ids)s)
     ORDER BY so.company_id, sp.commercial_partner_id, so.date_order, so.id
),
scored AS (
    SELECT w.*, co.period_start, co.customers, co.paying_customers, co.total_revenue, co.limit_a, co.limit_b,
           -- revenue of the customers strictly above this one (not EXCLUDE GROUP: quadratic in PostgreSQL)
           w.revenue_cumulative - GREATEST(w.revenue, 0) * (w.last_position - w.m_rank + 1) AS revenue_above,
           -- score 5 for the best fifth, 1 for the last; tied customers share the better score
           5 - (5 * (rr.r_rank - 1)) / co.customers AS r_score,
           5 - (5 * (fr.f_rank - 1)) / co.customers AS f_score,
           5 - (5 * (w.m_rank - 1)) / co.customers AS m_score,
           COALESCE(d.won_count, 0) AS won_count,
           COALESCE(d.closed_count, 0) AS closed_count,
           fd.source_id AS first_deal_source_id
      FROM windowed w
      -- left joins (each customer has its rows there): they keep the planner's count of rows
      LEFT JOIN companies co ON co.company_id = w.company_id
      LEFT JOIN by_recency rr ON rr.company_id = w.company_id
                             AND rr.last_day = COALESCE(w.last_invoice_date, '-infinity')
      LEFT JOIN by_frequency fr ON fr.company_id = w.company_id AND fr.frequency = w.frequency
      LEFT JOIN deals d ON d.company_id = w.company_id AND d.partner_id = w.partner_id
      LEFT JOIN first_deals fd ON fd.company_id = w.company_id AND fd.partner_id = w.partner_id
),
final AS (
    -- the row of each ranked customer, as stored
    SELECT company_id, partner_id, period_start, revenue,
           (CASE WHEN revenue > 0 THEN ROUND(100 * revenue / total_revenue, 4) ELSE 0 END)::float8
               AS revenue_share,
           (CASE WHEN revenue > 0 THEN ROUND(100 * revenue_cumulative / total_revenue, 4) ELSE 100 END)::float8
               AS cumulative_share,
           m_rank::int4 AS rank_position,
           -- CEIL(100 x rank / paying customers), in integers
           (CASE WHEN revenue > 0 THEN (100 * m_rank + paying_customers - 1) / paying_customers END)::int4
               AS customer_percentile,
           (CASE
                WHEN revenue <= 0 THEN 'c'
                WHEN revenue_above * 100 < limit_a THEN 'a'
                WHEN revenue_above * 100 < limit_b THEN 'b'
                ELSE 'c'
            END)::varchar AS abc_class,
           frequency::int4 AS frequency,
           r_score::int4 AS r_score, f_score::int4 AS f_score, m_score::int4 AS m_score,
           (100 * r_score + 10 * f_score + m_score)::varchar AS rfm_score, %(segment)s::varchar AS rfm_segment,
           lifetime_revenue, first_invoice_date, last_invoice_date, invoice_count::int4 AS invoice_count,
           (CASE WHEN invoice_count > 1
                 THEN ROUND((last_invoice_date - first_invoice_date)::numeric / (invoice_count - 1), 2) END)::float8
               AS avg_days_between,
           won_count::int4 AS won_count, closed_count::int4 AS closed_count,
           (CASE WHEN closed_count > 0 THEN ROUND(100.0 * won_count / closed_count, 2) END)::float8 AS conversion,
           first_deal_source_id
      FROM scored
),
changed AS (
    -- narrow rows, and only the new or changed ones are written: a daily run rewrites few rows
    SELECT f.*, e.id AS existing_id
      FROM final f
      LEFT JOIN res_partner_ranking e ON e.company_id = f.company_id AND e.partner_id = f.partner_id
     WHERE e.id IS NULL
        OR (e.period_start, e.revenue, e.revenue_share, e.cumulative_share, e.rank_position, e.customer_percentile,
            e.abc_class, e.frequency, e.rfm_score, e.rfm_segment, e.lifetime_revenue, e.first_invoice_date,
            e.last_invoice_date, e.invoice_count, e.avg_days_between, e.won_count, e.closed_count, e.conversion,
            e.first_deal_source_id)
           IS DISTINCT FROM
           (f.period_start, f.revenue, f.revenue_share, f.cumulative_share, f.rank_position, f.customer_percentile,
            f.abc_class, f.frequency, f.rfm_score, f.rfm_segment, f.lifetime_revenue, f.first_invoice_date,
            f.last_invoice_date, f.invoice_count, f.avg_days_between, f.won_count, f.closed_count, f.conversion,
            f.first_deal_source_id)
),
company_stamp AS (
    UPDATE res_company SET erp_crm_ranking_date = %(now)s WHERE id = ANY(%(company_ids)s)
),
inserted AS (
    -- new rows: a plain insert (the rows of the company are locked by params: no conflict to arbitrate)
    INSERT INTO res_partner_ranking (
        company_id, partner_id, period_start, revenue, revenue_share, cumulative_share, rank_position,
        customer_percentile, abc_class, frequency, r_score, f_score, m_score, rfm_score, rfm_segment,
        lifetime_revenue, first_invoice_date, last_invoice_date, invoice_count, avg_days_between,
        won_count, closed_count, conversion, first_deal_source_id, rfm_segment_since, date_changed
    )
    SELECT c.company_id, c.partner_id, c.period_start, c.revenue, c.revenue_share, c.cumulative_share,
           c.rank_position, c.customer_percentile, c.abc_class, c.frequency, c.r_score, c.f_score, c.m_score,
           c.rfm_score, c.rfm_segment, c.lifetime_revenue, c.first_invoice_date, c.last_invoice_date,
           c.invoice_count, c.avg_days_between, c.won_count, c.closed_count, c.conversion, c.first_deal_source_id,
           %(today)s, %(now)s
      FROM changed c
     WHERE c.existing_id IS NULL
),
updated AS (
    UPDATE res_partner_ranking r SET
        period_start = c.period_start,
        revenue = c.revenue,
        revenue_share = c.revenue_share,
        cumulative_share = c.cumulative_share,
        rank_position = c.rank_position,
        customer_percentile = c.customer_percentile,
        abc_class = c.abc_class,
        frequency = c.frequency,
        r_score = c.r_score,
        f_score = c.f_score,
        m_score = c.m_score,
        rfm_score = c.rfm_score,
        previous_rfm_segment = CASE
            WHEN r.rfm_segment IS DISTINCT FROM c.rfm_segment THEN r.rfm_segment ELSE r.previous_rfm_segment END,
        rfm_segment_since = CASE
            WHEN r.rfm_segment IS DISTINCT FROM c.rfm_segment THEN %(today)s ELSE r.rfm_segment_since END,
        rfm_segment = c.rfm_segment,
        lifetime_revenue = c.lifetime_revenue,
        first_invoice_date = c.first_invoice_date,
        last_invoice_date = c.last_invoice_date,
        invoice_count = c.invoice_count,
        avg_days_between = c.avg_days_between,
        won_count = c.won_count,
        closed_count = c.closed_count,
        conversion = c.conversion,
        first_deal_source_id = c.first_deal_source_id,
        date_changed = %(now)s
      FROM changed c
     WHERE r.id = c.existing_id
),
-- Snapshots (res.partner.ranking.snapshot) keep each month's last ranking. The current month's is the ranking
-- itself; at the first ranking of a new month, the rows as they stand before this statement (the previous
-- ranking) become the snapshot of the previous ranking's month.
closed_month AS (
    SELECT p.company_id, date_trunc('month', p.previous_ranking_date)::date AS month
      FROM params p
     WHERE p.previous_ranking_date < %(month)s
),
snapshot_dropped AS (
    DELETE FROM res_partner_ranking_snapshot s
     USING closed_month cm
     WHERE s.company_id = cm.company_id AND s.month = cm.month
       -- NOT EXISTS, an anti-join whatever the size (NOT IN hashes its list only while it fits in work_mem)
       AND NOT EXISTS (
           SELECT 1 FROM res_partner_ranking r WHERE r.company_id = s.company_id AND r.partner_id = s.partner_id)
),
snapshot_closed AS (
    INSERT INTO res_partner_ranking_snapshot (month, partner_id, company_id, abc_class, rfm_segment, rfm_score, revenue)
    SELECT cm.month, r.partner_id, r.company_id, r.abc_class, r.rfm_segment, r.rfm_score, r.revenue
      FROM res_partner_ranking r
      JOIN closed_month cm ON cm.company_id = r.company_id
    ON CONFLICT (month, partner_id, company_id) DO UPDATE SET
        abc_class = EXCLUDED.abc_class,
        rfm_segment = EXCLUDED.rfm_segment,
        rfm_score = EXCLUDED.rfm_score,
        revenue = EXCLUDED.revenue
),
-- customers who are no longer ranked (archived, or their invoices cancelled) lose their row
dropped AS (
    DELETE FROM res_partner_ranking r
     WHERE r.company_id = ANY(%(company_ids)s)
       AND NOT EXISTS (SELECT 1 FROM final k WHERE k.company_id = r.company_id AND k.partner_id = r.partner_id)
)
-- the open deals to tell: their customer changed class or segment, and their funnel has a stage entered on that
SELECT so.id
  FROM sale_funnel_stage st
  JOIN sale_order so ON so.funnel_id = st.funnel_id
  JOIN res_partner p ON p.id = so.partner_id
  JOIN final f ON f.partner_id = p.commercial_partner_id AND f.company_id = so.company_id
  LEFT JOIN res_partner_ranking e ON e.partner_id = f.partner_id AND e.company_id = f.company_id
 WHERE st.trigger = 'customer_ranked'
   AND so.won_status = 'pending' AND so.state != 'cancel'
   AND (e.abc_class, e.rfm_segment) IS DISTINCT FROM (f.abc_class, f.rfm_segment)
 GROUP BY so.id
""",
            today=today,
            month=today.replace(day=1),
            now=now,
            company_ids=list(company_ids),
            segment=RFM_SEGMENT_SQL,
        )

    @api.model
    def _reengage(self, company):
        """Re-engagement (off by default, per company): see ``sale.order._erp_crm_reengage``."""
        if company.erp_crm_reengage_active and company.erp_crm_reengage_funnel_id:
            self.env["sale.order"]._erp_crm_reengage(company)
