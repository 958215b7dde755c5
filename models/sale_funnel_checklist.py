from markupsafe import Markup, escape

from odoo import api, fields, models


class SaleFunnel(models.Model):
    """What is left to set up on a funnel (shown on the funnel form after the New Line of Business assistant):
    each item disappears once it is done."""

    _inherit = "sale.funnel"

    setup_checklist = fields.Html(string="Left to Set Up", compute="_compute_setup_checklist", sanitize=False)

    @api.depends("role_ids.assignment", "role_ids.user_id", "alias_name", "alias_domain_id")
    @api.depends_context("lang")
    def _compute_setup_checklist(self):
        for funnel in self:
            items = funnel._get_setup_checklist()
            funnel.setup_checklist = (
                Markup("<ul class='mb-0'>%s</ul>") % Markup().join(Markup("<li>%s</li>") % escape(i) for i in items)
                if items
                else False
            )

    def _get_setup_checklist(self):
        """What is left to do before the funnel works on its own: [text] (hook: extend with ``super()``)."""
        self.ensure_one()
        items = [
            self.env._("Name who holds the role “%(role)s” (Roles tab).", role=role.name)
            for role in self.role_ids
            if role.assignment == "user" and not role.user_id
        ]
        if not self.alias_name:
            items.append(
                self.env._("Connect incoming mail: give the funnel an email alias (Intake tab), e.g. “heat-pumps”.")
            )
        elif not self.alias_domain_id:
            items.append(
                self.env._(
                    "Connect incoming mail: choose the alias domain (Intake tab) and set up an incoming mail server "
                    "for it (Settings ▸ General Settings ▸ Emails)."
                )
            )
        # sudo: whether the funnel has a web form token (not its value), which only managers may read.
        if not self.sudo().intake_token:
            items.append(self.env._("Publish the web form: generate the web form token (Intake tab)."))
        if not (self.company_id or self.env.company).resource_calendar_id:
            items.append(self.env._("Set the company's working hours: robots' deadlines and SLAs count them."))
        return items
