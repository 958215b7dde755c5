from markupsafe import Markup

from odoo import api, fields, models


class SaleOrderDryRun(models.TransientModel):
    """What would happen if this deal entered that stage: each robot's work, none of it done."""

    _name = "sale.order.dry.run"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Stage Robots Dry Run"

    order_id = fields.Many2one("sale.order", string="Deal", required=True)
    # Not sudo (unlike a plain related field): the funnel is read with the user's rights on the deal.
    funnel_id = fields.Many2one(related="order_id.funnel_id", compute_sudo=False)
    stage_id = fields.Many2one(
        "sale.funnel.stage", string="If It Enters", domain="[('funnel_id', '=', funnel_id)]", required=True
    )
    outcome = fields.Html(string="What Would Happen", compute="_compute_outcome", sanitize=False)

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        wizards._check_order_access()
        return wizards

    def write(self, vals):
        result = super().write(vals)
        if "order_id" in vals:
            self._check_order_access()
        return result

    def _check_order_access(self):
        """A dry run is for a deal the user may read: any other is refused (AccessError), nothing is shown."""
        self.order_id.check_access("read")

    @api.depends("order_id", "stage_id")
    def _compute_outcome(self):
        for wizard in self:
            wizard.outcome = wizard._get_outcome_html()

    def _get_outcome_lines(self):
        """(robot, what it would do) for each active robot of the stage, in order; nothing is done.

        The deal is read with the user's rights; the robots' configuration (fields, templates, projects, roles)
        with the system's, as users run robots by moving deals without being able to read their settings.
        """
        self.ensure_one()
        self._check_order_access()
        # sudo: the robots' configuration only (no deal data), which salespeople may not read (ir.model.fields...).
        robots = self.stage_id.sudo().robot_ids.filtered("active").sorted(lambda r: (r.sequence, r.id))
        robots = robots.with_context(tz=self.env.user.tz or self.env.context.get("tz"), lang=self.env.lang)
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
