import logging
from datetime import datetime

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_date, format_datetime

from ..tools import CONCURRENCY_ERRORS, DOOR_FIELDS, ConfigurationOutOfRange, format_duration
from ..tools.condition import check_condition, condition_domain
from ..tools.units import TIME_UNITS
from .erp_crm_input_guard import YEAR_HOURS, YEAR_MINUTES

_logger = logging.getLogger(__name__)

YEAR_WORKING_DAYS = 261  # 52 weeks of 5 days, and one
YEAR_IN_UNITS = {"minutes": YEAR_MINUTES, "hours": YEAR_HOURS, "working_days": YEAR_WORKING_DAYS}

# Each kind has its execution, description and validation side by side, in the file of its group:
# ``_execute_<kind>(runs)``, ``_describe_<kind>(order, user, when)`` and ``_check_<kind>()``
# (sale_funnel_robot_work.py: activity, task; sale_funnel_robot_message.py: email, notify, note;
# sale_funnel_robot_record.py: down_payment, write, server_action). A kind without all three fails the tests.
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
# Fields rendered as inline templates ({{ object.field }}), checked for the user who saves the robot.
TEMPLATE_FIELDS = ("summary",)
# The records robots serve: deals (funnel stages) and service requests (task stages of a service desk). Each model
# answers the engine's questions through hooks of its own (``_erp_crm_robot_*`` on sale.order and project.task):
# who holds a role, whose working time counts, who is told of a failure, who follows the record.
ROBOT_MODELS = [("sale.order", "Deal"), ("project.task", "Service Request")]
# Kinds a robot of a task stage may have: the others work on deals only (invoices, tasks, deal server actions).
TASK_KINDS = ("activity", "email", "notify", "note", "write")
# Who gets a service request robot's work (the deal's roles are the funnel's sale.funnel.role).
TASK_ROLES = [
    ("assignee", "Assignee"),
    ("project_manager", "Project Manager"),
    ("salesperson", "Customer's Salesperson"),
]


