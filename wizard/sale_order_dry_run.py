from markupsafe import Markup

from odoo import api, fields, models


class SaleOrderDryRun(models.TransientModel):
    """What would happen if this deal entered that stage: each robot's work, none of it done."""

    _name = "sale.order.dry.run"
    _description = "Stage Robots Dry Run"

    order_id = fields.Many2one("sale.order", string="Deal", required=True)
    funnel_id = fields.Many2one(related="order_id.funnel_id")
    stage_id = fields.Many2one(
        "sale.funnel.stage", string="If It Enters", domain="[('funnel_id', '=', funnel_id)]", required=True
    )
    outcome = fields.Html(string="What Would Happen", compute="_compute_outcome", sanitize=False)

    @api.depends("order_id", "stage_id")
    def _compute_outcome(self):
        for wizard in self:
            wizard.outcome = wizard._get_outcome_html()

    def _get_outcome_lines(self):
        """(robot, what it would do) for each active robot of the stage, in order; nothing is done."""
        self.ensure_one()
        robots = self.stage_id.robot_ids.filtered("active").sorted(lambda r: (r.sequence, r.id))
        return [(robot, robot._describe(self.order_id)) for robot in robots]

    def _get_outcome_html(self):
        if not self.stage_id or not self.order_id:
            return False
        lines = self._get_outcome_lines()
        if not lines:
            return Markup("<p>%s</p>") % self.env._("No robot works in this stage.")
        return Markup("<ul>%s</ul>") % Markup("").join(
            Markup("<li><strong>%s</strong>: %s</li>") % (robot.name, outcome) for robot, outcome in lines
        )
