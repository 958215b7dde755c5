from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _name = "res.config.settings"
    # the guard first: erp_crm's fields (and NUL characters) refused by name before Odoo's own create or write works
    _inherit = ["erp.crm.input.guard", "res.config.settings"]
    _erp_crm_refuse_unknown_fields = False  # Odoo's create and write still get values of their own

    erp_crm_ranking_months = fields.Integer(related="company_id.erp_crm_ranking_months", readonly=False)
    erp_crm_ranking_threshold_a = fields.Float(related="company_id.erp_crm_ranking_threshold_a", readonly=False)
    erp_crm_ranking_threshold_b = fields.Float(related="company_id.erp_crm_ranking_threshold_b", readonly=False)
    erp_crm_reengage_active = fields.Boolean(related="company_id.erp_crm_reengage_active", readonly=False)
    erp_crm_reengage_funnel_id = fields.Many2one(related="company_id.erp_crm_reengage_funnel_id", readonly=False)
    erp_crm_reengage_days = fields.Integer(related="company_id.erp_crm_reengage_days", readonly=False)

    def action_erp_crm_recompute_ranking(self):
        return self.env["res.partner.ranking"].action_recompute()
