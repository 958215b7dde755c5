from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

STAGE_KINDS = [("open", "Open"), ("won", "Won"), ("lost", "Lost")]


class SaleFunnelStage(models.Model):
    _name = "sale.funnel.stage"
    _description = "Sales Funnel Stage"
    _order = "sequence, id"

    funnel_id = fields.Many2one("sale.funnel", string="Funnel", required=True, index=True, ondelete="cascade")
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    fold = fields.Boolean(string="Folded in Pipeline")
    probability = fields.Float(string="Probability (%)", default=10.0, aggregator="avg")
    kind = fields.Selection(STAGE_KINDS, required=True, default="open")
    requirements = fields.Text(
        string="To Do in This Stage", translate=True, help="Shown to users in the pipeline and on the deal."
    )
    max_hours = fields.Float(
        string="Time Limit (working hours)",
        help="Maximum time a deal should stay in this stage, counted in working hours. 0 means no limit.",
    )
    company_id = fields.Many2one(related="funnel_id.company_id", store=True, index=True)
    robot_ids = fields.One2many("sale.funnel.robot", "stage_id", string="Robots", context={"active_test": False})
    deal_count = fields.Integer(string="Deals", compute="_compute_deal_count")

    _probability_range = models.Constraint(
        "CHECK(probability >= 0 AND probability <= 100)", "A stage's probability must be between 0 and 100%."
    )
    _max_hours_positive = models.Constraint("CHECK(max_hours >= 0)", "A stage's time limit cannot be negative.")

    def _compute_deal_count(self):
        counts = self._get_deal_counts()
        for stage in self:
            stage.deal_count = counts.get(stage, 0)

    @api.constrains("probability")
    def _check_probability(self):
        # Same rule as the SQL constraint, checked first so the user reads which stage is wrong.
        for stage in self:
            if not 0 <= stage.probability <= 100:
                raise ValidationError(
                    self.env._(
                        "The probability of stage “%(stage)s” must be between 0 and 100%%, not %(value)s.",
                        stage=stage.name,
                        value=stage.probability,
                    )
                )

    @api.constrains("kind", "funnel_id")
    def _check_funnel_keeps_open_stage(self):
        self.funnel_id._check_has_open_stage()
        for stage in self:
            moved_deals = self.env["sale.order"].search_count(
                [("stage_id", "=", stage.id), ("funnel_id", "!=", stage.funnel_id.id)], limit=1
            )
            if moved_deals:
                raise ValidationError(
                    self.env._(
                        "Stage “%(stage)s” holds deals of another funnel; move them before changing its funnel.",
                        stage=stage.name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_stage_with_deals(self):
        counts = dict(
            self.env["sale.order"]
            .with_context(active_test=False)
            ._read_group([("stage_id", "in", self.ids)], ["stage_id"], ["__count"])
        )
        for stage in self:
            if counts.get(stage):
                raise UserError(
                    self.env._(
                        "Stage “%(stage)s” still holds %(count)s deal(s). "
                        "Move them to another stage before deleting it.",
                        stage=stage.name,
                        count=counts[stage],
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_last_open_stage(self):
        for funnel in self.funnel_id:
            remaining = funnel.stage_ids - self
            if funnel.stage_ids and not remaining.filtered(lambda s: s.kind == "open"):
                raise UserError(
                    self.env._(
                        "The funnel “%(funnel)s” needs at least one open stage; this one cannot be deleted.",
                        funnel=funnel.name,
                    )
                )

    def _get_deal_counts(self):
        """Number of deals per stage, in one grouped query."""
        return dict(
            self.env["sale.order"]
            .with_context(active_test=False)
            ._read_group([("stage_id", "in", self.ids)], ["stage_id"], ["__count"])
        )
