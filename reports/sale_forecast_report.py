from odoo import fields, models
from odoo.tools import SQL

from .sale_deal_report import DEAL_DEPENDS


class SaleForecastReport(models.Model):
    """Weighted forecast: open deals × their stage's probability in their expected closing month, beside the
    amount won in past months (a won deal counts in the month it entered its won stage)."""

    _name = "sale.forecast.report"
    _description = "Deal Forecast"
    _inherit = "sale.deal.report"
    _auto = False
    _rec_name = "order_id"
    _order = "date desc, id desc"
    # Flushed before the view is read
    _depends = {
        "sale.order": [*DEAL_DEPENDS, "date_expected_close"],
        "sale.funnel.stage": ["probability"],
    }

    kind = fields.Selection([("won", "Won"), ("forecast", "Weighted Forecast")], readonly=True)
    date = fields.Date(string="Month", readonly=True, help="Expected closing date, or the date the deal was won.")
    stage_id = fields.Many2one("sale.funnel.stage", string="Stage", readonly=True)
    probability = fields.Float(string="Probability (%)", readonly=True, aggregator="avg")
    amount = fields.Monetary(
        string="Won + Forecast",
        readonly=True,
        help="Won amount for won deals, weighted amount for open deals (untaxed, company currency).",
    )
    won_amount = fields.Monetary(string="Won Amount", readonly=True)
    expected_amount = fields.Monetary(string="Weighted Forecast", readonly=True, help="Open amount × probability.")
    pipeline_amount = fields.Monetary(string="Open Amount", readonly=True, help="Open deals, not weighted.")
    deal_count = fields.Integer(string="Deals", readonly=True)

    def _query(self):
        amount = SQL("so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1.0)")
        return SQL(
            """
            SELECT so.id AS id, 'forecast' AS kind, so.date_expected_close AS date,
                   so.id AS order_id, so.funnel_id, so.stage_id, so.user_id, so.team_id, so.partner_id,
                   so.company_id, st.probability AS probability,
                   %(amount)s * st.probability / 100.0 AS amount,
                   0.0 AS won_amount,
                   %(amount)s * st.probability / 100.0 AS expected_amount,
                   %(amount)s AS pipeline_amount,
                   1 AS deal_count
              FROM sale_order so
              JOIN sale_funnel_stage st ON st.id = so.stage_id
             WHERE so.won_status = 'pending' AND so.state != 'cancel'
            UNION ALL
            SELECT so.id AS id, 'won' AS kind, so.date_stage::date AS date,
                   so.id AS order_id, so.funnel_id, so.stage_id, so.user_id, so.team_id, so.partner_id,
                   so.company_id, 100.0 AS probability,
                   %(amount)s AS amount,
                   %(amount)s AS won_amount,
                   0.0 AS expected_amount,
                   0.0 AS pipeline_amount,
                   1 AS deal_count
              FROM sale_order so
             WHERE so.won_status = 'won' AND so.funnel_id IS NOT NULL
            """,
            amount=amount,
        )
