from odoo import api, fields, models


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

    @api.model_create_multi
    def create(self, vals_list):
        """Write erp_crm's company settings in one write, so that the company's constraints see the whole save.

        Odoo writes each related setting on its own (the related field's inverse), checking the company after each:
        re-engagement switched on before its funnel was written, or thresholds raised together (A 66 → 92 with
        B 90 → 97) checked against the old B, were refused although the page as saved is valid.
        """
        company_fields = self._erp_crm_company_fields()
        company_vals_list = [
            {fname: vals.pop(fname) for fname in company_fields if fname in vals} for vals in vals_list
        ]
        for company_vals in company_vals_list:
            # taken out of the guard's way by the pop above: refused here, before the settings record is created
            self._erp_crm_check_values(company_vals)
        settings = super().create(vals_list)
        for record, company_vals in zip(settings, company_vals_list, strict=True):
            company = record.company_id
            changed = {
                fname: value
                for fname, value in company_vals.items()
                if company._fields[fname].convert_to_write(company[fname], company) != value
            }
            if changed:
                company.write(changed)
        return settings

    @api.model
    def _erp_crm_company_fields(self):
        """The settings of this page that are erp_crm's fields of the company (``company_id.<same name>``)."""
        return [
            fname
            for fname, field in self._fields.items()
            if fname.startswith("erp_crm_") and field.related == f"company_id.{fname}" and not field.readonly
        ]

    def action_erp_crm_recompute_ranking(self):
        return self.env["res.partner.ranking"].action_recompute()
