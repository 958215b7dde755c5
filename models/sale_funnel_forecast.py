from odoo import api, fields, models
from odoo.tools import SQL

from .erp_crm_input_guard import YEAR_DAYS


class SaleFunnel(models.Model):
    """The funnel's average sales cycle, which dates the expected closing of its new deals."""

    _inherit = "sale.funnel"

    cycle_days = fields.Float(
        string="Average Cycle (days)",
        default=30.0,
        help="Days from a deal's first stage to won, averaged over the funnel's won deals and updated every "
        "night; a new deal's expected closing date is its order date plus this. Set it by hand until the "
        "funnel has won deals.",
    )

    _cycle_days_positive = models.Constraint("CHECK(cycle_days >= 0)", "A funnel's average cycle cannot be negative.")

    @api.model
    def _erp_crm_number_bounds(self):
        return {**super()._erp_crm_number_bounds(), "cycle_days": (0, 10 * YEAR_DAYS, self.env._("ten years"))}

    def _get_average_cycle_days(self):
        """{funnel id: average days from first stage entry to won} over the won deals of ``self``."""
        self.env["sale.order"].flush_model(["funnel_id", "won_status", "date_stage"])
        self.env["sale.funnel.stage.history"].flush_model(["order_id", "date_in"])
        rows = self.env.execute_query(
            SQL(
                """SELECT so.funnel_id, AVG(EXTRACT(EPOCH FROM (so.date_stage - first_in.date_in))) / 86400.0
                     FROM sale_order so
                     JOIN LATERAL (SELECT MIN(h.date_in) AS date_in
                                     FROM sale_funnel_stage_history h
                                    WHERE h.order_id = so.id) first_in ON TRUE
                    WHERE so.won_status = 'won' AND so.funnel_id IN %(funnel_ids)s
                    GROUP BY so.funnel_id""",
                funnel_ids=tuple(self.ids) or (None,),
            )
        )
        return dict(rows)

    @api.model
    def _cron_update_cycle_days(self):
        """Nightly: each funnel's average cycle from its won deals (funnels without won deals keep theirs)."""
        funnels = self.with_context(active_test=False).search([])
        highest = self._erp_crm_number_bounds()["cycle_days"][1]
        for funnel_id, days in funnels._get_average_cycle_days().items():
            self.browse(funnel_id).cycle_days = min(round(days, 1), highest)
