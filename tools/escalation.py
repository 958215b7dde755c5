"""The one escalation loop and the one digest sender of the crons that tell people, once, about what waits for them:
new robot activities, overdue ones and their escalation to the funnel manager, deals past their stage's time limit,
service requests at risk of missing their SLA or past it."""

from collections import defaultdict

from markupsafe import Markup

from .digest import deal_digest_body


def escalate_once(env, claim, recipients_of, notify, stamp, batch_size):
    """Tell each recipient once of what ``claim`` takes off a work queue, in one digest per recipient and batch.

    ``claim(limit)`` takes a batch (``claim_batch``: rows another transaction holds are skipped); ``stamp(batch)``
    marks it done first (its timestamp or status, so that nothing is told twice, and the digest reads the new
    status); ``recipients_of(record)`` names who hears of a record (a recordset, empty: nobody); ``notify(records,
    recipient)`` sends the digest. Progress is committed per batch (``_commit_progress``). Returns False when the
    cron ran out of time: its next run goes on from there."""
    while batch := claim(batch_size):
        stamp(batch)
        by_recipient = defaultdict(list)
        for record in batch:
            for recipient in recipients_of(record):
                by_recipient[recipient].append(record.id)
        for recipient, ids in by_recipient.items():
            notify(batch.browse(ids), recipient)
        if not env["ir.cron"]._commit_progress(len(batch)):
            return False
    return True


def send_digest(records, partner, subject):
    """One notice to ``partner`` listing ``records``, one list per model of what they point to: each record says what
    it is about with ``_erp_crm_digest_line(partner)``, a ``(model, record id, name, text)`` tuple."""
    lines = defaultdict(list)
    for record in records:
        model, res_id, name, text = record._erp_crm_digest_line(partner)
        lines[model].append((res_id, name, text))
    body = Markup("").join(deal_digest_body(model_lines, model=model) for model, model_lines in lines.items())
    # sudo: sent by the system (a cron) to an internal user, about records of their own or, for a manager, of what
    # they manage; the text names only what the recipient is told of.
    records.env["mail.thread"].sudo().message_notify(
        partner_ids=partner.ids, subject=subject, body=body, subtype_xmlid="mail.mt_note"
    )
