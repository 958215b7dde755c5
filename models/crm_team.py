from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmTeam(models.Model):
    _inherit = "crm.team"

    funnel_id = fields.Many2one(
        "sale.funnel",
        string="Default Funnel",
        check_company=True,
        domain="['|', ('team_ids', '=', False), ('team_ids', 'in', id)]",
        help="Funnel given to new deals of this team.",
    )

    @api.constrains("funnel_id")
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
