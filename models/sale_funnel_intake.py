import hmac
import secrets

from odoo import fields, models

# Compared against when no funnel answers, so that an unknown funnel costs the same compare as a bad token.
_NO_TOKEN = secrets.token_urlsafe(32)


class SaleFunnel(models.Model):
    """Intake: requests land as deals in the funnel's first stage, by email to the funnel's alias (Odoo's
    ``mail.alias`` machinery, as sales teams and projects do) or from a website form posting to
    ``/erp_crm/intake`` with the funnel's secret token (see ``controllers/intake.py``)."""

    _name = "sale.funnel"
    # sale.funnel first: its input guard checks the values before mail.alias.mixin creates the alias from them
    _inherit = ["sale.funnel", "mail.alias.mixin"]

    alias_id = fields.Many2one(help="Emails sent to this address become deals in the funnel's first stage.")
    intake_token = fields.Char(
        string="Web Form Token",
        copy=False,
        readonly=True,
        groups="erp_crm.erp_crm_group_manager",
        help="Secret posted by the website form with each request. Without a token the funnel takes no web requests.",
    )
    intake_form_url = fields.Char(string="Web Form Address", compute="_compute_intake_form_url")

    def _compute_intake_form_url(self):
        base_url = self.get_base_url() if self else ""
        for funnel in self:
            funnel.intake_form_url = f"{base_url}/erp_crm/intake"

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    def write(self, vals):
        # The alias always brings its emails into this funnel and nothing else: its defaults are the funnel's to
        # set (see _alias_get_creation_values), never a user's (they are applied under the gateway's sudo).
        return super().write({fname: value for fname, value in vals.items() if fname != "alias_defaults"})

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_generate_intake_token(self):
        """A new secret for the website form: the previous one stops working at once."""
        self.check_access("write")
        for funnel in self:
            # sudo: the token is readable and writable by ERP CRM managers only (field groups); the caller may
            # write the funnel (checked above), the value is generated here, never given.
            funnel.sudo().intake_token = secrets.token_urlsafe(32)
        return True

    def action_revoke_intake_token(self):
        """The funnel stops taking web requests."""
        self.check_access("write")
        # sudo: as above, for managers who may write the funnel; only clears the secret.
        self.sudo().intake_token = False
        return True

    # ------------------------------------------------------------
    # MAIL GATEWAY
    # ------------------------------------------------------------

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get_id("sale.order")
        if self.id:
            values["alias_defaults"] = repr({"funnel_id": self.id})
        return values

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _erp_crm_intake_token_matches(self, token):
        """Whether ``token`` is this funnel's web form token, compared in constant time.

        Called on an empty recordset (unknown funnel), it compares against a throw-away secret and says no.
        """
        expected = (self.sudo().intake_token if self else None) or _NO_TOKEN  # sudo: the token is managers' only
        given = token if isinstance(token, str) else ""
        matches = hmac.compare_digest(expected.encode(), given.encode())
        return bool(self) and bool(self.active) and expected != _NO_TOKEN and matches

    def _erp_crm_intake_company(self):
        """Company of the deals that come in through this funnel: the funnel's, else its team's, else the
        current one."""
        self.ensure_one()
        return self.company_id or self.team_ids.company_id[:1] or self.env.company

    def _erp_crm_intake_team(self, company):
        """Team of the deals that come in: the team whose default funnel this is, else the funnel's first team
        (of ``company`` or shared)."""
        self.ensure_one()
        teams = self.env["crm.team"].search(
            [("funnel_id", "=", self.id), ("company_id", "in", [company.id, False])], limit=1
        )
        return teams or self.team_ids.filtered(lambda team: team.company_id in (company, team.browse()))[:1]

    def _erp_crm_sales_role(self):
        """The role that gives the funnel's deals their salesperson: its first role, when that role names its
        people (a team in turn or a fixed user); none when it is "the deal's salesperson" itself."""
        self.ensure_one()
        role = self.role_ids.sorted(lambda r: (r.sequence, r.id))[:1]
        return role if role.assignment in ("round_robin", "user") else role.browse()
