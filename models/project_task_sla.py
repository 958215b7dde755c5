from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, format_datetime

from odoo.addons.project.models.project_task import CLOSED_STATES

from ..tools import claim_batch, configured_dates, escalate_once, format_minutes, send_digest

SLA_STATUSES = [("ongoing", "On Track"), ("at_risk", "At Risk"), ("failed", "Failed"), ("reached", "Reached")]
OPEN_STATUSES = ("ongoing", "at_risk")


def add_working_minutes(calendar, start, minutes):
    """``start`` + ``minutes`` of ``calendar``'s working time (the robots' code); plain clock time without one."""
    if calendar:
        return calendar._erp_crm_add_working_time(start, minutes, "minutes")
    return start + timedelta(minutes=minutes)


def working_minutes(calendar, start, end):
    """Working minutes of ``calendar`` between two instants; clock minutes without one."""
    if calendar:
        return calendar._erp_crm_working_minutes(start, end)
    return max(int((end - start).total_seconds() // 60), 0)


class ProjectTaskSla(models.Model):
    """One SLA of one service request: its deadline in working time, its status and when it was reached.

    Lines are bookkeeping of the request: the system writes them when the request is created, changes type,
    priority or stage (pausing in stages that wait for the customer) and from the SLA cron (at risk, failed).
    """

    _name = "project.task.sla"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Service Request SLA"
    _order = "deadline, id"

    task_id = fields.Many2one("project.task", "Request", required=True, index=True, ondelete="cascade")
    policy_id = fields.Many2one("project.sla.policy", "SLA Policy", required=True, index=True, ondelete="cascade")
    kind = fields.Selection(related="policy_id.kind", store=True)
    stage_id = fields.Many2one(related="policy_id.stage_id", string="Target Stage")
    project_id = fields.Many2one(related="task_id.project_id", store=True, index=True)
    company_id = fields.Many2one(related="task_id.company_id", store=True)
    partner_id = fields.Many2one(related="task_id.partner_id", string="Customer", store=True)
    service_priority = fields.Selection(related="task_id.service_priority", store=True)
    service_type_id = fields.Many2one(related="task_id.service_type_id", store=True)
    user_id = fields.Many2one("res.users", "Assignee", compute="_compute_user_id", store=True)
    start_at = fields.Datetime("Started", required=True)
    deadline = fields.Datetime(required=True, index=True)
    at_risk_at = fields.Datetime("At Risk From", required=True)
    status = fields.Selection(SLA_STATUSES, required=True, default="ongoing", index=True)
    reached_at = fields.Datetime("Reached")
    paused_since = fields.Datetime(help="Set while the request waits for the customer: the clock stands still.")
    paused_minutes = fields.Integer("Paused (Working Minutes)")
    working_hours_to_reach = fields.Float(
        "Working Hours to Reach", aggregator="avg", help="Working time from the request to its target (no pauses)."
    )
    success_rate = fields.Float(
        "Success Rate (%)", aggregator="avg", digits=(16, 1), readonly=True, help="100 when met in time, else 0."
    )
    at_risk_notified_at = fields.Datetime("Assignee Reminded", readonly=True)
    failed_notified_at = fields.Datetime("Manager Told", readonly=True)
    time_left_display = fields.Char("Time Left", compute="_compute_time_left_display")

    @api.depends("task_id.user_ids")
    def _compute_user_id(self):
        for line in self:
            line.user_id = line.task_id.user_ids[:1]

    @api.depends_context("uid")
    def _compute_time_left_display(self):
        now = fields.Datetime.now()
        for line in self:
            line.time_left_display = line._time_left(now)

    def _time_left(self, now):
        """“3 h 10 min left”, “late by 20 min”, “paused”, “reached”: clock time to the deadline, as on the kanban."""
        self.ensure_one()
        if self.status == "reached":
            return self.env._("reached")
        if self.paused_since:
            return self.env._("paused")
        minutes = int((self.deadline - now).total_seconds() // 60)
        if self.status == "failed" or minutes < 0:
            return self.env._("late by %(span)s", span=format_minutes(self.env, -minutes))
        return self.env._("%(span)s left", span=format_minutes(self.env, minutes))

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _prepare_line(self, task, policy, start, calendar):
        """Values of ``task``'s line of ``policy``; ``ConfigurationOutOfRange`` when the policy's time (a legacy
        setting) puts the deadline past any calendar."""

        def setting():
            return self.env._("Within (Working Hours) of SLA policy “%(name)s”", name=policy.name)

        with configured_dates(self.env, setting):
            minutes = round(policy.working_hours * 60)
            return {
                "task_id": task.id,
                "policy_id": policy.id,
                "start_at": start,
                "deadline": add_working_minutes(calendar, start, minutes),
                "at_risk_at": add_working_minutes(calendar, start, round(minutes * policy._at_risk_share())),
            }

    def _pause(self, now):
        """The request waits for the customer: the clocks of its open SLAs stop."""
        self.filtered(lambda line: line.status in OPEN_STATUSES and not line.paused_since).write({"paused_since": now})

    def _resume(self, now):
        """The customer answered: deadlines move by the working time spent waiting."""
        for line in self.filtered("paused_since"):
            calendar = line.project_id._erp_crm_service_calendar()
            paused = working_minutes(calendar, line.paused_since, now)
            line.write(
                {
                    "deadline": add_working_minutes(calendar, line.deadline, paused),
                    "at_risk_at": add_working_minutes(calendar, line.at_risk_at, paused),
                    "paused_minutes": line.paused_minutes + paused,
                    "paused_since": False,
                }
            )

    def _reach(self, now):
        """The request reached the target: reached in time, or failed (late) with when it was reached."""
        for line in self.filtered(lambda line: not line.reached_at and line.status != "reached"):
            calendar = line.project_id._erp_crm_service_calendar()
            spent = working_minutes(calendar, line.start_at, now) - line.paused_minutes
            in_time = line.status != "failed" and now <= line.deadline
            line.write(
                {
                    "reached_at": now,
                    "status": "reached" if in_time else "failed",
                    "success_rate": 100.0 if in_time else 0.0,
                    "working_hours_to_reach": max(spent, 0) / 60.0,
                    "paused_since": False,
                }
            )

    # ------------------------------------------------------------
    # CRON: at risk (the assignee is reminded once), failed (the project manager is told once)
    # ------------------------------------------------------------

    @api.model
    def _cron_erp_crm_sla(self, batch_size=500):
        for step in self._erp_crm_escalation_steps(fields.Datetime.now()):
            on_time = escalate_once(
                self.env,
                claim=lambda limit, step=step: claim_batch(self, step["domain"], limit, order=step["order"]),
                recipients_of=step["recipients_of"],
                notify=lambda lines, partner, step=step: send_digest(lines, partner, step["subject"](len(lines))),
                stamp=step["stamp"],
                batch_size=batch_size,
            )
            if not on_time:
                return  # out of time: the next run goes on where this one stopped

    @api.model
    def _erp_crm_escalation_steps(self, now):
        """What the SLA cron tells, in order: lines at risk to the request's assignees, lines past their deadline to
        the desk's manager; each once (its status and timestamp are written). A hook: a module may add steps."""
        running = [
            ("paused_since", "=", False),
            ("reached_at", "=", False),
            # requests still open in a service desk (a cancelled request or an ex-desk is nobody's SLA any more)
            ("task_id", "any", [("is_service_request", "=", True), ("state", "not in", list(CLOSED_STATES))]),
        ]
        return [
            {
                "domain": [("status", "=", "ongoing"), ("at_risk_at", "<=", now), *running],
                "order": "at_risk_at, id",
                "recipients_of": lambda line: line.task_id.user_ids.partner_id,
                "subject": lambda count: self.env._(
                    "%(count)s service requests at risk of missing their SLA", count=count
                ),
                "stamp": lambda lines: lines._erp_crm_set_status("at_risk", "at_risk_notified_at", now),
            },
            {
                "domain": [("status", "in", OPEN_STATUSES), ("deadline", "<=", now), *running],
                "order": "deadline, id",
                "recipients_of": lambda line: line.project_id.user_id.partner_id,
                "subject": lambda count: self.env._("%(count)s service requests missed their SLA", count=count),
                "stamp": lambda lines: lines._erp_crm_set_status("failed", "failed_notified_at", now),
            },
        ]

    def _erp_crm_set_status(self, status, stamp_field, now):
        """Set-based status change of a cron batch: one UPDATE whatever its size (the ORM writes 100 rows per
        query), so the cron's cost does not grow with the batch. Nothing stored depends on these fields."""
        self.flush_recordset()
        self.env.execute_query(
            SQL(
                "UPDATE project_task_sla SET status = %s, %s = %s, write_date = %s, write_uid = %s WHERE id = ANY(%s)",
                status,
                SQL.identifier(stamp_field),
                now,
                now,
                self.env.uid,
                self.ids,
            )
        )
        self.invalidate_recordset(["status", stamp_field, "write_date", "write_uid"])

    def _erp_crm_digest_line(self, partner):
        """What a digest says of this line: its request, the policy and when it is due, in the reader's time zone."""
        self.ensure_one()
        deadline = format_datetime(self.env, self.deadline, tz=partner.tz or "UTC", dt_format="short")
        text = self.env._(
            "%(policy)s, due %(deadline)s (%(left)s)",
            policy=self.policy_id.name,
            deadline=deadline,
            left=self._time_left(fields.Datetime.now()),
        )
        return "project.task", self.task_id.id, self.task_id.display_name, text