class SaleFunnelRobot(models.Model):
    """Work done when a deal enters a stage: an activity, a task, an email, a message, a field update..."""

    _name = "sale.funnel.robot"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Stage Robot"
    _order = "stage_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    stage_id = fields.Many2one(
        "sale.funnel.stage",
        string="Stage",
        index=True,
        ondelete="cascade",
        group_expand="_read_group_stage_ids",
    )
    task_stage_id = fields.Many2one(
        "project.task.type",
        string="Service Stage",
        index="btree_not_null",
        ondelete="cascade",
        help="A stage of a service desk project: the robot works when a service request enters it.",
    )
    record_model = fields.Selection(
        ROBOT_MODELS, string="Works On", compute="_compute_record_model", store=True, readonly=True
    )
    funnel_id = fields.Many2one(related="stage_id.funnel_id", store=True, index=True)
    company_id = fields.Many2one(related="stage_id.company_id", store=True)
    kind = fields.Selection(ROBOT_KINDS, required=True, default="activity")
    filter_domain = fields.Char(
        string="Condition",
        help="Only deals matching this domain get the robot's work. Empty: every deal. A domain holds literal "
        "values only (text, numbers, True/False, lists), e.g. [('amount_total', '>', 5000)], and these "
        "placeholders: uid (the user who moves the deal), today (today's date, 'YYYY-MM-DD') and now (the "
        "current date and time, UTC). Nothing else is evaluated.",
    )
    delay_amount = fields.Integer(string="Delay", help="Wait this long after the deal entered the stage.")
    delay_unit = fields.Selection(TIME_UNITS, default="minutes", required=True)
    run_in_background = fields.Boolean(
        string="In the Background",
        help="Run right after the move, in the robots' scheduled action, instead of inside the move: whoever moves "
        "the deal does not wait for the robot's work, which appears a few seconds later. The robot still runs once "
        "per stage entry, also when the deal moves on meanwhile. Robots with a delay always run in the background "
        "(and not when the deal left the stage first).",
    )
    document_in_move = fields.Boolean(
        string="Needed Before the Next Step",
        help="A robot that sends a document (an email with a PDF, a down-payment invoice) works right after the move, "
        "in the background, so that whoever moves the deal does not wait for the PDF: the chatter says “Sending…” "
        "at once and shows the email a few seconds later. Tick this when the stage needs the document before its "
        "next step: it is then made and sent inside the move.",
    )
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
    task_role = fields.Selection(
        TASK_ROLES,
        string="Request Role",
        default="assignee",
        help="Who gets the work on a service request: its assignee, its project's manager or the salesperson of "
        "its customer.",
    )
    # activity and task
    activity_type_id = fields.Many2one("mail.activity.type", string="Activity Type", ondelete="restrict")
    summary = fields.Char(
        translate=True,
        help="Activity summary, task title or message subject. A task title may show deal fields: "
        "{{ object.name }}, {{ object.partner_id.name }}, {{ object.user_id.name }}; other expressions are "
        "for Mail Template Editors only.",
    )
    note = fields.Html(translate=True, help="Activity note, task description or message body.")
    deadline_mode = fields.Selection(DEADLINE_MODES, default="offset", required=True)
    deadline_amount = fields.Integer(string="Deadline", help="Counted in working time from the stage entry.")
    deadline_unit = fields.Selection(TIME_UNITS, default="hours", required=True)
    deadline_field_id = fields.Many2one(
        "ir.model.fields",
        string="Deadline Field",
        domain="[('model', '=', record_model), ('ttype', 'in', ('date', 'datetime'))]",
        ondelete="cascade",
        help="Date or date and time of the deal used as deadline (e.g. the measurement appointment).",
    )
    project_id = fields.Many2one("project.project", string="Project", check_company=True, ondelete="restrict")
    # email
    mail_template_id = fields.Many2one(
        "mail.template", string="Email Template", domain="[('model', '=', record_model)]", ondelete="restrict"
    )
    report_id = fields.Many2one(
        "ir.actions.report",
        string="Attach Document",
        domain="[('model', '=', record_model), ('report_type', '=', 'qweb-pdf')]",
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
        domain="[('model', '=', record_model), ('store', '=', True), ('readonly', '=', False), "
        "('ttype', 'in', ('char', 'text', 'integer', 'float', 'monetary', 'boolean', 'selection', 'many2one', "
        f"'date', 'datetime')), ('name', 'not in', {list(DOOR_FIELDS)})]",
        ondelete="cascade",
    )
    write_field_name = fields.Char(related="write_field_id.name", store=True)
    write_value = fields.Char(
        string="New Value", help="For a relation, the record's id; for a yes/no field, 1 or 0; for a choice, its key."
    )
    server_action_id = fields.Many2one(
        "ir.actions.server", string="Server Action", domain="[('model_id.model', '=', 'sale.order')]"
    )
    # Not write_uid: recomputing a stored field (funnel, company) rewrites write_uid with whoever flushes it.
    run_as_user_id = fields.Many2one(
        "res.users",
        string="Acts As",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The user who last saved the robot: it renders its task titles and runs its server action with that "
        "user's rights, never as superuser.",
    )

    # what the board and the form show
    timing_display = fields.Char(string="When", compute="_compute_timing_display")
    deadline_display = fields.Char(string="Due", compute="_compute_deadline_display")
    condition_preview = fields.Char(string="Matching Deals", compute="_compute_condition_preview")

    @api.depends("task_stage_id")
    def _compute_record_model(self):
        for robot in self:
            robot.record_model = "project.task" if robot.task_stage_id else "sale.order"

    @api.depends(
        "delay_amount",
        "delay_unit",
        "run_in_background",
        "document_in_move",
        "kind",
        "report_id",
        "mail_template_id",
        "send_invoice",
    )
    @api.depends_context("lang")
    def _compute_timing_display(self):
        for robot in self:
            if robot.delay_amount:
                robot.timing_display = self.env._(
                    "After %(duration)s", duration=format_duration(self.env, robot.delay_amount, robot.delay_unit)
                )
            elif robot._runs_in_background():
                robot.timing_display = self.env._("Right after, in the background")
            else:
                robot.timing_display = self.env._("At once")

    @api.depends("kind", "deadline_mode", "deadline_amount", "deadline_unit", "deadline_field_id")
    @api.depends_context("lang")
    def _compute_deadline_display(self):
        for robot in self:
            if robot.kind not in ("activity", "task"):
                robot.deadline_display = False
            elif robot.deadline_mode == "field":
                # sudo: the label of the picked date field (metadata); ir.model.fields is for admins only.
                label = robot.sudo().deadline_field_id.field_description
                robot.deadline_display = (
                    self.env._("On the request's %(field)s", field=label or "?")
                    if robot.task_stage_id
                    else self.env._("On the deal's %(field)s", field=label or "?")
                )
            elif robot.deadline_amount:
                robot.deadline_display = self.env._(
                    "%(duration)s of working time after entry",
                    duration=format_duration(self.env, robot.deadline_amount, robot.deadline_unit),
                )
            else:
                robot.deadline_display = self.env._("At entry")

    @api.depends("filter_domain", "funnel_id", "task_stage_id")
    def _compute_condition_preview(self):
        """How many of the funnel's deals the condition matches now (counted with the user's rights)."""
        Order = self.env["sale.order"]
        for robot in self:
            if robot.task_stage_id:
                robot.condition_preview = robot._preview_request_condition()
                continue
            funnel = Domain("funnel_id", "=", robot.funnel_id.id) if robot.funnel_id else Domain.TRUE
            try:
                matching = Order.search_count(funnel & robot._get_condition())
            except Exception:  # noqa: BLE001 - a condition being typed: no preview until it reads
                robot.condition_preview = self.env._("The condition cannot be read yet.")
                continue
            robot.condition_preview = self.env._(
                "%(matching)s of the funnel's %(total)s deals match now.",
                matching=matching,
                total=Order.search_count(funnel),
            )

    def _preview_request_condition(self):
        """How many service requests of the stage's projects the condition matches now (with the user's rights)."""
        Task = self.env["project.task"]
        requests = Domain("is_service_request", "=", True)
        if self.task_stage_id.project_ids:
            requests &= Domain("project_id", "in", self.task_stage_id.project_ids.ids)
        try:
            matching = Task.search_count(requests & self._get_condition())
        except Exception:  # noqa: BLE001 - a condition being typed: no preview until it reads
            return self.env._("The condition cannot be read yet.")
        return self.env._(
            "%(matching)s of the %(total)s service requests match now.",
            matching=matching,
            total=Task.search_count(requests),
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

    @api.model
    def _erp_crm_number_bounds(self):
        a_year = self.env._("a year")
        return {
            **super()._erp_crm_number_bounds(),
            "delay_amount": (0, YEAR_MINUTES, a_year),
            "deadline_amount": (0, YEAR_MINUTES, a_year),
            "down_payment_percent": (0, 100, None),
        }

    @api.constrains("delay_amount", "deadline_amount", "delay_unit", "deadline_unit")
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
            for label, amount, unit in (
                (self.env._("Delay"), robot.delay_amount, robot.delay_unit),
                (self.env._("Deadline"), robot.deadline_amount, robot.deadline_unit),
            ):
                if amount > YEAR_IN_UNITS.get(unit, YEAR_MINUTES):
                    raise ValidationError(
                        self.env._(
                            "%(field)s: robot “%(robot)s” waits at most a year (%(minutes)s minutes, %(hours)s hours "
                            "or %(days)s working days), not %(amount)s.",
                            field=label,
                            robot=robot.name,
                            minutes=YEAR_MINUTES,
                            hours=YEAR_HOURS,
                            days=YEAR_WORKING_DAYS,
                            amount=amount,
                        )
                    )

    @api.constrains(
        "kind",
        "project_id",
        "mail_template_id",
        "report_id",
        "write_field_id",
        "write_value",
        "server_action_id",
        "deadline_mode",
        "deadline_field_id",
        "down_payment_percent",
    )
    def _check_kind_settings(self):
        """Each kind checks its own settings (``_check_<kind>``, beside its execution)."""
        self._check_stage_target()  # first: a deal-only kind on a service stage is refused as such
        for robot in self:
            getattr(robot, f"_check_{robot.kind}")()

    @api.constrains("stage_id", "task_stage_id", "kind", "role_id")
    def _check_stage_target(self):
        """A robot belongs to a deal stage or to a service stage; on a service stage, only the kinds that work on
        any record (deal-only kinds make invoices, tasks of deals or run deal server actions)."""
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for robot in self:
            if bool(robot.stage_id) == bool(robot.task_stage_id):
                raise ValidationError(
                    self.env._(
                        "Stage: robot “%(robot)s” belongs either to a deal stage or to a service stage; choose one.",
                        robot=robot.name,
                    )
                )
            if not robot.task_stage_id:
                continue
            if robot.kind not in TASK_KINDS:
                raise ValidationError(
                    self.env._(
                        "Kind: “%(kind)s” works on deals only; robot “%(robot)s” of the service stage “%(stage)s” "
                        "may schedule an activity, send an email, notify, log a note or update a field.",
                        kind=kinds[robot.kind],
                        robot=robot.name,
                        stage=robot.task_stage_id.name,
                    )
                )
            if robot.role_id:
                raise ValidationError(
                    self.env._(
                        "Role: “%(role)s” is a role of a funnel's deals; robot “%(robot)s” of a service stage uses "
                        "the Request Role.",
                        role=robot.role_id.name,
                        robot=robot.name,
                    )
                )

    def _check_deadline_field(self):
        """Activities and tasks due on a date of the deal need that date (a date field of the deal)."""
        if self.deadline_mode != "field":
            return
        # sudo: only the picked field's model and type (metadata, no data); ir.model.fields is for admins only.
        field = self.sudo().deadline_field_id
        if not field or field.model != self._get_record_model() or field.ttype not in ("date", "datetime"):
            raise ValidationError(
                self.env._(
                    "Deadline Field: robot “%(robot)s” takes its deadline from a date of the deal; choose it.",
                    robot=self.name,
                )
            )

    @api.constrains("filter_domain")
    def _check_filter_domain(self):
        for robot in self.filtered("filter_domain"):
            check_condition(
                robot._get_condition,
                self.env[robot._get_record_model()],
                lambda error, robot=robot: self.env._(
                    "Condition: the condition of robot “%(robot)s” cannot be read (%(error)s).",
                    robot=robot.name,
                    error=error,
                ),
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

    @api.onchange("name", "kind")
    def _onchange_name_summary(self):
        """Quick create: the robot's name is the activity's summary (or the task's title) until one is typed,
        so that a quick-created call-back is not titled by its activity type alone."""
        for robot in self:
            if robot.kind in ("activity", "task", "notify") and robot.name and not robot.summary:
                robot.summary = robot.name

    # ------------------------------------------------------------
    # ORM: what the saving user may put in a robot
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self._may_configure_deal_robots():  # said before the record rules refuse it less clearly
            deal_vals = [vals for vals in vals_list if isinstance(vals, dict) and not vals.get("task_stage_id")]
            if deal_vals:
                raise self._deal_robot_scope_error(deal_vals[0].get("name"))
        robots = super().create([{**vals, "run_as_user_id": self.env.uid} for vals in vals_list])
        robots._check_saving_user_rights()
        return robots

    def unlink(self):
        self._check_service_manager_scope()
        return super().unlink()

    def write(self, vals):
        self._check_service_manager_scope()  # before: a deal robot may not be turned into a service robot either
        result = super().write({**vals, "run_as_user_id": self.env.uid})
        self._check_saving_user_rights()
        return result

    def _update_field_translations(self, field_name, translations, digest=None, source_lang=""):
        result = super()._update_field_translations(field_name, translations, digest=digest, source_lang=source_lang)
        for lang in translations:
            self.with_context(lang=lang)._check_saving_user_rights()
        return result

    def _check_saving_user_rights(self):
        """What a robot does is checked for the user who saves it, as mail.template does for its templates.

        - Template fields (the task title) may hold plain ``{{ object.field }}`` placeholders for everyone;
          any other expression only for Mail Template Editors (``mail.render.mixin`` rules).
        - A server action must be one the saving user may run (its *Allowed Groups*).
        The robot then renders and runs with the rights of its last writer (``run_as_user_id``), never as superuser.
        """
        if self.env.su:
            return
        self._check_service_manager_scope()
        user = self.env.user
        editor = user.has_group("mail.group_mail_template_editor")
        Render = self.env["mail.render.mixin"]
        for robot in self:
            for fname in TEMPLATE_FIELDS:
                unsafe = Render._has_unsafe_expression_template_inline_template(robot[fname], robot._get_record_model())
                if not editor and unsafe:
                    raise AccessError(
                        self.env._(
                            "%(field)s: robot “%(robot)s” may show deal fields only ({{ object.name }}, "
                            "{{ object.partner_id.name }}...); other expressions are reserved to the group "
                            "%(group)s.",
                            field=self._fields[fname].get_description(self.env)["string"],
                            robot=robot.name,
                            group=self.env.ref("mail.group_mail_template_editor").name,
                        )
                    )
            if robot.kind == "write" and robot.write_field_name:
                # the robot writes with the system's rights: only a field its saver may write by hand
                Record = self.env[robot._get_record_model()]
                field = Record._fields.get(robot.write_field_name)
                if field and not Record._has_field_access(field, "write"):
                    raise AccessError(
                        self.env._(
                            "Field to Update: you may not change %(field)s yourself, so robot “%(robot)s” may not "
                            "either.",
                            field=field._description_string(self.env),
                            robot=robot.name,
                        )
                    )
            # sudo: reading the picked action's Allowed Groups, which managers without Settings rights cannot read.
            action_groups = robot.server_action_id.sudo().group_ids
            if action_groups and not (action_groups & user.all_group_ids):
                raise AccessError(
                    self.env._(
                        "Server Action: you may not run “%(action)s” (allowed to %(groups)s only).",
                        action=robot.server_action_id.display_name,
                        groups=", ".join(action_groups.mapped("name")),
                    )
                )

    def _check_service_manager_scope(self):
        """Project managers configure the robots of service stages; deal robots stay with ERP CRM managers."""
        if self._may_configure_deal_robots():
            return
        deal_robots = self.filtered(lambda robot: not robot.task_stage_id)
        if deal_robots:
            raise self._deal_robot_scope_error(deal_robots[0].name)

    @api.model
    def _may_configure_deal_robots(self):
        return self.env.su or self.env.user.has_group("erp_crm.erp_crm_group_manager")

    @api.model
    def _deal_robot_scope_error(self, name):
        return AccessError(
            self.env._(
                "Stage: robot “%(robot)s” works on deals; only ERP CRM managers configure deal robots.", robot=name
            )
        )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    @api.readonly
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

    def _get_record_model(self):
        """The model of the records the robot works on: deals, or service requests for a service stage."""
        self.ensure_one()
        return "project.task" if self.task_stage_id else "sale.order"

    def _get_stage(self):
        self.ensure_one()
        return self.task_stage_id or self.stage_id

    def _run_record_field(self):
        """The run's field holding the record the robot works on."""
        self.ensure_one()
        return "task_id" if self.task_stage_id else "order_id"

    def _get_records(self, runs):
        """The records of ``runs`` (runs of this robot), in the runs' order."""
        return runs[self._run_record_field()]

    def _get_condition(self):
        """The robot's condition as a Domain (see :func:`condition_domain`)."""
        self.ensure_one()
        return condition_domain(self, self.filter_domain)

    @api.model
    def _get_planning_fields(self):
        """Fields the robots use when a deal enters a stage, fetched with them in one query."""
        return [
            fname
            for fname, field in self._fields.items()
            if field.store and field.type not in ("one2many", "many2many") and fname not in models.MAGIC_COLUMNS
        ]

    def _filter_deals(self, orders):
        """Records (deals or requests) meeting the robot's condition (filtered in memory: the move just read them)."""
        self.ensure_one()
        if not self.filter_domain:
            return orders
        return orders.filtered_domain(self._get_condition())

    def _plan_runs(self, orders, entries):
        """Create the run log of these robots for records that just entered their stage, and return it.

        ``orders`` are deals or service requests (the robots' model); ``entries`` maps each one to its stage
        entry (a deal's stage-history row, a request's entry number, see ``_erp_crm_robot_entry_values``). One run
        per robot and stage entry; skipped runs are logged with their reason, so that admins see why something did
        not fire. Runs planned later, and those of robots that run in the background, wake the delayed-robot cron
        at their time.
        """
        Run = self.env["sale.funnel.robot.run"]
        record_field = self[:1]._run_record_field() if self else "order_id"
        ran_before = set()
        if "first" in self.mapped("reentry"):
            ran_before = {
                (robot.id, record.id)
                for robot, record in Run._read_group(
                    [("robot_id", "in", self.ids), (record_field, "in", orders.ids), ("state", "=", "done")],
                    ["robot_id", record_field],
                )
            }
        plan = self._working_time_planner()
        vals_list = []
        for robot in self:
            stage = robot._get_stage()
            deals = orders.filtered(lambda o, s=stage: o.stage_id == s)
            try:
                matching, error = robot._filter_deals(deals), None
            except CONCURRENCY_ERRORS:
                raise
            except Exception as exc:  # noqa: BLE001 - a condition saved before it was checked: logged, never run
                matching, error = deals.browse(), exc
            for order in deals:
                entry_vals, date_in = order._erp_crm_robot_entry_values(entries[order])
                try:
                    planned_at, out_of_range = (
                        plan(order._erp_crm_working_time_owner(), date_in, robot.delay_amount, robot.delay_unit),
                        None,
                    )
                except ConfigurationOutOfRange as exc:  # a legacy delay past any calendar: this run fails alone
                    planned_at, out_of_range = fields.Datetime.now(), exc
                vals = {"robot_id": robot.id, **entry_vals, "planned_at": planned_at, "state": "planned"}
                if error:
                    message = self.env._("Failed: the condition cannot be read (%(error)s).", error=error)
                    vals.update(state="failed", message=message, done_at=fields.Datetime.now())
                elif out_of_range:
                    message = self.env._("Failed: Delay: %(error)s", error=out_of_range)
                    vals.update(state="failed", message=message, done_at=fields.Datetime.now())
                elif order not in matching:
                    vals.update(state="skipped", message=order._erp_crm_robot_skip_message())
                elif robot.reentry == "first" and (robot.id, order.id) in ran_before:
                    vals.update(state="skipped", message=self.env._("Already done on an earlier entry."))
                vals_list.append(vals)
        # sudo: the run log is written by the robots, not by the user who moved the deal (users only read it).
        runs = Run.sudo().create(vals_list)
        if any(vals["state"] == "failed" for vals in vals_list):
            runs.filtered(lambda run: run.state == "failed")._alert_funnel_manager()
        now = fields.Datetime.now()
        background = set(self.filtered(lambda robot: robot._runs_in_background()).ids)
        later = {
            max(vals["planned_at"], now)
            for vals in vals_list
            if vals["state"] == "planned" and (vals["planned_at"] > now or vals["robot_id"] in background)
        }
        if later:
            runs._trigger_cron_at(sorted(later))
            runs.filtered(lambda run: run.state == "planned" and run.planned_at <= now)._announce_documents()
        return runs

    def _sends_document(self):
        """Whether the robot makes and sends a PDF: an email with a document attached (by the robot or by its
        template), or a down-payment invoice emailed with Odoo's invoice PDF. Rendering a PDF takes seconds, so
        these robots work in the background unless *Needed Before the Next Step*."""
        self.ensure_one()
        if self.kind == "email":
            return bool(self.report_id or self.mail_template_id.report_template_ids)
        return self.kind == "down_payment" and self.send_invoice

    def _runs_in_background(self):
        """Whether the robot's work of an entry is done right after the move, by the robots' scheduled action: when
        asked (*In the Background*), and by default for the robots that send a document."""
        self.ensure_one()
        return self.run_in_background or (not self.document_in_move and self._sends_document())

    def _document_label(self):
        """What the customer will receive, as the chatter announces it (“Sending Payment request…”)."""
        self.ensure_one()
        if self.kind == "down_payment":
            return self.env._("the down-payment invoice")
        reports = self.report_id | self.mail_template_id.report_template_ids
        return ", ".join(reports.mapped("name"))

    def _working_time_planner(self):
        """Working-time addition memoized for one batch: deals moved together share their entry time."""
        cache = {}

        def plan(owner, start, amount, unit):
            """``owner``: a company or a working calendar (both count erp_crm's working time)."""
            key = (owner._name, owner.id, start, amount, unit)
            if key not in cache:
                cache[key] = owner._erp_crm_add_working_time(start, amount, unit)
            return cache[key]

        return plan

    # ------------------------------------------------------------
    # EXECUTION (one batch of runs of one robot), shared by the kinds
    # ------------------------------------------------------------

    def _execute(self, runs):
        """Do the robot's work for ``runs``; return {run: (state, message, result record)}."""
        self.ensure_one()
        return getattr(self, f"_execute_{self.kind}")(runs)

    def _get_assignees(self, orders):
        """{record: user} for the robot's role (a hook of the record's model); may be empty."""
        return orders._erp_crm_robot_assignees(self)

    def _get_deadlines(self, runs):
        """Deadline of each run's work (naive UTC): a date of the record, or working time after the entry."""
        plan = self._working_time_planner()
        record_field = self._run_record_field()
        result = {}
        for run in runs:
            record = run[record_field]
            date_in = run._get_entry_date()
            if self.deadline_mode == "field" and self.deadline_field_id:
                value = record[self.deadline_field_id.name]
                result[run] = fields.Datetime.to_datetime(value) if value else date_in
            else:
                result[run] = plan(
                    record._erp_crm_working_time_owner(), date_in, self.deadline_amount, self.deadline_unit
                )
        return result

    def _done_results(self, runs, records, describe):
        """Results of runs that each created one record (in the same order)."""
        return {run: ("done", describe(record), record) for run, record in zip(runs, records, strict=True)}

    def _writer_env(self):
        """Environment of the robot's last writer (*Acts As*): what renders its templates and runs its server action.

        Robots are configuration: they act with the rights of whoever configured them (and that person was
        checked when saving, see :meth:`_check_saving_user_rights`), never with the superuser's, and not with
        the rights of whoever happens to move the deal.
        """
        # sudo: only reads who saved the robot, so as to act with that user's rights (the returned env is not sudo).
        robot = self.sudo()
        writer = robot.run_as_user_id or robot.write_uid
        context = dict(self.env.context, allowed_company_ids=writer.company_ids.ids)
        return self.env(user=writer, su=False, context=context)

    def _robot_signature(self):
        """Who speaks in the chatter for a robot: OdooBot, naming the robot, as Odoo's automation does."""
        return Markup("<p><em>%s</em></p>") % self.env._("Robot “%(robot)s”", robot=self.name)

    @api.model
    def _robot_author(self):
        return self.env["res.partner"].browse(self.env["ir.model.data"]._xmlid_to_res_id("base.partner_root"))

    @api.model
    def _robot_user(self):
        """OdooBot's user (the superuser), who creates what robots give people to do, as Odoo's automation does."""
        return self.env["res.users"].browse(SUPERUSER_ID)

    # ------------------------------------------------------------
    # DRY RUN
    # ------------------------------------------------------------

    def _describe(self, order):
        """What this robot would do for ``order`` entering its stage now, without doing it."""
        self.ensure_one()
        try:
            matching = self._filter_deals(order)
        except Exception as error:  # noqa: BLE001 - a condition saved before conditions were checked
            return self.env._("Would fail: the condition cannot be read (%(error)s).", error=error)
        if order not in matching:
            return self.env._("Skipped: the deal does not meet the condition.")
        user = self._get_assignees_preview(order)
        company = self.env["res.company"].browse(order.company_id.id)  # in the robot's env: calendar settings
        try:
            when = company._erp_crm_add_working_time(fields.Datetime.now(), self.delay_amount, self.delay_unit)
        except ConfigurationOutOfRange as error:
            return self.env._("Would fail: Delay: %(error)s", error=error)
        try:
            with self.env.cr.savepoint(flush=False):
                text = getattr(self, f"_describe_{self.kind}")(order, user, when)
        except Exception as error:  # noqa: BLE001 - shown to the user: what the run would log
            return self.env._("Would fail: %(error)s", error=str(error) or error.__class__.__name__)
        if self.delay_amount:
            return self.env._("At %(when)s: %(what)s", when=self._format_when(when), what=text)
        if self._runs_in_background():
            return self.env._("Right after the move, in the background: %(what)s", what=text)
        return text

    def _preview_deadline(self, order, when):
        if self.deadline_mode == "field" and self.deadline_field_id:
            return order[self.deadline_field_id.name] or when
        company = self.env["res.company"].browse(order.company_id.id)
        return company._erp_crm_add_working_time(when, self.deadline_amount, self.deadline_unit)

    def _format_when(self, value):
        """A date or a UTC date and time as the user reads it: their time zone and language, no seconds."""
        if isinstance(value, datetime):
            return format_datetime(self.env, value, dt_format="short")
        return format_date(self.env, value)

    def _get_assignees_preview(self, order):
        """Who would get the work, without saving a round-robin choice."""
        role = self.role_id
        if not role:
            return order.user_id
        user = order._get_role_user(role)
        if not user and role.assignment == "round_robin":
            user = role._peek_round_robin_user()
        return user or order.user_id
