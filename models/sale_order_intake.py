from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import email_normalize, escape_psql, formataddr, parse_contact_from_email, plaintext2html

UTM_NAME_SIZE = 100  # longest source, medium or campaign name taken from a web page


class SaleOrder(models.Model):
    """Intake: a request (an email to a funnel's alias, a website form) becomes a deal in the funnel's first stage.

    Both ways end in ``_erp_crm_create_intake_deal``, which creates the deal in its stage, so that the deal enters
    it through the stage-move door (history, time limit, robots) like any other deal.

    Nobody proves who they are by typing an address: a web request gets a new contact of its own and its text is
    logged as a web request (by OdooBot, with the typed name and address), never as a message of a known contact;
    a known contact with the typed address is only suggested, for the salesperson to confirm. An email is authored
    by the contact with the sender's address (Odoo's mail gateway does so), but an internal user's contact never
    becomes the customer of a deal.
    """

    _inherit = "sale.order"

    intake_partner_match_id = fields.Many2one(
        "res.partner",
        string="Possible Existing Customer",
        readonly=True,
        check_company=True,
        copy=False,
        groups="sales_team.group_sale_salesman",
        help="A web request gave the email address of this existing contact. Nobody checked that the visitor is "
        "them: confirm before making them the deal's customer.",
    )

    # ------------------------------------------------------------
    # MAIL GATEWAY
    # ------------------------------------------------------------

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """An email to a funnel's alias: a deal of that funnel, its title from the subject, the sender as customer.

        Only the funnel is taken from the alias's defaults (the gateway applies them under sudo): team, company,
        stage and salesperson follow from the funnel and the customer. The email itself becomes the deal's first
        message (posted by the gateway after this), and replies to the deal's messages thread on it.

        The gateway runs as the user whose address the email's From names, and that address is not proved (Odoo
        checks no signature): the deal is created by OdooBot, and the customer is the contact with the sender's
        address but never an internal user's (a new contact then). The email is authored by that customer, as
        Odoo's gateway authors every email by its From address: a spoofed From of a known customer reads as theirs.
        """
        Deal = self.with_user(SUPERUSER_ID)
        Funnel = Deal.env["sale.funnel"]
        funnel = Funnel.browse((custom_values or {}).get("funnel_id")).exists()
        funnel = funnel or Funnel._get_default_funnel(company=self.env.company)
        if not funnel:
            raise UserError(self.env._("No funnel takes requests by email: set an alias on a funnel."))
        name, email = parse_contact_from_email(msg_dict.get("email_from") or "")
        if not email_normalize(email or ""):
            raise UserError(self.env._("A request by email needs a sender address."))
        company = funnel._erp_crm_intake_company()
        partner = Deal._erp_crm_intake_known_contact(funnel, company, email) or Deal._erp_crm_intake_new_contact(
            company, email, name
        )
        msg_dict["author_id"] = partner.id  # the first message is the sender's (never an internal user's contact)
        deal = Deal._erp_crm_create_intake_deal(
            funnel,
            partner,
            msg_dict.get("subject") or self.env._("No Subject"),
            utm={"medium": self.env.ref("utm.utm_medium_email", raise_if_not_found=False)},
        )
        # The sender follows the request: answers posted on the deal reach them, their replies thread on it.
        deal.message_subscribe(partner.ids)
        return deal

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_erp_crm_use_matched_customer(self):
        """The salesperson confirms that the web request came from the existing customer with its address: the
        deal becomes theirs, and the contact the request made is archived when nothing else uses it."""
        self.ensure_one()
        self.check_access("write")
        customer = self.intake_partner_match_id
        if not customer:
            return True
        if self.state not in ("draft", "sent"):
            raise UserError(
                self.env._("Customer: a confirmed order keeps its customer. Change it on a quotation only.")
            )
        contact = self.partner_id
        self.write({"partner_id": customer.id, "intake_partner_match_id": False})
        self._message_log(
            body=self.env._(
                "Customer confirmed by %(user)s: %(customer)s (the web request's address is theirs).",
                user=self.env.user.name,
                customer=customer.display_name,
            )
        )
        # sudo: whether another document uses the request's contact, whoever may read those documents
        in_use = (
            contact.sudo().with_context(active_test=False).user_ids
            or contact.sudo().child_ids
            or self.sudo().search_count([("partner_id", "=", contact.id)], limit=1)
        )
        if not in_use and contact._filtered_access("write"):
            contact.action_archive()
        return True

    def action_erp_crm_dismiss_matched_customer(self):
        """Not the same person: the deal keeps the contact the request made."""
        self.check_access("write")
        for deal in self.filtered("intake_partner_match_id"):
            deal.intake_partner_match_id = False
            deal._message_log(body=self.env._("Kept the web request's own contact as the customer."))
        return True

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _erp_crm_create_web_request(self, funnel, values):
        """A request from the website form: a deal for a new contact made of what the visitor typed, the text
        logged as a web request, and a known contact with that address only suggested.

        :param funnel: the funnel whose token the form posted
        :param dict values: the posted text fields (``name``, ``email``, ``phone``, ``subject``, ``message``,
            ``utm_*``), checked by the controller
        """
        company = funnel._erp_crm_intake_company()
        match = self._erp_crm_intake_known_contact(funnel, company, values["email"])
        contact = self._erp_crm_intake_new_contact(company, values["email"], values["name"], values["phone"])
        message = values["message"] or ""
        medium = values["utm_medium"] and self._erp_crm_utm_record("utm.medium", values["utm_medium"], company)
        deal = self._erp_crm_create_intake_deal(
            funnel,
            contact,
            values["subject"] or message.strip().split("\n")[0][:100] or self.env._("Web request"),
            utm={
                "source": values["utm_source"],
                "medium": medium or self.env.ref("utm.utm_medium_website", False),
                "campaign": values["utm_campaign"],
            },
            match=match,
        )
        deal._erp_crm_log_web_request(values["name"], values["email"], values["phone"], message)
        return deal

    @api.model
    def _erp_crm_create_intake_deal(self, funnel, partner, title, utm=None, match=None):
        """Create the deal of a request in ``funnel``'s first stage, through the door.

        :param funnel: the funnel the request came to
        :param partner: the customer
        :param str title: the deal's title (an email's subject, a form's subject)
        :param dict utm: ``source``, ``medium``, ``campaign``: records, or names (found or created)
        :param match: a known contact with the request's address, suggested to the salesperson (whose customer
            it is, that salesperson takes the deal)
        """
        company = funnel._erp_crm_intake_company()
        team = funnel._erp_crm_intake_team(company)
        role = funnel._erp_crm_sales_role()
        user = self._erp_crm_intake_salesperson(match or partner, team, company, role)
        vals = {
            "partner_id": partner.id,
            "title": title,
            "funnel_id": funnel.id,
            "stage_id": funnel._get_first_open_stage().id,
            "team_id": team.id,
            "company_id": company.id,
            "user_id": user.id,
            "intake_partner_match_id": match.id if match else False,
        }
        if role.assignment == "round_robin" and user:
            # the deal keeps the salesperson it got as the role's holder: the stage's robots give them its work
            vals["role_user_ids"] = [Command.create({"role_id": role.id, "user_id": user.id})]
        # Each utm field is set, empty when the request names none: utm.mixin's defaults would otherwise take the
        # visitor's utm cookies (Odoo echoes posted utm_* into cookies) and match them as patterns, in any company.
        for key, fname in (("source", "source_id"), ("medium", "medium_id"), ("campaign", "campaign_id")):
            value = (utm or {}).get(key)
            if isinstance(value, str):
                value = self._erp_crm_utm_record(self._fields[fname].comodel_name, value, company)
            vals[fname] = value.id if value else False
        return self.with_company(company).with_context(mail_create_nosubscribe=True).create(vals)

    def _erp_crm_log_web_request(self, name, email, phone, message):
        """The visitor's text on the deal as what it is: a web request, logged by OdooBot with the name, address
        and phone typed (nobody checked them), never as a message of a contact. A note: nobody is notified."""
        self.ensure_one()
        email_key = email_normalize(email) or ""
        header = self.env._("Web request from %(sender)s", sender=f"{name} <{email_key}>" if name else email_key)
        if phone:
            header = self.env._("%(header)s, phone %(phone)s", header=header, phone=phone)
        body = Markup("<p><b>%s</b></p>%s") % (header, plaintext2html(message) if message else "")
        return self._message_log(
            body=body,
            author_id=self.env.ref("base.partner_root").id,
            email_from=formataddr((name or "", email_key)),
            message_type="comment",
        )

    @api.model
    def _erp_crm_intake_known_contact(self, funnel, company, email):
        """The contact a request's address names, found as the mail gateway finds authors
        (``_partner_find_from_emails_single``): shared or of ``company``, that company's first; never the contact
        of an internal user. Empty when there is none."""
        email_key = email_normalize(email or "")
        if not email_key:
            return self.env["res.partner"]

        def acceptable(partner):
            internal = partner.with_context(active_test=False).user_ids.filtered(lambda user: not user.share)
            return not internal and partner.company_id in (company, company.browse())

        # sudo: reads the funnel's followers and the contacts' users to rank and filter the contacts found, as the
        # gateway does; nothing is created.
        return (
            funnel.sudo()
            ._partner_find_from_emails_single([email_key], filter_found=acceptable, no_create=True)
            .with_env(self.env)
        )

    @api.model
    def _erp_crm_intake_new_contact(self, company, email, name=None, phone=None):
        """A new contact of ``company`` with the name, address and phone a request gave."""
        email_key = email_normalize(email or "")
        return self.env["res.partner"].create(
            {"name": name or email_key, "email": email_key, "phone": phone or False, "company_id": company.id}
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
    def _erp_crm_utm_record(self, model_name, name, company):
        """The utm source, medium or campaign named ``name`` (any case), created when missing; none for a name
        without a letter or digit (``%``, ``_``, ``-``: noise, never a record).

        As ``utm.mixin._find_or_create_record``, but the name is matched literally (``%`` and ``_`` are not
        patterns) on the record's name as shown, among the shared ones and ``company``'s (a campaign of another
        company is never reused), and kept short.
        """
        name = " ".join(name.split())[:UTM_NAME_SIZE]
        Model = self.env[model_name]
        if not any(char.isalnum() for char in name):
            return Model
        domain = [(Model._rec_name, "=ilike", escape_psql(name))]
        if "company_id" in Model._fields:
            domain.append(("company_id", "in", [company.id, False]))
        record = Model.with_context(active_test=False).search(domain, limit=1)
        if not record:
            values = {Model._rec_name: name}
            if "is_auto_campaign" in Model._fields:
                values["is_auto_campaign"] = True
            if "company_id" in Model._fields:
                values["company_id"] = company.id
            # sudo: a request names the page's source, medium or campaign, and whoever brings it in (the public
            # visitor, the mail gateway) may not create utm records; only a short literal name is stored.
            record = Model.sudo().create(values).with_env(Model.env)
        return record
