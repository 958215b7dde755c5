from email.utils import formataddr

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import email_normalize, escape_psql, parse_contact_from_email, plaintext2html

UTM_NAME_SIZE = 100  # longest source, medium or campaign name taken from a web page


class SaleOrder(models.Model):
    """Intake: a request (an email to a funnel's alias, a website form) becomes a deal in the funnel's first stage.

    Both ways end in ``_erp_crm_create_intake_deal``, which creates the deal in its stage, so that the deal enters
    it through the stage-move door (history, time limit, robots) like any other deal.
    """

    _inherit = "sale.order"

    # ------------------------------------------------------------
    # MAIL GATEWAY
    # ------------------------------------------------------------

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """An email to a funnel's alias: a deal of that funnel, its title from the subject, the sender as customer.

        Only the funnel is taken from the alias's defaults (the gateway applies them under sudo): team, company,
        stage and salesperson follow from the funnel and the customer. The email itself becomes the deal's first
        message (posted by the gateway after this), and replies to the deal's messages thread on it.
        """
        Funnel = self.env["sale.funnel"]
        funnel = Funnel.browse((custom_values or {}).get("funnel_id")).exists()
        funnel = funnel or Funnel._get_default_funnel(company=self.env.company)
        if not funnel:
            raise UserError(self.env._("No funnel takes requests by email: set an alias on a funnel."))
        name, email = parse_contact_from_email(msg_dict.get("email_from") or "")
        partner = self._erp_crm_intake_customer(funnel, email, name)
        if not partner:
            raise UserError(self.env._("A request by email needs a sender address."))
        msg_dict["author_id"] = partner.id  # the first message is the customer's
        deal = self._erp_crm_create_intake_deal(
            funnel,
            partner,
            msg_dict.get("subject") or self.env._("No Subject"),
            utm={"medium": self.env.ref("utm.utm_medium_email", raise_if_not_found=False)},
        )
        # The sender follows the request: answers posted on the deal reach them, their replies thread on it.
        deal.message_subscribe(partner.ids)
        return deal

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _erp_crm_create_intake_deal(self, funnel, partner, title, body=None, utm=None):
        """Create the deal of a request in ``funnel``'s first stage, through the door.

        :param funnel: the funnel the request came to
        :param partner: the customer
        :param str title: the deal's title (an email's subject, a form's subject)
        :param str body: plain text of the request, posted on the deal as the customer's first message (the mail
            gateway posts an email itself)
        :param dict utm: ``source``, ``medium``, ``campaign``: records, or names (found or created)
        """
        company = funnel._erp_crm_intake_company()
        team = funnel._erp_crm_intake_team(company)
        role = funnel._erp_crm_sales_role()
        user = self._erp_crm_intake_salesperson(partner, team, company, role)
        vals = {
            "partner_id": partner.id,
            "title": title,
            "funnel_id": funnel.id,
            "stage_id": funnel._get_first_open_stage().id,
            "team_id": team.id,
            "company_id": company.id,
            "user_id": user.id,
        }
        if role.assignment == "round_robin" and user:
            # the deal keeps the salesperson it got as the role's holder: the stage's robots give them its work
            vals["role_user_ids"] = [Command.create({"role_id": role.id, "user_id": user.id})]
        for key, fname in (("source", "source_id"), ("medium", "medium_id"), ("campaign", "campaign_id")):
            value = (utm or {}).get(key)
            if isinstance(value, str):
                value = self._erp_crm_utm_record(self._fields[fname].comodel_name, value)
            if value:
                vals[fname] = value.id
        deal = self.with_company(company).with_context(mail_create_nosubscribe=True).create(vals)
        if body:
            deal.message_post(
                body=plaintext2html(body),
                author_id=partner.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return deal

    @api.model
    def _erp_crm_intake_customer(self, funnel, email, name=None, phone=None):
        """The customer of a request to ``funnel``: the contact with this email, else a new contact.

        Found as the mail gateway finds authors (``_partner_find_from_emails_single``), in the context of the
        funnel: only contacts shared or of the deals' company, those of that company first; a new contact
        belongs to the funnel's company (none for a shared funnel). Nothing of a found contact is changed.
        """
        email_key = email_normalize(email or "")
        if not email_key:
            return self.env["res.partner"]
        company = funnel._erp_crm_intake_company()
        # sudo: reads the funnel's company and followers to rank the contacts found, as the gateway does.
        return (
            funnel.sudo()
            ._partner_find_from_emails_single(
                [formataddr((name, email_key)) if name else email_key],
                filter_found=lambda partner: partner.company_id in (company, company.browse()),
                additional_values={email_key: {"phone": phone}} if phone else None,
            )
            .with_env(self.env)
        )

    @api.model
    def _erp_crm_intake_salesperson(self, partner, team, company, role=None):
        """Salesperson of a new request: the customer's salesperson, else the holder of the funnel's sales role
        (``role``: the next of its team in turn, or its user), else the team's leader, else nobody (the deal is
        then unassigned: every salesperson of the funnel sees it)."""
        for user in (partner.user_id, partner.commercial_partner_id.user_id):
            if user and not user.share and company in user.company_ids:
                return user
        if role:
            # sudo: taking the next in turn moves the role's pointer, whoever brings the request in (the gateway,
            # a public visitor); only the role's own team or user can come out.
            role = role.sudo()
            user = role._next_round_robin_user() if role.assignment == "round_robin" else role.user_id
            if user and not user.share and company in user.company_ids:
                return user.with_env(self.env)
        if team.user_id and not team.user_id.share and company in team.user_id.company_ids:
            return team.user_id
        return self.env["res.users"]

    @api.model
    def _erp_crm_utm_record(self, model_name, name):
        """The utm source, medium or campaign named ``name`` (any case), created when missing.

        As ``utm.mixin._find_or_create_record``, but the name is matched literally (``%`` and ``_`` are not
        patterns) and kept short.
        """
        name = " ".join(name.split())[:UTM_NAME_SIZE]
        Model = self.env[model_name]
        if not name:
            return Model
        record = Model.with_context(active_test=False).search([("name", "=ilike", escape_psql(name))], limit=1)
        if not record:
            values = {"name": name}
            if "is_auto_campaign" in Model._fields:
                values["is_auto_campaign"] = True
            # sudo: a request names the page's source, medium or campaign, and whoever brings it in (the public
            # visitor, the mail gateway) may not create utm records; only a short literal name is stored.
            record = Model.sudo().create(values).with_env(Model.env)
        return record
