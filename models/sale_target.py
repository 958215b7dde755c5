from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain


class SaleTarget(models.Model):
    """A sales target for a salesperson or a team over a period, with its progress from the KPI report.

    Odoo's gamification goals count per user only (no team totals) and need the counted date stored on the
    counted model, which a deal's won date is not: a small model reading ``sale.kpi.report`` serves better.
    """

    _name = "sale.target"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Sales Target"
    _order = "date_from desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    user_id = fields.Many2one(
        "res.users", string="Salesperson", index=True, domain="[('share', '=', False)]", check_company=True
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True, check_company=True)
    company_id = fields.Many2one("res.company", string="Company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    target_won_amount = fields.Monetary(string="Won Amount Target", currency_field="currency_id")
    target_won_count = fields.Integer(string="Deals Won Target")
    target_call_count = fields.Integer(string="Calls Target")
    won_amount = fields.Monetary(string="Won Amount", currency_field="currency_id", compute="_compute_progress")
    won_count = fields.Integer(string="Deals Won", compute="_compute_progress")
    call_count = fields.Integer(string="Calls Done", compute="_compute_progress")
    won_amount_progress = fields.Float(string="Won Amount (%)", compute="_compute_progress")
    won_count_progress = fields.Float(string="Deals Won (%)", compute="_compute_progress")
    call_progress = fields.Float(string="Calls (%)", compute="_compute_progress")

    @api.model
    def _erp_crm_number_bounds(self):
        return {
            **super()._erp_crm_number_bounds(),
            "target_won_amount": (0, 10**12, None),
            "target_won_count": (0, 10**6, None),
            "target_call_count": (0, 10**6, None),
        }

    _targets_positive = models.Constraint(
        "CHECK(target_won_amount >= 0 AND target_won_count >= 0 AND target_call_count >= 0)",
        "A target cannot be negative.",
    )

    @api.depends("user_id", "team_id", "date_from", "date_to")
    def _compute_name(self):
        for target in self:
            who = target.user_id.name or target.team_id.name or ""
            target.name = f"{who} {target.date_from or ''} – {target.date_to or ''}".strip()

    @api.depends("user_id", "team_id", "date_from", "date_to", "company_id")
    def _compute_progress(self):
        """Read the KPI report once per period and kind of owner (the reader's record rules apply)."""
        Kpi = self.env["sale.kpi.report"]
        for (date_from, date_to, by_user), targets in self.grouped(
            lambda t: (t.date_from, t.date_to, bool(t.user_id))
        ).items():
            values = {}
            if date_from and date_to:
                owner = "user_id" if by_user else "team_id"
                domain = Domain.AND(
                    [
                        [(owner, "in", targets[owner].ids)],
                        [("company_id", "in", targets.company_id.ids)],
                        [("date", ">=", date_from), ("date", "<", fields.Date.add(date_to, days=1))],
                    ]
                )
                groups = Kpi._read_group(
                    domain, [owner, "company_id"], ["won_amount:sum", "won_count:sum", "call_count:sum"]
                )
                values = {(who, company): rest for who, company, *rest in groups}
            for target in targets:
                won_amount, won_count, calls = values.get(
                    (target.user_id if by_user else target.team_id, target.company_id), (0.0, 0, 0)
                )
                target.won_amount = won_amount
                target.won_count = won_count
                target.call_count = calls
                target.won_amount_progress = _percent(won_amount, target.target_won_amount)
                target.won_count_progress = _percent(won_count, target.target_won_count)
                target.call_progress = _percent(calls, target.target_call_count)

    @api.constrains("user_id", "team_id", "date_from")  # date_from: required, so checked on every create
    def _check_owner(self):
        for target in self:
            if bool(target.user_id) == bool(target.team_id):
                raise ValidationError(
                    self.env._("A target is set for a salesperson or for a sales team: choose one of the two.")
                )

    @api.constrains("user_id")
    def _check_user_internal(self):
        for target in self:
            if target.user_id.share:
                raise ValidationError(
                    self.env._(
                        "Salesperson: %(user)s is not an internal user; targets are set for the company's "
                        "salespeople only.",
                        user=target.user_id.name,
                    )
                )

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for target in self:
            if not (target.date_from and target.date_to):
                raise ValidationError(self.env._("From and To: a target covers a period; give both dates."))
            if target.date_from > target.date_to:
                raise ValidationError(
                    self.env._(
                        "The target's period ends (%(to)s) before it starts (%(from)s).",
                        to=target.date_to,
                        **{"from": target.date_from},
                    )
                )


def _percent(done, target):
    return 100.0 * done / target if target else 0.0
