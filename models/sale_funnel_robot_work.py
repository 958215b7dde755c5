from odoo import fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Command


class SaleFunnelRobot(models.Model):
    """Robot kinds that give people work: an activity, a project task (execution, description, validation)."""

    _inherit = "sale.funnel.robot"

    # ------------------------------------------------------------
    # ACTIVITY
    # ------------------------------------------------------------

    def _check_activity(self):
        self._check_deadline_field()

    def _describe_activity(self, order, user, when):
        return self.env._(
            "activity “%(summary)s” for %(user)s, due %(deadline)s",
            summary=self.summary or self.activity_type_id.summary or self.activity_type_id.name or self.name,
            user=user.name or self.env._("nobody (would fail)"),
            deadline=self._format_when(self._preview_deadline(order, when)),
        )

    def _execute_activity(self, runs):
        """Activities for the role's holders, due in working time, created by OdooBot (the robot, not the mover)."""
        records = self._get_records(runs)
        record_field = self._run_record_field()
        model = records._name
        assignees = self._get_assignees(records)
        deadlines = self._get_deadlines(runs)
        activity_type = self.activity_type_id or self.env.ref("mail.mail_activity_data_todo")
        summary = self.summary or activity_type.summary or self.name
        open_same = set()
        if self.reentry == "no_open":
            open_same = {
                (activity.res_id, activity.user_id.id)
                for activity in self.env["mail.activity"].search(
                    [
                        ("res_model", "=", model),
                        ("res_id", "in", records.ids),
                        ("activity_type_id", "=", activity_type.id),
                        ("summary", "=", summary),
                    ]
                )
            }
        results, vals_list, to_create = {}, [], []
        model_id = self.env["ir.model"]._get_id(model)
        for run in runs:
            order = run[record_field]
            user = assignees[order]
            if not user:
                results[run] = ("failed", self._nobody_message(), None)
                continue
            if (order.id, user.id) in open_same:
                results[run] = (
                    "skipped",
                    self.env._("The same activity is still open for %(user)s.", user=user.name),
                    None,
                )
                continue
            deadline = deadlines[run]
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": order.id,
                    "activity_type_id": activity_type.id,
                    "summary": summary,
                    "note": self.note,
                    "user_id": user.id,
                    "automated": True,
                    "date_deadline": self._to_user_date(deadline, user),
                    "deadline_at": deadline,
                    "robot_run_id": run.id,
                }
            )
            to_create.append(run)
        # Quick update: no notification per activity; assignees get one digest each from the cron. Created by
        # OdooBot: the chatter shows the robot assigned it, not the person who moved the record (the assignee and
        # the record are set explicitly; robots run with the system's rights anyway, see _run_stage_robots).
        Activity = self.env["mail.activity"].with_user(self._robot_user()).with_context(mail_activity_quick_update=True)
        activities = Activity.create(vals_list).with_env(self.env)
        results.update(
            self._done_results(
                to_create,
                activities,
                lambda activity: self.env._(
                    "Activity for %(user)s, due %(deadline)s.",
                    user=activity.user_id.name,
                    deadline=activity.deadline_display_full,
                ),
            )
        )
        activities._erp_crm_queue_digests()
        return results

    def _nobody_message(self):
        if self.task_stage_id:
            roles = dict(self._fields["task_role"]._description_selection(self.env))
            return self.env._(
                "Nobody holds the role %(role)s on this request.", role=roles.get(self.task_role or "assignee")
            )
        return self.env._(
            "Nobody holds the role %(role)s on this deal.", role=self.role_id.name or self.env._("Salesperson")
        )

    def _to_user_date(self, deadline, user):
        """Calendar day of a UTC deadline for its assignee (what mail.activity.date_deadline holds)."""
        tz_user = user.with_context(tz=user.tz or self.env.user.tz or "UTC")
        return fields.Datetime.context_timestamp(tz_user, deadline).date()

    # ------------------------------------------------------------
    # TASK
    # ------------------------------------------------------------

    def _check_task(self):
        if not self.project_id:
            raise ValidationError(self.env._("Project: robot “%(robot)s” needs one.", robot=self.name))
        if not self.project_id.allow_billable:
            # sale_project links a task to its sale order only in billable projects.
            raise ValidationError(
                self.env._(
                    "Project: “%(project)s” must be billable for its tasks to stay linked to their deals "
                    "(project settings, Billable).",
                    project=self.project_id.name,
                )
            )
        self._check_deadline_field()

    def _describe_task(self, order, user, when):
        return self.env._(
            "task “%(title)s” in %(project)s for %(user)s, planned %(deadline)s",
            title=self._render_titles(order)[order.id],
            project=self.project_id.name,
            user=user.name or self.env._("nobody"),
            deadline=self._format_when(self._preview_deadline(order, when)),
        )

    def _render_titles(self, orders):
        """Task titles rendered with the rights of the robot's last writer, never as superuser.

        Plain ``{{ object.field }}`` placeholders use mail's static renderer; other expressions (allowed to Mail
        Template Editors when they save the robot) are refused at run time too if the writer lost that right.
        """
        title = self.summary or self.name
        Render = self._writer_env()["mail.render.mixin"]
        return Render._render_template(title, "sale.order", orders.ids, engine="inline_template")

    def _execute_task(self, runs):
        assignees = self._get_assignees(runs.order_id)
        deadlines = self._get_deadlines(runs)
        names = self._render_titles(runs.order_id)
        open_same = set()
        if self.reentry == "no_open":
            open_same = {
                (task.sale_order_id.id, task.name)
                for task in self.env["project.task"].search(
                    [
                        ("project_id", "=", self.project_id.id),
                        ("sale_order_id", "in", runs.order_id.ids),
                        ("is_closed", "=", False),
                    ]
                )
            }
        results, vals_list, to_create = {}, [], []
        for run in runs:
            order = run.order_id
            name = names[order.id]
            if (order.id, name) in open_same:
                results[run] = ("skipped", self.env._("The same task is still open."), None)
                continue
            user = assignees[order]
            vals_list.append(
                {
                    "name": name,
                    "project_id": self.project_id.id,
                    "partner_id": order.partner_id.id,
                    "sale_order_id": order.id,
                    "user_ids": [Command.set(user.ids)],
                    "date_deadline": deadlines[run],
                    "description": self.note,
                }
            )
            to_create.append(run)
        # The new task is the stage's own work: creating it does not fire the deal's task triggers (its later
        # stage changes and closing do), so a deal is never moved again while it enters the stage.
        tasks = self.env["project.task"].with_context(erp_crm_skip_triggers=True).create(vals_list)
        project = self.project_id.name
        describe = lambda task: self.env._("Task “%(name)s” in %(project)s.", name=task.name, project=project)  # noqa: E731
        results.update(self._done_results(to_create, tasks, describe))
        return results
