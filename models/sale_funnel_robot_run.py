import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.fields import Domain

from ..tools import CONCURRENCY_ERRORS, claim_batch

_logger = logging.getLogger(__name__)

RUN_STATES = [
    ("planned", "Planned"),
    ("done", "Done"),
    ("skipped", "Skipped"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]


class SaleFunnelRobotRun(models.Model):
    """What a robot did (or did not do, and why) for one stage entry of a deal or of a service request."""

    _name = "sale.funnel.robot.run"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Robot Run"
    _order = "planned_at desc, id desc"
    _rec_name = "robot_id"

    order_id = fields.Many2one("sale.order", string="Deal", index="btree_not_null", ondelete="cascade")
    task_id = fields.Many2one("project.task", string="Service Request", index="btree_not_null", ondelete="cascade")
    robot_id = fields.Many2one("sale.funnel.robot", string="Robot", required=True, index=True, ondelete="cascade")
    history_id = fields.Many2one(
        "sale.funnel.stage.history", string="Stage Entry", index="btree_not_null", ondelete="cascade"
    )
    # A service request's stage entry: its entry number (project.task.erp_crm_stage_entry) and when it entered.
    task_entry = fields.Integer(string="Request Stage Entry", readonly=True)
    entered_at = fields.Datetime(string="Entered At", readonly=True)
    # Plain copies set at creation (not related fields): one insert per batch, no recompute after it.
    stage_id = fields.Many2one("sale.funnel.stage", string="Stage", ondelete="set null")
    task_stage_id = fields.Many2one("project.task.type", string="Service Stage", ondelete="set null")
    kind = fields.Selection(related="robot_id.kind")
    company_id = fields.Many2one("res.company", string="Company", index=True, ondelete="cascade")
    planned_at = fields.Datetime(required=True, index=True)
    done_at = fields.Datetime()
    state = fields.Selection(RUN_STATES, required=True, default="planned", index=True)
    message = fields.Text(string="Result")
    result_ref = fields.Char(string="Created Record", help="model,id of what the robot created.")

    # A robot runs at most once per stage entry, even when the transaction is retried.
    _once_per_entry = models.UniqueIndex("(robot_id, history_id)", "A robot runs once per stage entry.")
    _once_per_request_entry = models.UniqueIndex(
        "(robot_id, task_id, task_entry) WHERE task_id IS NOT NULL", "A robot runs once per stage entry."
    )
    _deal_or_request = models.Constraint(
        "CHECK((order_id IS NOT NULL AND history_id IS NOT NULL) OR (task_id IS NOT NULL AND task_entry IS NOT NULL))",
        "A robot run is for a deal's stage entry or for a service request's.",
    )

    def _get_record(self):
        """The deal or the service request of the run."""
        self.ensure_one()
        return self[self.robot_id._run_record_field()]

    def _get_entry_date(self):
        """When the record entered the stage of the run."""
        self.ensure_one()
        return self.entered_at if self.robot_id.task_stage_id else self.history_id.date_in

    def _has_left_stage(self):
        """The record left the run's stage entry (a delayed run is then cancelled; a background one still runs:
        it is the entry's work, only done after the move)."""
        self.ensure_one()
        if self.robot_id.task_stage_id:
            return self.task_id.erp_crm_stage_entry != self.task_entry
        return bool(self.history_id.date_out)

    # ------------------------------------------------------------
    # EXECUTION
    # ------------------------------------------------------------

    def _execute_with_move(self):
        """Run, inside the stage move, the planned runs due now, except those of robots that run in the background
        (``_plan_runs`` woke the cron for them)."""
        now = fields.Datetime.now()
        self.filtered(
            lambda run: run.state == "planned" and run.planned_at <= now and not run.robot_id._runs_in_background()
        )._execute()

    def _announce_documents(self):
        """Say in the chatter, at the move, that the documents these runs send are on their way (“Sending Payment
        request…”): the robots' scheduled action sends them right after, and their email follows in the chatter.
        One note per record and robot, logged in one batch per robot, notifying nobody."""
        author = self.env["sale.funnel.robot"]._robot_author()
        for robot, runs in self.grouped("robot_id").items():
            if not (robot._runs_in_background() and robot._sends_document()):
                continue
            body = robot._robot_signature() + Markup("<p>%s</p>") % self.env._(
                "Sending %(document)s…", document=robot._document_label()
            )
            records = robot._get_records(runs)
            records._message_log_batch(bodies=dict.fromkeys(records.ids, body), author_id=author.id)

    def _execute(self):
        """Run planned runs robot by robot; a failing robot is logged and never undoes the stage move.

        All robots first run together in one savepoint; only when one fails are they replayed one by one
        (and a failing batch deal by deal) in their own savepoints, so that the others still get done.
        """
        now = fields.Datetime.now()
        left = self.filtered(lambda run: run.robot_id.delay_amount and run._has_left_stage())
        for requests, left_runs in left.grouped(lambda run: bool(run.task_id)).items():
            message = (
                self.env._("The request left the stage first.")
                if requests
                else self.env._("The deal left the stage first.")
            )
            left_runs.write({"state": "cancelled", "done_at": now, "message": message})
        batches = (self - left).sorted(lambda r: (r.robot_id.sequence, r.robot_id.id)).grouped("robot_id")
        if not batches:
            return
        # The move's own pending writes reach the database first, outside the robots' error handling: a conflict
        # with another transaction there is the request's to retry, not a robot's failure.
        self.env.cr.flush()
        try:
            with self.env.cr.savepoint():
                results = {}
                for robot, runs in batches.items():
                    results.update(robot._execute(runs))
        except CONCURRENCY_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - replayed below, robot by robot, to isolate the failure
            results = {}
            for robot, runs in batches.items():
                results.update(runs._execute_isolated(robot))
        self._write_results(results, now)

    def _execute_isolated(self, robot):
        """Run one robot's batch in its own savepoint; on failure, each deal alone; failures are returned."""
        try:
            with self.env.cr.savepoint():
                return robot._execute(self)
        except CONCURRENCY_ERRORS:
            raise
        except Exception as error:  # noqa: BLE001 - logged for the user on the deal
            if len(self) > 1:
                results = {}
                for run in self:
                    results.update(run._execute_isolated(robot))
                return results
            _logger.info("Robot %s failed on %s: %s", robot.id, self._get_record(), error)
            message = self.env._("Failed: %(error)s", error=str(error) or error.__class__.__name__)
            return {self: ("failed", message, None)}

    def _write_results(self, results, now):
        by_values = defaultdict(lambda: self.browse())
        for run, (state, message, record) in results.items():
            ref = f"{record._name},{record.id}" if record else False
            by_values[(state, message, ref)] |= run
        for (state, message, ref), runs in by_values.items():
            runs.write({"state": state, "message": message, "done_at": now, "result_ref": ref})
        failed = self.filtered(lambda run: run.state == "failed")
        if failed:
            failed._alert_funnel_manager()

    def _alert_funnel_manager(self):
        """The funnel manager (a service request's project manager) gets an activity on each deal whose robot failed
        (or found nobody)."""
        Activity = self.env["mail.activity"].with_context(mail_activity_quick_update=True)
        todo = self.env.ref("mail.mail_activity_data_todo")
        vals_list = []
        for run in self:
            record = run._get_record()
            manager = record._erp_crm_robot_manager()
            if not manager:
                continue
            vals_list.append(
                {
                    "res_model_id": self.env["ir.model"]._get_id(record._name),
                    "res_id": record.id,
                    "activity_type_id": todo.id,
                    "user_id": manager.id,
                    "summary": self.env._("Robot “%(robot)s” failed", robot=run.robot_id.name),
                    "note": Markup("<p>%s</p>") % run.message,
                    "automated": True,
                }
            )
        # sudo: the manager's alert is created whatever the rights of the user who moved the deal; by OdooBot (the
        # superuser), as the robots' own activities: the chatter shows the robot engine assigned it, not the mover.
        Activity.with_user(SUPERUSER_ID).create(vals_list)

    # ------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------

    @api.model
    def _cron_run_due_robots(self, batch_size=200):
        """Run delayed and background robots whose time has come, in batches with committed progress, within the
        cron's time. Runs left because a user held their record are reported as remaining: the cron comes back for
        them at once (``ir.cron`` reschedules a partly done job as soon as possible)."""
        due = Domain([("state", "=", "planned"), ("planned_at", "<=", fields.Datetime.now())])
        # Runs another transaction holds, or whose deal (stage entry) or request is being moved right now, wait for
        # the next run. One queue per kind of record: a row lock cannot reach the empty side of an outer join.
        # The deal itself is held too: a run whose deal a user is moving right now waits for the next batch, and a
        # move waits for the batch whose robots write on its deal (instead of the two waiting for each other).
        queues = [
            (due & Domain("history_id", "!=", False), ("history_id", "order_id")),
            (due & Domain("task_id", "!=", False), ("task_id",)),
        ]
        for domain, held in queues:
            while runs := claim_batch(self, domain, batch_size, order="planned_at, id", share=held):
                # as in the move: ERP events the robots fire are applied once all robots of the batch ran
                with self.env["sale.order"]._erp_crm_events_deferred(runs) as deferred_runs:
                    deferred_runs._execute()
                remaining = self.search_count(due)
                if not self.env["ir.cron"]._commit_progress(len(runs), remaining=remaining):
                    return
                if not self.search_count(domain, limit=1):
                    break
        if remaining := self.search_count(due):
            self.env["ir.cron"]._commit_progress(remaining=remaining)

    def _trigger_cron_at(self, moments):
        """Wake the delayed-robot cron at each moment (one trigger per distinct time, created in one batch)."""
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id("erp_crm.ir_cron_run_due_robots")
        # sudo: scheduling the system's own cron at a robot's planned time; users may not write ir.cron.
        self.env["ir.cron"].sudo().browse(cron_id)._trigger(at=moments)
