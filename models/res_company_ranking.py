from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .erp_crm_input_guard import YEAR_DAYS


class ResCompany(models.Model):
    _inherit = "res.company"

    erp_crm_ranking_months = fields.Integer(
        string="Ranking Period (months)",
        default=12,
        help="Revenue, frequency and ABC classes are computed over the invoices of this many months.",
    )
    erp_crm_ranking_threshold_a = fields.Float(
        string="Class A Threshold (%)",
        default=80.0,
        help="Customers who bring the first this-many percent of the revenue are class A.",
    )
    erp_crm_ranking_threshold_b = fields.Float(
        string="Class B Threshold (%)",
        default=95.0,
        help="Customers who bring the revenue up to this cumulative percentage (after class A) are class B; "
        "the rest are class C.",
    )
    erp_crm_ranking_date = fields.Datetime(
        string="Customers Ranked On", readonly=True, help="When the customers of the company were last ranked."
    )
    erp_crm_reengage_active = fields.Boolean(
        string="Re-engage Customers",
        help="Give customers who slide into 'At risk' or 'Can't lose', or buy nothing for a number of days, "
        "a reactivation deal with a call for their salesperson.",
    )
    erp_crm_reengage_funnel_id = fields.Many2one(
        "sale.funnel", string="Re-engagement Funnel", help="Funnel of the reactivation deals."
    )
    erp_crm_reengage_days = fields.Integer(
        string="Re-engage After (days)",
        help="Also re-engage a customer who bought nothing for this many days (0: only by segment).",
    )

    @api.model
    def _erp_crm_number_bounds(self):
        ten_years = self.env._("ten years")
        return {
            **super()._erp_crm_number_bounds(),
            "erp_crm_ranking_months": (1, 120, ten_years),
            "erp_crm_ranking_threshold_a": (0, 100, None),
            "erp_crm_ranking_threshold_b": (0, 100, None),
            "erp_crm_reengage_days": (0, 10 * YEAR_DAYS, ten_years),
        }

    def _erp_crm_settings_problem(self, prefix):
        """Why this company's settings starting with ``prefix`` (``erp_crm_ranking_``: ranking its customers,
        ``erp_crm_reengage_``: re-engaging them) cannot be applied (a value saved before its bounds), or None."""
        self.ensure_one()
        for fname in self._erp_crm_number_bounds():
            if not fname.startswith(prefix):
                continue
            field = self._fields[fname]
            if problem := self._erp_crm_value_problem(field, self[fname]):
                return self._erp_crm_refusal(field, self[fname], problem)
        return None

    @api.constrains("erp_crm_ranking_months")
    def _check_erp_crm_ranking_months(self):
        for company in self:
            if company.erp_crm_ranking_months <= 0:
                raise ValidationError(
                    self.env._(
                        "Ranking Period (months) must be at least 1 (company %(company)s).", company=company.name
                    )
                )

    @api.constrains("erp_crm_ranking_threshold_a", "erp_crm_ranking_threshold_b")
    def _check_erp_crm_ranking_thresholds(self):
        for company in self:
            low, high = company.erp_crm_ranking_threshold_a, company.erp_crm_ranking_threshold_b
            if not 0 < low <= 100:
                raise ValidationError(
                    self.env._("Class A Threshold (%%) must be between 0 and 100, not %(value)s.", value=low)
                )
            if not 0 < high <= 100:
                raise ValidationError(
                    self.env._("Class B Threshold (%%) must be between 0 and 100, not %(value)s.", value=high)
                )
            if high <= low:
                raise ValidationError(
                    self.env._(
                        "Class B Threshold (%%) (%(high)s) must be above Class A Threshold (%%) (%(low)s).",
                        high=high,
                        low=low,
                    )
                )

    @api.constrains("erp_crm_reengage_funnel_id", "erp_crm_reengage_active", "erp_crm_reengage_days")
    def _check_erp_crm_reengage(self):
        for company in self:
            funnel = company.erp_crm_reengage_funnel_id
            if funnel.company_id and funnel.company_id != company:
                raise ValidationError(
                    self.env._(
                        "Re-engagement Funnel: %(funnel)s belongs to %(other)s, not to %(company)s.",
                        funnel=funnel.name,
                        other=funnel.company_id.name,
                        company=company.name,
                    )
                )
            if company.erp_crm_reengage_active and not funnel:
                raise ValidationError(self.env._("Re-engagement Funnel is required to re-engage customers."))
            if company.erp_crm_reengage_days < 0:
                raise ValidationError(self.env._("Re-engage After (days) cannot be negative."))
