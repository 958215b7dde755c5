from odoo import api, fields, models
from odoo.tools import SQL

from .res_partner_ranking import ABC_CLASSES, RFM_SEGMENTS


class ResPartnerRankingSnapshot(models.Model):
    """A customer's ranking at the end of a month (the month's last computation), for the migration report."""

    _name = "res.partner.ranking.snapshot"
    _description = "Customer Ranking Snapshot"
    _order = "month desc, company_id, partner_id"
    _rec_name = "partner_id"

    month = fields.Date(required=True, readonly=True, help="First day of the month.")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    abc_class = fields.Selection(ABC_CLASSES, string="Class", readonly=True)
    rfm_segment = fields.Selection(RFM_SEGMENTS, string="Segment", readonly=True)
    rfm_score = fields.Char(string="RFM", readonly=True)
    revenue = fields.Monetary(string="Revenue (period)", readonly=True)

    _month_partner_company_uniq = models.UniqueIndex(
        "(month, partner_id, company_id)", "A customer has one snapshot per company and month."
    )

    @api.model
    def _take_snapshot(self, companies, today):
        """This month's snapshot of ``companies`` = their current ranking (one statement, set-based)."""
        month = today.replace(day=1)
        now = fields.Datetime.now()
        self.env.execute_query(
            SQL(
                """
WITH dropped AS (
    -- customers no longer ranked leave this month's snapshot
    DELETE FROM res_partner_ranking_snapshot s
     WHERE s.month = %(month)s
       AND s.company_id = ANY(%(company_ids)s)
       AND NOT EXISTS (
            SELECT 1 FROM res_partner_ranking r WHERE r.partner_id = s.partner_id AND r.company_id = s.company_id)
)
INSERT INTO res_partner_ranking_snapshot (
    month, partner_id, company_id, abc_class, rfm_segment, rfm_score, revenue,
    create_uid, create_date, write_uid, write_date
)
SELECT %(month)s, r.partner_id, r.company_id, r.abc_class, r.rfm_segment, r.rfm_score, r.revenue,
       %(uid)s, %(now)s, %(uid)s, %(now)s
  FROM res_partner_ranking r
 WHERE r.company_id = ANY(%(company_ids)s)
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
""",
                month=month,
                now=now,
                uid=self.env.uid,
                company_ids=companies.ids,
            )
        )
        self.invalidate_model()
