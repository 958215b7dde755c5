import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import format_datetime

from ..tools import claim_batch, escalate_once, format_minutes, send_digest

_logger = logging.getLogger(__name__)


class MailActivity(models.Model):
    """Deadlines to the minute for activities made by stage robots, with overdue notice and escalation."""

    _inherit = "mail.activity"

    deadline_at = fields.Datetime(string="Due At", index="btree_not_null", help="Deadline to the minute.")
    robot_run_id = fields.Many2one(
        "sale.funnel.robot.run", string="Robot Run", index="btree_not_null", ondelete="set null"
    )
    assignee_notified_at = fields.Datetime(readonly=True, copy=False)
    overdue_notified_at = fields.Datetime(readonly=True, copy=False)
    escalated_at = fields.Datetime(readonly=True, copy=False)
    deadline_display = fields.Char(string="Due", compute="_compute_deadline_display")
    deadline_display_full = fields.Char(string="Due On", compute="_compute_deadline_display")

    @api.depends("deadline_at", "user_id")
    def _compute_deadline_display(self):
        now = fields.Datetime.now()
        for activity in self:
            if not activity.deadline_at:
                activity.deadline_display = activity.deadline_display_full = False
                continue
            tz = activity.user_id.tz or self.env.user.tz or "UTC"
            activity.deadline_display_full = format_datetime(self.env, activity.deadline_at, tz=tz, dt_format="short")
            minutes = int((activity.deadline_at - now).total_seconds() // 60)
            span = format_minutes(self.env, abs(minutes))
            if minutes >= 0:
                activity.deadline_display = self.env._("due in %(span)s", span=span)
            else:
                activity.deadline_display = self.env._("overdue by %(span)s", span=span)

    # ------------------------------------------------------------
    # NOTIFICATIONS: one digest per person, not one message per activity
    # ------------------------------------------------------------

    def _erp_crm_queue_digests(self):
        """New robot activities reach their assignees in one digest each, sent by the activity cron.

        Triggered now, the cron runs right after this transaction commits: a retried transaction
        never notifies twice, and the stage move does not pay for the notifications.
        """
        if self:
            cron_id = self.env["ir.model.data"]._xmlid_to_res_id("erp_crm.ir_cron_overdue_activities")
            self.env["ir.cron"].browse(cron_id)._trigger()

    def _erp_crm_digest_line(self, partner):
        """What a digest says of this activity: its record, its summary and when it is due."""
        self.ensure_one()
        text = f"{self.summary or self.activity_type_id.name}, {self.deadline_display_full or self.date_deadline}"
        return self.res_model, self.res_id, self.res_name, text

    @api.model
    def _cron_erp_crm_overdue(self, batch_size=500):
        """Digests of new robot activities; overdue notices; escalation to the funnel manager after the grace.

        Each step happens once per activity (its timestamp is written); progress is committed per batch. Batches are
        claimed with ``FOR NO KEY UPDATE SKIP LOCKED``: an activity a user is changing waits for the next run.
        """
        now = fields.Datetime.now()
        new = [("robot_run_id", "!=", False), ("assignee_notified_at", "=", False)]
        overdue = [("deadline_at", "<=", now), ("res_model", "=", "sale.order"), ("overdue_notified_at", "=", False)]
        managers = {}  # deal id: its funnel manager's partner, read once per batch

        def claim_to_escalate(limit):
            activities = self._erp_crm_search_to_escalate(now, limit)
            deals = self.env["sale.order"].browse(activities.mapped("res_id"))
            managers.update((deal.id, deal.funnel_id.user_id.partner_id) for deal in deals)
            return activities

        steps = [
            (
                lambda limit: claim_batch(self, new, limit, order="id"),
                lambda activity: activity.user_id.partner_id,
                lambda count: self.env._("%(count)s new activities from robots", count=count),
                "assignee_notified_at",
            ),
            (
                lambda limit: claim_batch(self, overdue, limit, order="id"),
                lambda activity: activity.user_id.partner_id,
                lambda count: self.env._("%(count)s overdue activities on deals", count=count),
                "overdue_notified_at",
            ),
            (
                claim_to_escalate,
                lambda activity: managers[activity.res_id],
                lambda count: self.env._("Escalation: %(count)s activities are still overdue", count=count),
                "escalated_at",
            ),
        ]
        for claim, recipients_of, subject, stamp_field in steps:
            on_time = escalate_once(
                self.env,
                claim=claim,
                recipients_of=recipients_of,
                notify=lambda activities, partner, subject=subject: send_digest(
                    activities, partner, subject(len(activities))
                ),
                stamp=lambda activities, stamp_field=stamp_field: activities.write({stamp_field: now}),
                batch_size=batch_size,
            )
            if not on_time:
                return  # out of time: the next run goes on where this one stopped

    def _erp_crm_search_to_escalate(self, now, limit):
        """Overdue activities whose funnel's grace has also passed, oldest first."""
        domain = Domain.FALSE
        for funnel in self.env["sale.funnel"].with_context(active_test=False).search([]):
            try:
                limit_at = now - timedelta(minutes=funnel.escalation_minutes)
            except (OverflowError, ValueError):
                # a legacy grace longer than any calendar: nothing of this funnel is overdue by that long
                _logger.warning("Funnel %s: its escalation grace is out of range, nothing escalated", funnel.id)
                continue
            deals = self.env["sale.order"]._search([("funnel_id", "=", funnel.id)])
            domain |= Domain("res_id", "in", deals) & Domain("deadline_at", "<=", limit_at)
        base = Domain(
            [("res_model", "=", "sale.order"), ("overdue_notified_at", "!=", False), ("escalated_at", "=", False)]
        )
        return claim_batch(self, base & domain, limit, order="deadline_at, id")
