from odoo import fields, models
from odoo.tools import SQL

from .sale_deal_report import DEAL_DEPENDS, HISTORY_DEPENDS


class SaleSourceReport(models.Model):
    """Lead sources: one row per deal, dated when it came in, with where it came from (utm source, medium,
    campaign) and how it ended.

    A cohort view: the deals that came in during a period and, of those, how many were won and for how much.
    Conversion is won / created and the win rate won / closed, both ratios of sums, right for any grouping.
    """

    _name = "sale.source.report"
    _description = "Lead Sources"
    _inherit = "sale.deal.report"
    _auto = False
    _rec_name = "order_id"
    _order = "date desc, id desc"
    # Flushed before the view is read
    _depends = {
        "sale.funnel.stage.history": HISTORY_DEPENDS,
        "sale.order": [*DEAL_DEPENDS, "create_date"],
    }

    # Dimensions
    date = fields.Datetime(string="Came In", readonly=True, help="When the deal entered its funnel.")
    date_closed = fields.Datetime(string="Closed", readonly=True, help="When the deal was won or lost.")
    source_id = fields.Many2one("utm.source", string="Source", readonly=True)
    medium_id = fields.Many2one("utm.medium", string="Medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", string="Campaign", readonly=True)
    won_status = fields.Selection(
        [("pending", "In Progress"), ("won", "Won"), ("lost", "Lost")], string="Deal Status", readonly=True
    )
    # Measures
    created_count = fields.Integer(string="Deals Created", readonly=True)
    won_count = fields.Integer(string="Deals Won", readonly=True)
    lost_count = fields.Integer(string="Deals Lost", readonly=True)
    amount = fields.Float(string="Amount", readonly=True, help="Untaxed, in company currency.")
    won_amount = fields.Float(string="Won Amount", readonly=True, help="Untaxed, in company currency.")
    conversion_rate = fields.Float(
        string="Conversion (%)", readonly=True, aggregator="avg", help="Deals won / deals created."
    )
    win_rate = fields.Float(
        string="Win Rate (%)", readonly=True, aggregator="avg", help="Deals won / deals won or lost."
    )

    def _query(self):
        amount = SQL("so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1.0)")
        return SQL(
            """
            SELECT so.id AS id,
                   so.id AS order_id,
                   COALESCE(came_in.date_in, so.create_date) AS date,
                   CASE WHEN so.won_status IN ('won', 'lost') THEN so.date_stage END AS date_closed,
                   so.funnel_id AS funnel_id,
                   so.user_id AS user_id,
                   so.team_id AS team_id,
                   so.partner_id AS partner_id,
                   so.company_id AS company_id,
                   so.source_id AS source_id,
                   so.medium_id AS medium_id,
                   so.campaign_id AS campaign_id,
                   so.won_status AS won_status,
                   1 AS created_count,
                   CASE WHEN so.won_status = 'won' THEN 1 ELSE 0 END AS won_count,
                   CASE WHEN so.won_status = 'lost' THEN 1 ELSE 0 END AS lost_count,
                   %(amount)s AS amount,
                   CASE WHEN so.won_status = 'won' THEN %(amount)s ELSE 0 END AS won_amount,
                   CASE WHEN so.won_status = 'won' THEN 100.0 ELSE 0.0 END AS conversion_rate,
                   CASE WHEN so.won_status = 'won' THEN 100.0 WHEN so.won_status = 'lost' THEN 0.0 END AS win_rate
              FROM sale_order so
              LEFT JOIN LATERAL (SELECT MIN(h.date_in) AS date_in
                                   FROM sale_funnel_stage_history h
                                  WHERE h.order_id = so.id) came_in ON TRUE
             WHERE so.funnel_id IS NOT NULL
            """,
            amount=amount,
        )

    def _read_group_select(self, aggregate_spec, query):
        def column(fname):
            return self._field_to_sql(self._table, fname, query)

        if aggregate_spec == "conversion_rate:avg":
            return SQL("100.0 * SUM(%s) / NULLIF(SUM(%s), 0)", column("won_count"), column("created_count"))
        if aggregate_spec == "win_rate:avg":
            return SQL(
                "100.0 * SUM(%s) / NULLIF(SUM(%s) + SUM(%s), 0)",
                column("won_count"),
                column("won_count"),
                column("lost_count"),
            )
        return super()._read_group_select(aggregate_spec, query)
