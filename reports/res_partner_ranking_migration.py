from odoo import fields, models
from odoo.tools import SQL

from ..models.res_partner_ranking import ABC_CLASSES, REVENUE_GROUPS, RFM_SEGMENTS

UNRANKED = [("none", "Unranked")]


class ResPartnerRankingMigration(models.Model):
    """Where customers went from one month to the next: class and segment of the previous month's snapshot
    against this month's (the current ranking for the month of the last ranking; pivot: from-segment rows,
    to-segment columns)."""

    _name = "res.partner.ranking.migration"
    _description = "Customer Ranking Migration"
    _auto = False
    _order = "month desc, company_id, partner_id"
    _rec_name = "partner_id"

    month = fields.Date(readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    from_class = fields.Selection(UNRANKED + ABC_CLASSES, string="Class Last Month", readonly=True)
    to_class = fields.Selection(ABC_CLASSES, string="Class", readonly=True)
    from_segment = fields.Selection(UNRANKED + RFM_SEGMENTS, string="Segment Last Month", readonly=True)
    to_segment = fields.Selection(RFM_SEGMENTS, string="Segment", readonly=True)
    revenue = fields.Monetary(string="Revenue (period)", readonly=True, groups=REVENUE_GROUPS)
    previous_revenue = fields.Monetary(string="Revenue Last Month (period)", readonly=True, groups=REVENUE_GROUPS)
    class_changed = fields.Boolean(readonly=True)
    segment_changed = fields.Boolean(readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
WITH months AS (
    -- past months: their snapshots; the month of the company's last ranking: the ranking itself
    SELECT s.id * 2 + 1 AS id, s.month, s.partner_id, s.company_id, s.abc_class, s.rfm_segment, s.revenue
      FROM res_partner_ranking_snapshot s
      JOIN res_company c ON c.id = s.company_id
     WHERE c.erp_crm_ranking_date IS NULL OR s.month < date_trunc('month', c.erp_crm_ranking_date)::date
    UNION ALL
    SELECT r.id * 2, date_trunc('month', c.erp_crm_ranking_date)::date, r.partner_id, r.company_id, r.abc_class,
           r.rfm_segment, r.revenue
      FROM res_partner_ranking r
      JOIN res_company c ON c.id = r.company_id
)
SELECT cur.id, cur.month, cur.partner_id, cur.company_id,
       COALESCE(prev.abc_class, 'none') AS from_class, cur.abc_class AS to_class,
       COALESCE(prev.rfm_segment, 'none') AS from_segment, cur.rfm_segment AS to_segment,
       cur.revenue, prev.revenue AS previous_revenue,
       prev.abc_class IS DISTINCT FROM cur.abc_class AS class_changed,
       prev.rfm_segment IS DISTINCT FROM cur.rfm_segment AS segment_changed
  FROM months cur
  LEFT JOIN months prev
         ON prev.partner_id = cur.partner_id
        AND prev.company_id = cur.company_id
        AND prev.month = (cur.month - INTERVAL '1 month')::date
"""
        )
