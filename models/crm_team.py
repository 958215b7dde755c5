from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmTeam(models.Model):
    _name = "crm.team"
    # the guard first: erp_crm's fields (and NUL characters) refused by name before Odoo's own create or write works
    _inherit = ["erp.crm.input.guard", "crm.team"]
    _erp_crm_refuse_unknown_fields = False  # Odoo's create and write still get values of their own

    # No check_company: Odoo's teams have no company by default (its own "Sales" team included) while a funnel
    # made in the web client takes the current company. A team of one company may only use that company's
    # funnels (or shared ones); a team shared by companies may use any, and each deal gets it only when the
    # funnel serves the deal's company (see sale.funnel._get_default_funnel).
    funnel_id = fields.Many2one(
        "sale.funnel",
        string="Default Funnel",
        domain="['|', ('team_ids', '=', False), ('team_ids', 'in', id)]",
        help="Funnel given to new deals of this team.",
    )

    @api.constrains("funnel_id", "company_id")
    def _check_funnel_serves_team(self):
        for team in self:
            funnel = team.funnel_id
            if funnel and funnel.team_ids and team not in funnel.team_ids:
                raise ValidationError(
                    self.env._(
                        "The funnel “%(funnel)s” does not serve the team “%(team)s”: add the team to the funnel first.",
                        funnel=funnel.name,
                        team=team.name,
                    )
                )
            if funnel.company_id and team.company_id and funnel.company_id != team.company_id:
                raise ValidationError(
                    self.env._(
                        "Default Funnel: “%(funnel)s” belongs to %(funnel_company)s, the team “%(team)s” to "
                        "%(team_company)s.",
                        funnel=funnel.name,
                        funnel_company=funnel.company_id.name,
                        team=team.name,
                        team_company=team.company_id.name,
                    )
                )
