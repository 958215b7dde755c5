import logging

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Command, Domain
from odoo.tools.safe_eval import safe_eval

from .res_company import TIME_UNITS

_logger = logging.getLogger(__name__)

ROBOT_KINDS = [
    ("activity", "Schedule an activity"),
    ("task", "Create a project task"),
    ("email", "Send an email"),
    ("notify", "Notify"),
    ("note", "Log a note"),
    ("down_payment", "Create a down-payment invoice"),
    ("write", "Update a deal field"),
    ("server_action", "Run a server action"),
]
REENTRY_POLICIES = [
    ("no_open", "Again, unless the same work is still open"),
    ("always", "Again, every time"),
    ("first", "Only the first time"),
]
DEADLINE_MODES = [("offset", "After entering the stage"), ("field", "Date of the deal")]


class SaleFunnelRobot(models.Model):
    """Work done when a deal enters a stage: an activity, a task, an email, a message, a field update..."""

    _name = "sale.funnel.robot"
    _description = "Stage Robot"
    _order = "stage_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    stage_id = fields.Many2one(
        "sale.funnel.stage",
        string="Stage",
        required=True,
        index=True,
        ondelete="cascade",
        group_expand="_read_group_stage_ids",
    )
    funnel_id = fields.Many2one(related="stage_id.funnel_id", store=True, index=True)
    company_id = fields.Many2one(related="stage_id.company_id", store=True)
    kind = fields.Selection(ROBOT_KINDS, required=True, default="activity")
    filter_domain = fields.Char(
        string="Condition", help="Only deals matching this domain get the robot's work. Empty: every deal."
    )
    delay_amount = fields.Integer(string="Delay", help="Wait this long after the deal entered the stage.")
    delay_unit = fields.Selection(TIME_UNITS, default="minutes", required=True)
    reentry = fields.Selection(
        REENTRY_POLICIES,
        string="On Re-entry",
        default="no_open",
        required=True,
        help="What happens when a deal enters the stage again. 'Unless the same work is still open' skips an "
        "activity or task identical to one still open on the deal.",
    )
    role_id = fields.Many2one(
        "sale.funnel.role", string="Role", ondelete="restrict", help="Who gets the work; empty: the salesperson."
    )
    # activity and task
    activity_type_id = fields.Many2one("mail.activity.type", string="Activity Type", ondelete="restrict")
    summary = fields.Char(translate=True, help="Activity summary, task title or message subject.")
    note = fields.Html(translate=True, help="Activity note, task description or message body.")
    deadline_mode = fields.Selection(DEADLINE_MODES, default="offset", required=True)
    deadline_amount = fields.Integer(string="Deadline", help="Counted in working time from the stage entry.")
    deadline_unit = fields.Selection(TIME_UNITS, default="hours", required=True)
    deadline_field_id = fields.Many2one(
        "ir.model.fields",
        string="Deadline Field",
        domain="[('model', '=', 'sale.order'), ('ttype', 'in', ('date', 'datetime'))]",
        ondelete="cascade",
        help="Date or date and time of the deal used as deadline (e.g. the measurement appointment).",
    )
    project_id = fields.Many2one("project.project", string="Project", check_company=True, ondelete="restrict")
    # email
    mail_template_id = fields.Many2one(
        "mail.template", string="Email Template", domain="[('model', '=', 'sale.order')]", ondelete="restrict"
    )
    report_id = fields.Many2one(
        "ir.actions.report",
        string="Attach Document",
        domain="[('model', '=', 'sale.order'), ('report_type', '=', 'qweb-pdf')]",
        ondelete="set null",
        help="PDF made for the deal, attached to the deal and to the email.",
    )
    # down payment
    down_payment_percent = fields.Float(string="Down Payment (%)", default=50.0)
    send_invoice = fields.Boolean(
        string="Email the Invoice",
        default=True,
        help="Queue the posted invoice's email, with its PDF, to the customer.",
    )
    # notify
    notify_followers = fields.Boolean(string="Notify the Funnel's Followers")
    # write / server action
    write_field_id = fields.Many2one(
        "ir.model.fields",
        string="Field to Update",
        domain="[('model', '=', 'sale.order'), ('store', '=', True), ('readonly', '=', False), "
        "('ttype', 'in', ('char', 'text', 'integer', 'float', 'monetary', 'boolean', 'selection', 'many2one', "
        "'date', 'datetime'))]",
        ondelete="cascade",
    )
    write_field_name = fields.Char(related="write_field_id.name", store=True)
    write_value = fields.Char(string="New Value", help="For a relation, the record's id.")
    server_action_id = fields.Many2one(
        "ir.actions.server", string="Server Action", domain="[('model_id.model', '=', 'sale.order')]"
    )

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """Robot board: every stage of the funnel is a column, even without robots."""
        funnel_id = self.env.context.get("erp_crm_board_funnel_id") or self.env.context.get("default_funnel_id")
        if not funnel_id:
            return stages
        return stages.search(Domain("id", "in", stages.ids) | Domain("funnel_id", "=", funnel_id), order=stages._order)

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("delay_amount", "deadline_amount")
    def _check_amounts(self):
        for robot in self:
            if robot.delay_amount < 0:
                raise ValidationError(
                    self.env._("Delay: robot “%(robot)s” cannot wait a negative time.", robot=robot.name)
                )
            if robot.deadline_amount < 0:
                raise ValidationError(
                    self.env._("Deadline: robot “%(robot)s” cannot have a negative deadline.", robot=robot.name)
                )

    @api.constrains("kind", "project_id", "mail_template_id", "write_field_id", "server_action_id", "deadline_mode")
    def _check_kind_settings(self):
        required = {
            "task": ("project_id", "Project"),
            "email": ("mail_template_id", "Email Template"),
            "write": ("write_field_id", "Field to Update"),
            "server_action": ("server_action_id", "Server Action"),
        }
        for robot in self:
            fname, label = required.get(robot.kind, (None, None))
            if fname and not robot[fname]:
                raise ValidationError(
                    self.env._("%(field)s: robot “%(robot)s” needs one.", field=label, robot=robot.name)
                )
            if robot.kind == "task" and not robot.project_id.allow_billable:
                # sale_project links a task to its sale order only in billable projects.
                raise ValidationError(
                    self.env._(
                        "Project: “%(project)s” must be billable for its tasks to stay linked to their deals "
                        "(project settings, Billable).",
                        project=robot.project_id.name,
                    )
                )
            if robot.deadline_mode == "field" and robot.kind in ("activity", "task") and not robot.deadline_field_id:
                raise ValidationError(
                    self.env._(
                        "Deadline Field: robot “%(robot)s” takes its deadline from a date of the deal; choose it.",
                        robot=robot.name,
                    )
                )

    @api.constrains("filter_domain")
    def _check_filter_domain(self):
        for robot in self.filtered("filter_domain"):
            try:
                domain = Domain(safe_eval(robot.filter_domain, robot._get_eval_context()))
                domain.validate(self.env["sale.order"])
            except Exception as error:  # noqa: BLE001 - any parse or field error is the user's input
                raise ValidationError(
                    self.env._(
                        "Condition: the condition of robot “%(robot)s” cannot be read (%(error)s).",
                        robot=robot.name,
                        error=error,
                    )
                ) from error

    @api.constrains("down_payment_percent", "kind")
    def _check_down_payment_percent(self):
        for robot in self.filtered(lambda r: r.kind == "down_payment"):
            if not 0 < robot.down_payment_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "Down Payment (%%): robot “%(robot)s” needs a share between 0 and 100%%.", robot=robot.name
                    )
                )

    @api.constrains("role_id", "stage_id")
    def _check_role_funnel(self):
        for robot in self:
            if robot.role_id and robot.role_id.funnel_id != robot.stage_id.funnel_id:
                raise ValidationError(
                    self.env._(
                        "Role: “%(role)s” is a role of the funnel “%(other)s”, not of “%(funnel)s”.",
                        role=robot.role_id.name,
                        other=robot.role_id.funnel_id.name,
                        funnel=robot.stage_id.funnel_id.name,
                    )
                )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_open_copy_wizard(self):
        return {
            "name": self.env._("Copy Robots"),
            "type": "ir.actions.act_window",
            "res_model": "sale.funnel.robot.copy",
            "view_mode": "form",
            "target": "new",
            "context": {"default_robot_ids": self.ids},
        }

    def _copy_to_stages(self, stages):
        """Copy robots to other stages (of any funnel); roles are matched by name in the target funnel."""
        vals_list = []
        for stage in stages:
            roles = {role.name: role for role in stage.funnel_id.role_ids}
            for robot in self:
                vals = robot.copy_data({"stage_id": stage.id})[0]
                if robot.role_id:
                    vals["role_id"] = roles.get(robot.role_id.name, self.env["sale.funnel.role"]).id
                vals_list.append(vals)
        return self.create(vals_list)

    # ------------------------------------------------------------
    # PLANNING
    # ------------------------------------------------------------

    def _get_eval_context(self):
        return {"uid": self.env.uid, "user": self.env.user, "context_today": fields.Date.context_today}

    @api.model
    def _get_planning_fields(self):
        """Fields the robots use when a deal enters a stage, fetched with them in one query."""
        return [
            fname
            for fname, field in self._fields.items()
            if field.store and field.type not in ("one2many", "many2many") and fname not in models.MAGIC_COLUMNS
        ]

    def _filter_deals(self, orders):
        """Deals meeting the robot's condition (filtered in memory: they were just read by the move)."""
        self.ensure_one()
        if not self.filter_domain:
            return orders
        domain = Domain(safe_eval(self.filter_domain, self._get_eval_context()))
        return orders.filtered_domain(domain)

    def _plan_runs(self, orders, entries):
        """Create the run log of these robots for deals that just entered their stage, and return it.

        ``entries`` maps each deal to its stage-history row. One run per robot and stage entry; skipped
        runs are logged with their reason, so that admins see why something did not fire.
        """
        Run = self.env["sale.funnel.robot.run"]
        ran_before = set()
        if "first" in self.mapped("reentry"):
            ran_before = {
                (robot.id, order.id)
                for robot, order in Run._read_group(
                    [("robot_id", "in", self.ids), ("order_id", "in", orders.ids), ("state", "=", "done")],
                    ["robot_id", "order_id"],
                )
            }
        plan = self._working_time_planner()
        vals_list = []
        for robot in self:
            deals = orders.filtered(lambda o, r=robot: o.stage_id == r.stage_id)
            matching = robot._filter_deals(deals)
            for order in deals:
                entry = entries[order]
                vals = {
                    "robot_id": robot.id,
                    "order_id": order.id,
                    "history_id": entry.id,
                    "stage_id": robot.stage_id.id,
                    "company_id": order.company_id.id,
                    "planned_at": plan(order.company_id, entry.date_in, robot.delay_amount, robot.delay_unit),
                    "state": "planned",
                }
                if order not in matching:
                    vals.update(state="skipped", message=self.env._("The deal does not meet the robot's condition."))
                elif robot.reentry == "first" and (robot.id, order.id) in ran_before:
                    vals.update(state="skipped", message=self.env._("Already done on an earlier entry."))
                vals_list.append(vals)
        # sudo: the run log is written by the robots, not by the user who moved the deal.
        return Run.sudo().create(vals_list)

    # ------------------------------------------------------------
    # EXECUTION (one batch of runs of one robot)
    # ------------------------------------------------------------

    def _execute(self, runs):
        """Do the robot's work for ``runs``; return {run: (state, message, result record)}."""
        self.ensure_one()
        return getattr(self, f"_execute_{self.kind}")(runs)

    def _get_assignees(self, orders):
        """{order: user} for the robot's role; the salesperson when no role; may be empty."""
        if self.role_id:
            users = self.role_id._get_users(orders)
            return {order: users[order] or order.user_id for order in orders}
        return {order: order.user_id for order in orders}

    def _get_deadlines(self, runs):
        """Deadline of each run's work: a date/time of the deal, or working time after the stage entry."""
        plan = self._working_time_planner()
        result = {}
        for run in runs:
            if self.deadline_mode == "field" and self.deadline_field_id:
                value = run.order_id[self.deadline_field_id.name]
                result[run] = fields.Datetime.to_datetime(value) if value else run.history_id.date_in
            else:
                result[run] = plan(
                    run.order_id.company_id, run.history_id.date_in, self.deadline_amount, self.deadline_unit
                )
        return result

    def _working_time_planner(self):
        """Working-time addition memoized for one batch: deals moved together share their entry time."""
        cache = {}

        def plan(company, start, amount, unit):
            key = (company.id, start, amount, unit)
            if key not in cache:
                cache[key] = company._erp_crm_add_working_time(start, amount, unit)
            return cache[key]

        return plan

    def _execute_activity(self, runs):
        assignees = self._get_assignees(runs.order_id)
        deadlines = self._get_deadlines(runs)
        activity_type = self.activity_type_id or self.env.ref("mail.mail_activity_data_todo")
        summary = self.summary or activity_type.summary or self.name
        open_same = set()
        if self.reentry == "no_open":
            open_same = {
                (activity.res_id, activity.user_id.id)
                for activity in self.env["mail.activity"].search(
                    [
                        ("res_model", "=", "sale.order"),
                        ("res_id", "in", runs.order_id.ids),
                        ("activity_type_id", "=", activity_type.id),
                        ("summary", "=", summary),
                    ]
                )
            }
        results, vals_list, to_create = {}, [], []
        model_id = self.env["ir.model"]._get_id("sale.order")
        for run in runs:
            order = run.order_id
            user = assignees[order]
            if not user:
                results[run] = (
                    "failed",
                    self.env._(
                        "Nobody holds the role %(role)s on this deal.",
                        role=self.role_id.name or self.env._("Salesperson"),
                    ),
                    None,
                )
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
        # Quick update: no notification per activity; assignees get one digest each from the cron.
        activities = self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(vals_list)
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

    def _done_results(self, runs, records, describe):
        """Results of runs that each created one record (in the same order)."""
        return {run: ("done", describe(record), record) for run, record in zip(runs, records, strict=True)}

    def _to_user_date(self, deadline, user):
        """Calendar day of a UTC deadline for its assignee (what mail.activity.date_deadline holds)."""
        tz_user = user.with_context(tz=user.tz or self.env.user.tz or "UTC")
        return fields.Datetime.context_timestamp(tz_user, deadline).date()

    def _execute_task(self, runs):
        assignees = self._get_assignees(runs.order_id)
        deadlines = self._get_deadlines(runs)
        title = self.summary or self.name
        names = self.env["mail.render.mixin"]._render_template(
            title, "sale.order", runs.order_id.ids, engine="inline_template"
        )
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

    def _execute_email(self, runs):
        """Queue the template's email for each deal, with the PDF attached to the deal and the email.

        The email is queued (sent by the mail queue after commit), so a retried transaction never sends twice.
        """
        results = {}
        attachments = self._render_report_attachments(runs.order_id) if self.report_id else {}
        for run in runs:
            order = run.order_id
            if not order.partner_id.email:
                results[run] = (
                    "failed",
                    self.env._("%(customer)s has no email address.", customer=order.partner_id.display_name),
                    None,
                )
                continue
            attachment = attachments.get(order)
            email_values = {"attachment_ids": [Command.link(attachment.id)]} if attachment else {}
            mail_id = self.mail_template_id.send_mail(order.id, force_send=False, email_values=email_values)
            message = self.env._(
                "Email “%(subject)s” queued for %(email)s.",
                subject=self.mail_template_id.name,
                email=order.partner_id.email,
            )
            results[run] = ("done", message, self.env["mail.mail"].browse(mail_id))
        return results

    def _render_report_attachments(self, orders):
        """One PDF per deal, attached to the deal."""
        Report = self.env["ir.actions.report"]
        return {
            order: self._attach_pdf(order, Report._render_qweb_pdf(self.report_id, order.ids)[0]) for order in orders
        }

    def _attach_pdf(self, order, content):
        name = f"{self.report_id.name} - {order.name}.pdf"
        return self.env["ir.attachment"].create(
            {"name": name, "raw": content, "res_model": "sale.order", "res_id": order.id, "mimetype": "application/pdf"}
        )

    def _execute_notify(self, runs):
        results = {}
        assignees = self._get_assignees(runs.order_id) if (self.role_id or not self.notify_followers) else {}
        body = self.note or escape(self.summary or self.name)
        for run in runs:
            order = run.order_id
            partners = self.env["res.partner"]
            if self.notify_followers:
                partners |= order.funnel_id.message_partner_ids
            if assignees.get(order):
                partners |= assignees[order].partner_id
            if not partners:
                results[run] = ("failed", self.env._("Nobody to notify."), None)
                continue
            message = order.message_post(
                body=body, partner_ids=partners.ids, subtype_xmlid="mail.mt_note", subject=self.summary or self.name
            )
            results[run] = (
                "done",
                self.env._("Notified %(names)s.", names=", ".join(partners.mapped("name"))),
                message,
            )
        return results

    def _execute_note(self, runs):
        """A note in the deals' chatter, notifying nobody: one batch insert for all deals."""
        body = self.note or escape(self.summary or self.name)
        runs.order_id._message_log_batch(bodies=dict.fromkeys(runs.order_id.ids, body))
        return {run: ("done", self.env._("Note logged."), None) for run in runs}

    def _execute_down_payment(self, runs):
        """Create and post each deal's down-payment invoice (once per deal), and queue its email with the PDF."""
        results = {}
        template = self.env.ref("account.email_template_edi_invoice", raise_if_not_found=False)
        for run in runs:
            order = run.order_id
            existed = bool(order._get_down_payment_invoices())
            invoice = order._erp_crm_create_down_payment_invoice(self.down_payment_percent, post=True)
            if existed:
                results[run] = ("skipped", self.env._("The deal already has its down-payment invoice."), invoice[:1])
                continue
            if self.send_invoice and template and invoice.partner_id.email:
                template.send_mail(invoice.id, force_send=False)
            results[run] = (
                "done",
                self.env._(
                    "Down-payment invoice %(invoice)s of %(amount)s posted.",
                    invoice=invoice.name,
                    amount=invoice.amount_total,
                ),
                invoice,
            )
        return results

    def _execute_write(self, runs):
        value = self._convert_write_value()
        runs.order_id.write({self.write_field_name: value})
        message = self.env._(
            "%(field)s set to %(value)s.",
            field=self.env["sale.order"]._fields[self.write_field_name].string,
            value=self.write_value or self.env._("empty"),
        )
        return {run: ("done", message, None) for run in runs}

    def _convert_write_value(self):
        field = self.env["sale.order"]._fields[self.write_field_name]
        raw = self.write_value
        if field.type == "boolean":
            return (raw or "").strip().lower() in ("1", "true", "yes")
        if not raw:
            return False
        if field.type in ("integer", "many2one"):
            return int(raw)
        if field.type in ("float", "monetary"):
            return float(raw)
        return raw

    def _execute_server_action(self, runs):
        action = self.server_action_id.with_context(
            active_model="sale.order", active_ids=runs.order_id.ids, active_id=runs.order_id[:1].id
        )
        action.run()
        message = self.env._("Server action “%(action)s” ran.", action=self.server_action_id.name)
        return {run: ("done", message, None) for run in runs}

    # ------------------------------------------------------------
    # DRY RUN
    # ------------------------------------------------------------

    def _describe(self, order):
        """What this robot would do for ``order`` entering its stage now, without doing it."""
        self.ensure_one()
        if order not in self._filter_deals(order):
            return self.env._("Skipped: the deal does not meet the condition.")
        user = self._get_assignees_preview(order)
        now = fields.Datetime.now()
        when = order.company_id._erp_crm_add_working_time(now, self.delay_amount, self.delay_unit)
        start = Markup("")
        if self.delay_amount:
            start = self.env._("At %(when)s: ", when=fields.Datetime.to_string(when))
        deadline = when
        if self.kind in ("activity", "task"):
            if self.deadline_mode == "field" and self.deadline_field_id:
                deadline = order[self.deadline_field_id.name] or when
            else:
                deadline = order.company_id._erp_crm_add_working_time(when, self.deadline_amount, self.deadline_unit)
        texts = {
            "activity": self.env._(
                "activity “%(summary)s” for %(user)s, due %(deadline)s",
                summary=self.summary or self.activity_type_id.name or self.name,
                user=user.name or self.env._("nobody (would fail)"),
                deadline=fields.Datetime.to_string(fields.Datetime.to_datetime(deadline)),
            ),
            "task": self.env._(
                "task in %(project)s for %(user)s, planned %(deadline)s",
                project=self.project_id.name,
                user=user.name or self.env._("nobody"),
                deadline=fields.Datetime.to_string(fields.Datetime.to_datetime(deadline)),
            ),
            "email": self.env._(
                "email “%(template)s” to %(email)s%(document)s",
                template=self.mail_template_id.name,
                email=order.partner_id.email or self.env._("no address (would fail)"),
                document=self.report_id and self.env._(" with %(doc)s", doc=self.report_id.name) or "",
            ),
            "note": self.env._("note in the chatter: %(text)s", text=self.summary or self.name),
            "notify": self.env._("message to %(who)s", who=user.name if user else self.env._("the funnel's followers")),
            "write": self.env._(
                "set %(field)s to %(value)s",
                field=self.write_field_id.field_description,
                value=self.write_value or self.env._("empty"),
            ),
            "server_action": self.env._("run server action “%(action)s”", action=self.server_action_id.name),
        }
        return f"{start}{texts[self.kind]}"

    def _get_assignees_preview(self, order):
        """Who would get the work, without saving a round-robin choice."""
        role = self.role_id
        if not role:
            return order.user_id
        user = order._get_role_user(role)
        if not user and role.assignment == "round_robin":
            user = role._peek_round_robin_user()
        return user or order.user_id
