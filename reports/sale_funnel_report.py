from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..models.erp_crm_input_guard import INT_MAX, YEAR_DAYS
from ..models.sale_funnel_stage import STAGE_KINDS
from .sale_deal_report import DEAL_DEPENDS, HISTORY_DEPENDS


class SaleFunnelReport(models.Model):
    """Funnel analysis: one row per stage entry of a deal (its stage-history row) with the deal's dimensions.

    Measures are built so that any grouping adds up: a row counts 1 entry, 1 if the deal moved on from
    the stage (to any stage but a lost one), 1 if it was lost from it, 1 if the deal is won now. Rates are
    ratios of sums and the median is computed per group (see ``_read_group_select``).
    """

    _name = "sale.funnel.report"
    _description = "Funnel Analysis"
    _inherit = "sale.deal.report"
    _auto = False
    _rec_name = "stage_id"
    _order = "date desc, id desc"
    # Flushed before the view is read
    _depends = {
        "sale.funnel.stage.history": HISTORY_DEPENDS,
        "sale.order": DEAL_DEPENDS,
        "sale.funnel.stage": ["sequence", "kind"],
    }

    # Dimensions
    date = fields.Datetime(string="Entered At", readonly=True)
    date_out = fields.Datetime(string="Left At", readonly=True)
    stage_id = fields.Many2one("sale.funnel.stage", string="Stage", readonly=True)
    stage_sequence = fields.Integer(string="Stage Sequence", readonly=True, aggregator="min")
    stage_kind = fields.Selection(STAGE_KINDS, readonly=True)
    to_stage_id = fields.Many2one("sale.funnel.stage", string="Left To", readonly=True)
    source_id = fields.Many2one("utm.source", string="Source", readonly=True)
    medium_id = fields.Many2one("utm.medium", string="Medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", string="Campaign", readonly=True)
    won_status = fields.Selection(
        [("pending", "In Progress"), ("won", "Won"), ("lost", "Lost")], string="Deal Status", readonly=True
    )
    # Measures
    entered_count = fields.Integer(string="Entered", readonly=True)
    moved_on_count = fields.Integer(
        string="Moved On", readonly=True, help="Entries that left the stage for another stage than a lost one."
    )
    lost_count = fields.Integer(string="Lost Here", readonly=True, help="Entries that left the stage for a lost one.")
    won_count = fields.Integer(string="Won", readonly=True, help="Entries of deals that are won now.")
    next_rate = fields.Float(
        string="Conversion to Next (%)",
        readonly=True,
        aggregator="avg",
        help="Moved on / entered: the share of the entries that went on to a further stage.",
    )
    won_rate = fields.Float(
        string="Conversion to Won (%)",
        readonly=True,
        aggregator="avg",
        help="Won / entered: the share of the entries whose deal is won.",
    )
    duration_hours = fields.Float(
        string="Avg Time in Stage (h)", readonly=True, aggregator="avg", help="Only entries that left the stage."
    )
    median_hours = fields.Float(
        string="Median Time in Stage (h)", readonly=True, aggregator="avg", help="Only entries that left the stage."
    )
    amount = fields.Float(string="Amount", readonly=True, help="Untaxed amount of the deals, in company currency.")
    won_amount = fields.Float(string="Won Amount", readonly=True)

    def _query(self):
        return SQL(
            """
            SELECT h.id AS id,
                   h.date_in AS date,
                   h.date_out AS date_out,
                   h.order_id AS order_id,
                   h.funnel_id AS funnel_id,
                   h.stage_id AS stage_id,
                   st.sequence AS stage_sequence,
                   st.kind AS stage_kind,
                   h.to_stage_id AS to_stage_id,
                   so.user_id AS user_id,
                   so.team_id AS team_id,
                   so.partner_id AS partner_id,
                   h.company_id AS company_id,
                   so.source_id AS source_id,
                   so.medium_id AS medium_id,
                   so.campaign_id AS campaign_id,
                   so.won_status AS won_status,
                   1 AS entered_count,
                   CASE WHEN h.to_stage_id IS NOT NULL AND ts.kind != 'lost' THEN 1 ELSE 0 END AS moved_on_count,
                   CASE WHEN ts.kind = 'lost' THEN 1 ELSE 0 END AS lost_count,
                   CASE WHEN so.won_status = 'won' THEN 1 ELSE 0 END AS won_count,
                   CASE WHEN h.to_stage_id IS NOT NULL AND ts.kind != 'lost' THEN 100.0 ELSE 0.0 END AS next_rate,
                   CASE WHEN so.won_status = 'won' THEN 100.0 ELSE 0.0 END AS won_rate,
                   h.duration_hours AS duration_hours,
                   h.duration_hours AS median_hours,
                   so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1.0) AS amount,
                   CASE WHEN so.won_status = 'won'
                        THEN so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1.0) ELSE 0 END AS won_amount
              FROM sale_funnel_stage_history h
              JOIN sale_order so ON so.id = h.order_id
              LEFT JOIN sale_funnel_stage st ON st.id = h.stage_id
              LEFT JOIN sale_funnel_stage ts ON ts.id = h.to_stage_id
            """
        )

    def _read_group_select(self, aggregate_spec, query):
        # Rates are ratios of sums and the median a percentile, so that they are right for any grouping.
        def column(fname):
            return self._field_to_sql(self._table, fname, query)

        if aggregate_spec == "next_rate:avg":
            return SQL("100.0 * SUM(%s) / NULLIF(SUM(%s), 0)", column("moved_on_count"), column("entered_count"))
        if aggregate_spec == "won_rate:avg":
            return SQL("100.0 * SUM(%s) / NULLIF(SUM(%s), 0)", column("won_count"), column("entered_count"))
        if aggregate_spec == "median_hours:avg":
            return SQL("PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY %s)", column("median_hours"))
        return super()._read_group_select(aggregate_spec, query)

    def _read_group_orderby(self, order, groupby_terms, query):
        """Order stage groups by the stage's sequence carried by the rows (an aggregate), not by joining the
        stage table on the group key, which keeps PostgreSQL from grouping in parallel (twice the time on a
        large history)."""
        if not order:
            return super()._read_group_orderby(order, groupby_terms, query)
        terms = []
        for part in order.split(","):
            term, __, direction = part.strip().partition(" ")
            if term == "stage_id" and term in groupby_terms:
                direction = SQL("DESC") if direction.strip().upper().startswith("DESC") else SQL("ASC")
                sequence = self._field_to_sql(self._table, "stage_sequence", query)
                terms.append(SQL("MIN(%s) %s, %s %s", sequence, direction, groupby_terms[term], direction))
            else:
                terms.append(super()._read_group_orderby(part, groupby_terms, query))
        return SQL(", ").join(terms)

    # ------------------------------------------------------------
    # FUNNEL CHART
    # ------------------------------------------------------------

    @api.model
    @api.readonly
    def get_funnel_chart_data(self, funnel_id=False, period=False):
        """Stages of one funnel with the deals that entered each, their amount and the conversion to the next.

        Read through ``_read_group``, so the user's record rules apply (own deals, companies).
        :param funnel_id: False (the first funnel) or a funnel's id
        :param period: False (all time) or the number of days back from today (at most a hundred years)
        """
        funnel_id, days = self._check_funnel_chart_args(funnel_id, period)
        Funnel = self.env["sale.funnel"]
        funnels = Funnel.search([])
        funnel = Funnel.browse(funnel_id).exists() & funnels if funnel_id else funnels[:1]
        result = {
            "funnels": [{"id": f.id, "name": f.display_name} for f in funnels],
            "funnel_id": funnel.id,
            "stages": [],
            "lost_count": 0,
        }
        if not funnel:
            return result
        domain = Domain("funnel_id", "=", funnel.id)
        if days:
            date_from = fields.Datetime.subtract(fields.Datetime.now(), days=days)
            domain &= Domain("date", ">=", date_from)
        groups = self._read_group(
            domain,
            ["stage_id"],
            ["entered_count:sum", "moved_on_count:sum", "lost_count:sum", "won_count:sum", "amount:sum"],
        )
        by_stage = {stage: values for stage, *values in groups}
        for stage in funnel.stage_ids:
            entered, moved_on, lost, won, amount = by_stage.get(stage, (0, 0, 0, 0, 0.0))
            if stage.kind == "lost":
                result["lost_count"] += entered
                continue
            result["stages"].append(
                {
                    "id": stage.id,
                    "name": stage.name,
                    "kind": stage.kind,
                    "entered": entered,
                    "moved_on": moved_on,
                    "lost": lost,
                    "won": won,
                    "amount": amount,
                    "next_rate": round(100.0 * moved_on / entered, 1) if entered and stage.kind == "open" else None,
                }
            )
        return result

    @api.model
    def _check_funnel_chart_args(self, funnel_id, period):
        """(funnel id or False, days or False) from what came over RPC; a clear refusal of anything else."""
        if funnel_id in (False, None, 0):
            funnel_id = False
        elif isinstance(funnel_id, bool) or not isinstance(funnel_id, int) or not 0 < funnel_id <= INT_MAX:
            raise UserError(
                self.env._("The funnel of the funnel chart is a funnel's id, not “%(funnel)s”.", funnel=funnel_id)
            )
        if period in (False, None, 0, ""):
            return funnel_id, False
        days = None
        if isinstance(period, int | str) and not isinstance(period, bool):
            try:
                days = int(period)
            except ValueError:
                days = None
        highest = 100 * YEAR_DAYS
        if days is None or not 0 < days <= highest:
            raise UserError(
                self.env._(
                    "The period of the funnel chart is a number of days from 1 to %(highest)s, not “%(period)s”.",
                    highest=highest,
                    period=str(period)[:60],
                )
            )
        return funnel_id, days
