from markupsafe import Markup, escape

from odoo import models
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tools import SQL

# The addon's documents, by report: their file name is sale.order._erp_crm_report_filename(<kind>)
DOCUMENT_REPORTS = {
    "erp_crm.action_report_payment_request": "payment_request",
    "erp_crm.action_report_deal_offer": "offer",
}


class SaleFunnelRobot(models.Model):
    """Robot kinds that write: an email, a notification, a note (execution, description, validation).

    What robots post in the chatter is authored by OdooBot and names the robot, as Odoo's automation does:
    readers see that a robot wrote it, not the person who moved the deal.
    """

    _inherit = "sale.funnel.robot"

    def _chatter_body(self):
        return self._robot_signature() + (self.note or escape(self.summary or self.name))

    # ------------------------------------------------------------
    # EMAIL
    # ------------------------------------------------------------

    def _check_email(self):
        if not self.mail_template_id:
            raise ValidationError(self.env._("Email Template: robot “%(robot)s” needs one.", robot=self.name))
        model = self._get_record_model()
        if self.mail_template_id.model != model:
            raise ValidationError(
                self.env._(
                    "Email Template: “%(template)s” is not a template of deals (sale orders).",
                    template=self.mail_template_id.name,
                )
                if model == "sale.order"
                else self.env._(
                    "Email Template: “%(template)s” is not a template of service requests (project tasks).",
                    template=self.mail_template_id.name,
                )
            )
        if self.report_id and self.report_id.model != model:
            raise ValidationError(
                self.env._(
                    "Attach Document: “%(report)s” is not a document of deals (sale orders).",
                    report=self.report_id.name,
                )
                if model == "sale.order"
                else self.env._(
                    "Attach Document: “%(report)s” is not a document of service requests (project tasks).",
                    report=self.report_id.name,
                )
            )

    def _describe_email(self, order, user, when):
        return self.env._(
            "email “%(template)s” to %(email)s%(document)s",
            template=self.mail_template_id.name,
            email=order.partner_id.email or self.env._("no address (would fail)"),
            document=self.report_id and self.env._(" with %(doc)s", doc=self.report_id.name) or "",
        )

    def _execute_email(self, runs):
        """Queue the template's email for each record, with the PDF attached to the record and the email.

        The email is queued (sent by the mail queue after commit), so a retried transaction never sends twice. Its
        entry in the chatter is OdooBot's and names the robot (the customer receives the template's email as is).
        """
        results = {}
        record_field = self._run_record_field()
        attachments = self._render_report_attachments(self._get_records(runs)) if self.report_id else {}
        author = self._robot_author()
        for run in runs:
            order = run[record_field]
            if not order.partner_id.email:
                results[run] = (
                    "failed",
                    self.env._("%(customer)s has no email address.", customer=order.partner_id.display_name),
                    None,
                )
                continue
            attachment = attachments.get(order)
            email_values = {"author_id": author.id}
            if attachment:
                email_values["attachment_ids"] = [Command.link(attachment.id)]
            mail_id = self.mail_template_id.send_mail(order.id, force_send=False, email_values=email_values)
            self._add_portal_link(order, self.env["mail.mail"].browse(mail_id))
            message = self.env._(
                "Email “%(subject)s” queued for %(email)s.",
                subject=self.mail_template_id.name,
                email=order.partner_id.email,
            )
            results[run] = ("done", message, self.env["mail.mail"].browse(mail_id))
        self._sign_email_messages([record for _state, _message, record in results.values() if record])
        if self._sends_offer():
            sent = self._get_records(runs.filtered(lambda run: results[run][0] == "done"))
            # What Odoo's *Send* does to a quotation: a draft becomes *Quotation Sent* (and its triggers fire).
            sent.filtered(lambda order: order.state == "draft").action_quotation_sent()
        return results

    def _sends_offer(self):
        """Whether this email robot sends the deal's offer: Odoo's quotation email, or the *Offer* or Odoo's
        quotation PDF attached (by the robot or by its template). Such an email does to the order what Odoo's
        *Send* does."""
        if self._get_record_model() != "sale.order":
            return False
        offers = self.env["ir.actions.report"]
        for xmlid in ("erp_crm.action_report_deal_offer", "sale.action_report_saleorder"):
            offers |= self.env.ref(xmlid, raise_if_not_found=False) or offers
        template = self.env.ref("sale.email_template_edi_sale", raise_if_not_found=False)
        return bool(
            (template and self.mail_template_id == template)
            or offers & (self.report_id | self.mail_template_id.report_template_ids)
        )

    def _add_portal_link(self, record, mail):
        """End the customer's email with the way to the record on the portal: Odoo's access-token link
        (``get_portal_url``), in the customer's language. Only the email gets it, not the chatter's copy."""
        # sudo: the mail queue's row (mail.mail is the system's); the link is the record's own portal link.
        mail = mail.sudo()
        url = record.get_base_url() + record.get_portal_url()
        label = self.with_context(lang=record.partner_id.lang or self.env.lang).env._("Follow it online:")
        link = Markup('<p class="o_erp_crm_portal_link">%s <a href="%s">%s</a></p>') % (
            label,
            url,
            record.display_name,
        )
        mail.body_html = Markup(mail.body_html or "") + link

    def _sign_email_messages(self, mails):
        """Name the robot in the chatter entry of its emails: the signature before the message's body, in one
        statement for the batch. Only the chatter's copy (``mail.message.body``) changes; the email sent to the
        customer is the mail's own ``body_html``."""
        if not mails:
            return
        messages = self.env["mail.mail"].browse([mail.id for mail in mails]).mail_message_id
        messages.flush_recordset(["body"])
        self.env.execute_query(
            SQL(
                "UPDATE mail_message SET body = %s || COALESCE(body, '') WHERE id = ANY(%s)",
                str(self._robot_signature()),
                messages.ids,
            )
        )
        messages.invalidate_recordset(["body"])
        self.env["mail.mail"].browse([mail.id for mail in mails]).invalidate_recordset(["body"])

    def _render_report_attachments(self, orders):
        """One PDF per record, attached to the record."""
        Report = self.env["ir.actions.report"]
        return {
            order: self._attach_pdf(order, Report._render_qweb_pdf(self.report_id, order.ids)[0]) for order in orders
        }

    def _attach_pdf(self, order, content):
        """The PDF is named in the customer's language: the addon's documents as their download is named
        (``sale.order._erp_crm_report_filename``, what their ``print_report_name`` says), any other report
        “<report> - <record>”. A report's ``print_report_name`` is code: never evaluated here, where the robot may
        run as the system."""
        report = self.report_id
        document = {
            self.env.ref(xmlid, raise_if_not_found=False): kind for xmlid, kind in DOCUMENT_REPORTS.items()
        }.get(report)
        if document and order._name == "sale.order":
            name = order._erp_crm_report_filename(document)
        else:
            lang = order.partner_id.lang if "partner_id" in order else None
            name = f"{report.with_context(lang=lang or self.env.lang).name} - {order.display_name}"
        name = f"{name}.pdf"
        return self.env["ir.attachment"].create(
            {"name": name, "raw": content, "res_model": order._name, "res_id": order.id, "mimetype": "application/pdf"}
        )

    # ------------------------------------------------------------
    # NOTIFY
    # ------------------------------------------------------------

    def _check_notify(self):
        """A role or the followers; without either, the salesperson is notified."""

    def _describe_notify(self, order, user, when):
        who = [user.name] if (self.role_id or not self.notify_followers) and user else []
        if self.notify_followers:
            followers = self.env._("the funnel's followers")
            if self.task_stage_id:
                followers = self.env._("the project's followers")
            who.append(followers)
        return self.env._("message to %(who)s", who=", ".join(who) or self.env._("nobody (would fail)"))

    def _execute_notify(self, runs):
        results = {}
        records = self._get_records(runs)
        with_role = self.role_id or self.task_stage_id or not self.notify_followers
        assignees = self._get_assignees(records) if with_role else {}
        body = self._chatter_body()
        author = self._robot_author()
        for run in runs:
            order = run[self._run_record_field()]
            partners = self.env["res.partner"]
            if self.notify_followers:
                partners |= order._erp_crm_robot_followers()
            if assignees.get(order):
                partners |= assignees[order].partner_id
            if not partners:
                results[run] = ("failed", self.env._("Nobody to notify."), None)
                continue
            message = order.message_post(
                body=body,
                partner_ids=partners.ids,
                subtype_xmlid="mail.mt_note",
                subject=self.summary or self.name,
                author_id=author.id,
            )
            results[run] = (
                "done",
                self.env._("Notified %(names)s.", names=", ".join(partners.mapped("name"))),
                message,
            )
        return results

    # ------------------------------------------------------------
    # NOTE
    # ------------------------------------------------------------

    def _check_note(self):
        """Nothing to check: the note is the robot's text."""

    def _describe_note(self, order, user, when):
        return self.env._("note in the chatter: %(text)s", text=self.summary or self.name)

    def _execute_note(self, runs):
        """A note in the deals' chatter, notifying nobody: one batch insert for all deals."""
        body = self._chatter_body()
        records = self._get_records(runs)
        records._message_log_batch(bodies=dict.fromkeys(records.ids, body), author_id=self._robot_author().id)
        return {run: ("done", self.env._("Note logged."), None) for run in runs}
