from odoo import api, fields, models


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
        compute="_compute_duration_hours",
        store=True,
        aggregator="avg",
        help="Time spent in the stage, in calendar hours; empty while the deal is still there.",
    )

    @api.depends("date_in", "date_out")
    def _compute_duration_hours(self):
        for row in self:
            if row.date_in and row.date_out:
                row.duration_hours = (row.date_out - row.date_in).total_seconds() / 3600.0
            else:
                row.duration_hours = 0.0
