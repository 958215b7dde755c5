from odoo import fields, models

from .res_partner_ranking import ABC_CLASSES, REVENUE_GROUPS, RFM_SEGMENTS


class ResPartnerRankingSnapshot(models.Model):
    """A customer's ranking at the end of a past month (the month's last computation), for the migration report.
    Written by the ranking statement itself (``res.partner.ranking._ranking_upsert_sql``) at the first ranking of
    the next month; the current month's ranking is ``res.partner.ranking`` itself."""

    _name = "res.partner.ranking.snapshot"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Customer Ranking Snapshot"
    _log_access = False  # written by the ranking statement only
    _order = "month desc, company_id, partner_id"
    _rec_name = "partner_id"

    month = fields.Date(required=True, readonly=True, help="First day of the month.")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    abc_class = fields.Selection(ABC_CLASSES, string="Class", readonly=True)
    rfm_segment = fields.Selection(RFM_SEGMENTS, string="Segment", readonly=True)
    rfm_score = fields.Char(string="RFM", readonly=True)
    revenue = fields.Monetary(string="Revenue (period)", readonly=True, groups=REVENUE_GROUPS)

    _month_partner_company_uniq = models.UniqueIndex(
        "(month, partner_id, company_id)", "A customer has one snapshot per company and month."
    )
