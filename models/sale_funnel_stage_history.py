from odoo import fields, models
from odoo.tools import SQL


class SaleFunnelStageHistory(models.Model):
    """One row per stage a deal entered; written only by the stage-move door of sale.order."""

    _name = "sale.funnel.stage.history"
    _description = "Deal Stage History"
    _order = "date_in desc, id desc"
    _rec_name = "stage_id"

    order_id = fields.Many2one("sale.order", string="Deal", required=True, index=True, ondelete="cascade")
    funnel_id = fields.Many2one("sale.funnel", string="Funnel", index=True, ondelete="set null")
    from_stage_id = fields.Many2one("sale.funnel.stage", string="From Stage", ondelete="set null")
    stage_id = fields.Many2one("sale.funnel.stage", string="Stage", index=True, ondelete="set null")
    user_id = fields.Many2one("res.users", string="Moved By", ondelete="set null")
    salesperson_id = fields.Many2one("res.users", string="Salesperson", ondelete="set null")
    company_id = fields.Many2one("res.company", string="Company", index=True, ondelete="cascade")
    date_in = fields.Datetime(string="Entered At", required=True)
    date_out = fields.Datetime(string="Left At", index="btree_not_null")
    duration_hours = fields.Float(
        string="Duration (hours)",
        readonly=True,
        aggregator="avg",
        help="Time spent in the stage, in calendar hours; set when the deal leaves the stage.",
    )

    def _close_open_rows(self, orders, date):
        """Close the open rows of ``orders`` at ``date`` in one statement (every stage move does this)."""
        self.flush_model()
        self.env.execute_query(
            SQL(
                """UPDATE sale_funnel_stage_history
                      SET date_out = %(date)s,
                          duration_hours = EXTRACT(EPOCH FROM (%(date)s - date_in)) / 3600.0,
                          write_uid = %(uid)s,
                          write_date = NOW() AT TIME ZONE 'UTC'
                    WHERE order_id IN %(order_ids)s AND date_out IS NULL""",
                date=date,
                uid=self.env.uid,
                order_ids=tuple(orders.ids),
            )
        )
        self.invalidate_model(["date_out", "duration_hours", "write_uid", "write_date"])
