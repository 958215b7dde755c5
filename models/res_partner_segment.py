import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command

from ..tools.condition import parse_condition

_logger = logging.getLogger(__name__)


class ResPartnerSegment(models.Model):
    """A saved customer segment: a domain over partners (ranking fields included), optionally synchronised to a
    mailing list of Email Marketing so that campaigns reach exactly it."""

    _name = "res.partner.segment"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Customer Segment"
    _order = "name, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self._default_company_id(),
        help="Ranking fields of the domain (class, segment, last purchase) are this company's.",
    )
    domain = fields.Char(
        default="[]",
        required=True,
        help="Which partners belong to the segment, e.g. [('erp_crm_rfm_segment', 'in', ['at_risk'])] or "
        "[('erp_crm_first_deal_source_id.name', '=', 'Trade fair')] (where their first deal came from).",
    )
    mailing_list_id = fields.Many2one(
        "mailing.list",
        string="Mailing List",
        ondelete="set null",
        copy=False,
        help="Kept equal to the segment's partners that have an email by Synchronise (and by the daily ranking).",
    )
    auto_sync = fields.Boolean(
        string="Synchronise Daily", help="Synchronise the mailing list after each daily ranking."
    )
    partner_count = fields.Integer(string="Customers", compute="_compute_partner_count")

    # A list belongs to one segment: two segments on one list would empty what the other fills.
    _mailing_list_uniq = models.UniqueIndex(
        "(mailing_list_id) WHERE mailing_list_id IS NOT NULL", "A mailing list is synchronised by one segment only."
    )

    def _default_company_id(self):
        return self.env.company

    def _compute_partner_count(self):
        for segment in self:
            segment.partner_count = segment._search_partners(count=True)

    @api.constrains("domain")
    def _check_domain(self):
        """A domain that does not parse, or names unknown fields, is refused when saved (checked for the user who
        saves it: the search runs with their rights)."""
        for segment in self:
            try:
                segment._search_partners(count=True)
            except Exception as error:  # noqa: BLE001 - any parse or field error is the user's to fix
                raise ValidationError(
                    self.env._("Domain of segment %(name)s is not valid: %(error)s", name=segment.name, error=error)
                ) from error

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._erp_crm_check_values(vals)
        self._check_mailing_list_handover(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._erp_crm_check_values(vals)
        self._check_mailing_list_handover([vals])
        return super().write(vals)

    # ------------------------------------------------------------
    # ACCESS
    # ------------------------------------------------------------

    def _check_mailing_list_handover(self, vals_list):
        """A segment synchronises only into a list handed over by someone who may edit it (or one it created):
        linking a mailing list needs the right to write that list (Email Marketing), checked for the saving
        user. Without it, a sales manager could empty or fill the marketing team's lists."""
        # the list the segments already have needs no new handover (a form saving it again)
        list_ids = {vals["mailing_list_id"] for vals in vals_list if vals.get("mailing_list_id")}
        list_ids -= set(self.mailing_list_id.ids)
        if not list_ids or self.env.su:
            return
        mailing_lists = self.env["mailing.list"].browse(list_ids)
        if not mailing_lists.has_access("write"):
            raise AccessError(
                self.env._(
                    "Mailing List: a segment may only be synchronised into a mailing list you may edit "
                    "(Email Marketing rights)."
                )
            )

    def _check_mailing_list_sync_access(self):
        """The sync writes the list with the running user's own rights: it needs Email Marketing rights."""
        MailingList = self.env["mailing.list"]
        if not (MailingList.has_access("create") and self.env["mailing.subscription"].has_access("unlink")):
            raise AccessError(
                self.env._(
                    "Segment %(name)s: synchronising a mailing list needs Email Marketing rights; "
                    "ask a marketing user to synchronise it.",
                    name=self.name,
                )
            )
        if self.mailing_list_id:
            self.mailing_list_id.check_access("write")

    def _get_domain(self):
        self.ensure_one()
        return parse_condition(self.domain or "[]")  # values only: the segment's domain is never evaluated

    def _search_partners(self, count=False):
        """The segment's partners, searched with the current user's rights in the segment's company."""
        self.ensure_one()
        Partner = self.env["res.partner"].with_company(self.company_id)
        domain = self._get_domain()
        domain.validate(Partner)
        return Partner.search_count(domain) if count else Partner.search(domain)

    @api.readonly
    def action_open_partners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "res.partner",
            "view_mode": "list,kanban,form",
            "domain": [("id", "in", self._search_partners().ids)],
        }

    def action_sync_mailing_list(self):
        for segment in self:
            segment._sync_mailing_list()
        return True

    def _sync_mailing_list(self):
        """Make the mailing list's subscriptions exactly the segment's partners with an email (one contact per
        email address). Opted-out subscriptions stay as they are, whatever the segment does: a customer who
        unsubscribed, left the segment and came back is not subscribed again.

        Runs with the current user's rights, on mailing lists as well: the list is the segment's (created by it,
        or linked by someone who may edit it, see :meth:`_check_mailing_list_handover`), and the user must be
        allowed to edit it."""
        self.ensure_one()
        self.check_access("write")
        self._check_mailing_list_sync_access()
        partners = self._search_partners().filtered("email_normalized")
        mailing_list = self.mailing_list_id
        if not mailing_list:
            mailing_list = self.env["mailing.list"].create({"name": self.name})
            self.mailing_list_id = mailing_list
        Contact = self.env["mailing.contact"]
        emails = {}
        for partner in partners:
            emails.setdefault(partner.email_normalized, partner)
        subscriptions = mailing_list.subscription_ids
        subscribed = {sub.contact_id.email_normalized: sub for sub in subscriptions}
        # opted out: kept, so that the customer is never subscribed again by the segment
        subscriptions.filtered(lambda sub: not sub.opt_out and sub.contact_id.email_normalized not in emails).unlink()
        missing = {email: partner for email, partner in emails.items() if email not in subscribed}
        if missing:
            known = Contact.search_fetch([("email_normalized", "in", list(missing))], ["email_normalized"])
            by_email = {contact.email_normalized: contact for contact in known}
            new_contacts = Contact.create(
                [
                    {"name": partner.name, "email": partner.email, "country_id": partner.country_id.id}
                    for email, partner in missing.items()
                    if email not in by_email
                ]
            )
            contacts = Contact.browse([by_email[e].id for e in missing if e in by_email]) | new_contacts
            mailing_list.write({"subscription_ids": [Command.create({"contact_id": c.id}) for c in contacts]})
        return mailing_list

    @api.model
    def _cron_sync_segments(self):
        """After the daily ranking: synchronise the segments that ask for it, each as the user who last saved it
        (never as superuser: the domain is theirs, and so are the rights on the list; a segment last saved by
        someone without Email Marketing rights is skipped and logged)."""
        for segment in self.search([("auto_sync", "=", True)]):
            try:
                with self.env.cr.savepoint():
                    segment.with_user(segment.write_uid).with_company(segment.company_id)._sync_mailing_list()
            except (AccessError, UserError, ValidationError) as error:
                # e.g. the user who saved it lost their rights: the other segments are still synchronised
                _logger.warning("Customer segment %s not synchronised: %s", segment.display_name, error)
