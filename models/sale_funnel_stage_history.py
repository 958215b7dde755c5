from odoo import fields, models
from odoo.tools import SQL


class SaleFunnelStageHistory(models.Model):
    """One row per stage a deal entered; written only by the stage-move door of sale.order."""

    _name = "sale.funnel.stage.history"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
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
    # Analytics: where the deal went when it left (set with date_out, read by the funnel analysis)
    to_stage_id = fields.Many2one(
        "sale.funnel.stage", string="Left To", readonly=True, ondelete="set null", index="btree_not_null"
    )

    def _close_open_rows(self, orders, date):
        """Close the open rows of ``orders`` at ``date`` in one statement (every stage move does this).

        The orders already hold their new stage (in cache): it is recorded as where each row was left to.
        """
        self.flush_model()
        moves = SQL(", ").join(SQL("(%s, %s::int)", order.id, order.stage_id.id or None) for order in orders)
        self.env.execute_query(
            SQL(
                """UPDATE sale_funnel_stage_history h
                      SET date_out = %(date)s,
                          duration_hours = EXTRACT(EPOCH FROM (%(date)s - h.date_in)) / 3600.0,
                          to_stage_id = moves.stage_id,
                          write_uid = %(uid)s,
                          write_date = NOW() AT TIME ZONE 'UTC'
                     FROM (VALUES %(moves)s) AS moves(order_id, stage_id)
                    WHERE h.order_id = moves.order_id AND h.date_out IS NULL""",
                date=date,
                uid=self.env.uid,
                moves=moves,
            )
        )
        self.invalidate_model(["date_out", "duration_hours", "to_stage_id", "write_uid", "write_date"])

    def init(self):
        # Rows closed before "Left To" existed get it from the next row of their deal.
        self.env.execute_query(
            SQL(
                """UPDATE sale_funnel_stage_history h
                      SET to_stage_id = nxt.stage_id
                     FROM sale_funnel_stage_history nxt
                    WHERE h.to_stage_id IS NULL AND h.date_out IS NOT NULL
                      AND nxt.order_id = h.order_id AND nxt.date_in = h.date_out
                      AND nxt.from_stage_id IS NOT DISTINCT FROM h.stage_id AND nxt.id > h.id"""
            )
        )
