from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import ConfigurationOutOfRange, restricted_search
from .project_service_type import SERVICE_PRIORITIES, check_service_priority
from .project_task_sla import OPEN_STATUSES, SLA_STATUSES

SLA_STATUS_ORDER = ("failed", "at_risk", "ongoing", "reached")  # worst first: the request shows its worst SLA


class ProjectTask(models.Model):
    """Tasks of a service desk project are service requests: customer, deal, type, priority and SLAs."""

    _name = "project.task"
    _inherit = ["project.task", "erp.crm.input.guard"]  # erp_crm's fields: malformed values refused by name

    is_service_request = fields.Boolean(related="project_id.is_service_desk", store=True, index=True)
    service_type_id = fields.Many2one("project.service.type", "Request Type", tracking=True, index="btree_not_null")
    service_priority = fields.Selection(
        SERVICE_PRIORITIES,
        "Service Priority",
        compute="_compute_service_priority",
        store=True,
        readonly=False,
        tracking=True,
        help="Defaults from the request type (and the customer's ranking); it selects the request's SLA policies.",
    )
    service_priority_manual = fields.Boolean(
        "Priority Set by Hand",
        copy=False,
        help="A person set the service priority: the customer's ranking no longer changes it (else the ranking "
        "keeps an open request's priority up to date).",
    )
    service_order_id = fields.Many2one(
        "sale.order",
        "Deal",
        index="btree_not_null",
        tracking=True,
        domain="[('partner_id', 'child_of', partner_id)]",
        help="The deal or order the request is about (its products, deliveries and invoices).",
    )
    sla_ids = fields.One2many("project.task.sla", "task_id", "SLAs")
    sla_status = fields.Selection(
        SLA_STATUSES, "SLA Status", compute="_compute_sla_status", search="_search_sla_status", compute_sudo=True
    )
    # computed together, as superuser (the SLA lines follow their request), in one query for a whole kanban
    sla_deadline = fields.Datetime("SLA Deadline", compute="_compute_sla_status", compute_sudo=True)
    sla_time_left = fields.Char("SLA Time Left", compute="_compute_sla_status", compute_sudo=True)

    @property
    def TASK_PORTAL_READABLE_FIELDS(self):
        # the customer sees what their request is and how urgent, not the SLA bookkeeping
        # (not the priority either: it follows the customer's class, an A customer's requests are high)
        return super().TASK_PORTAL_READABLE_FIELDS | {"is_service_request", "service_type_id"}

    @api.depends("is_service_request", "service_type_id", "partner_id")
    def _compute_service_priority(self):
        for task in self:
            if task.service_priority_manual and task.is_service_request:
                task.service_priority = task.service_priority  # what a person set stays
                continue
            task.service_priority = task._erp_crm_default_service_priority() if task.is_service_request else False

    @api.depends("sla_ids.status", "sla_ids.deadline", "sla_ids.paused_since")
    def _compute_sla_status(self):
        """The request's worst SLA status, its next open deadline and the time left to its next deadline (as on the
        kanban badge). The lines of all the cards of a kanban are read in one query (``search_fetch``) rather than
        the one2many and then its lines: the service kanban stays within two queries of Odoo's task kanban."""
        now = fields.Datetime.now()
        lines_by_task = self._erp_crm_sla_lines_by_task()
        no_lines = self.env["project.task.sla"]
        for task in self:
            # a request being edited (a new record in a form) has its lines in its one2many only
            lines = lines_by_task.get(task.id, no_lines) if task.id else task.sla_ids
            statuses = set(lines.mapped("status"))
            task.sla_status = next((status for status in SLA_STATUS_ORDER if status in statuses), False)
            open_lines = lines.filtered(lambda line: line.status in OPEN_STATUSES)
            task.sla_deadline = min(open_lines.mapped("deadline"), default=False)
            pending = lines.filtered(lambda line: line.status != "reached").sorted("deadline")
            task.sla_time_left = pending[:1]._time_left(now) if pending else False

    def _erp_crm_sla_lines_by_task(self):
        """{task id: its SLA lines} for the stored requests of ``self``, fetched in one query."""
        task_ids = [task_id for task_id in self.ids if task_id]
        if not task_ids:
            return {}
        sla_fields = ["task_id", "status", "deadline", "paused_since"]
        self.env["project.task.sla"].flush_model(sla_fields)
        lines = self.env["project.task.sla"].search_fetch([("task_id", "in", task_ids)], sla_fields)
        return {task.id: task_lines for task, task_lines in lines.grouped("task_id").items()}

    @restricted_search("sla_status")
    def _search_sla_status(self, operator, value):
        """Requests with an SLA in that status (a request may be at risk on one SLA and failed on another)."""
        if operator != "in":
            return NotImplemented
        return [("sla_ids", "any", [("status", "in", list(value))])]

    def _erp_crm_log_creation(self, author):
        """Log the request's creation as ``author``'s (the customer who wrote it), as Odoo logs a creation: the
        creation subtype, so that the desk's followers are told."""
        subtype = self._creation_subtype()
        for task in self:
            task.message_post(
                body=Markup('<div summary="o_mail_notification"><p>%s</p></div>') % task._creation_message(),
                subtype_id=subtype.id,
                author_id=author.id,
            )

    def _erp_crm_default_service_priority(self):
        """Hook: the priority a new request gets. The request type's default here; the customer ranking raises it
        (an A customer's request is high)."""
        self.ensure_one()
        return self.service_type_id.default_priority or "normal"

    @api.constrains("stage_id", "project_id")
    def _check_stage_of_project(self):
        """A request sits in a stage of its own desk: another project's stage (say its "Solved", late in the
        sequence) would mark the desk's SLA targets reached and run that project's robots."""
        # sudo: the stage's projects are compared whoever moves the request (visibility rules would hide some).
        for task in self.sudo().filtered(lambda task: task.is_service_request and task.stage_id):
            if task.project_id not in task.stage_id.project_ids:
                raise ValidationError(
                    self.env._(
                        "Stage: %(stage)s is not a stage of %(project)s; move the request %(task)s to a stage of "
                        "its own service desk.",
                        stage=task.stage_id.name,
                        project=task.project_id.name,
                        task=task.name,
                    )
                )

    @api.constrains("project_id", "service_order_id", "partner_id")
    def _check_service_desk_company(self):
        """A service desk belongs to a company and serves that company's customers only: a request about a deal of
        another company, or for a customer kept by another company, is refused (a shared desk serves all)."""
        # sudo: the desk's, deal's and customer's companies are compared whoever writes the request.
        for task in self.sudo().filtered(lambda task: task.is_service_request and task.project_id.company_id):
            desk_company = task.project_id.company_id
            deal_company = task.service_order_id.company_id
            customer_company = task.partner_id.company_id
            other = deal_company if deal_company and deal_company != desk_company else customer_company
            if other and other != desk_company:
                raise ValidationError(
                    self.env._(
                        "Project: the service desk %(desk)s serves the customers of %(desk_company)s; the request "
                        "%(task)s is for %(other_company)s (its deal or customer). Open it in a service desk of "
                        "%(other_company)s.",
                        desk=task.project_id.name,
                        desk_company=desk_company.name,
                        task=task.name,
                        other_company=other.name,
                    )
                )

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        projects = self.env["project.project"]
        for vals in vals_list:
            check_service_priority(self.env, vals.get("service_priority"), self.env._("Service Priority"))
            self._erp_crm_check_values(vals)  # before reading the project's and the deal's ids
            project = projects.browse(vals.get("project_id") or self.env.context.get("default_project_id"))
            if project and project.is_service_desk and not vals.get("service_type_id") and project.service_type_id:
                vals["service_type_id"] = project.service_type_id.id
        self._check_service_order_access(vals_list)
        self._erp_crm_check_stage_entry_untouched(vals_list)
        tasks = super().create(vals_list)
        tasks._check_service_order_customer()  # after create: the deal may come from the context's defaults
        requests = tasks.filtered("is_service_request")
        if requests:
            requests._erp_crm_sla_sync()
            for request in requests.filtered("partner_id"):
                # the customer follows the request: replies thread on it, and the portal shows it to them only
                request.message_subscribe(request.partner_id.ids)
            # a request created in a stage enters it: the stage's robots run (project_task_robot.py)
            requests._erp_crm_after_stage_entry()
        return tasks

    def write(self, vals):
        check_service_priority(self.env, vals.get("service_priority"), self.env._("Service Priority"))
        if "service_priority" in vals and not self.env.context.get("erp_crm_priority_from_ranking"):
            vals = {**vals, "service_priority_manual": bool(vals["service_priority"])}
        elif "service_type_id" in vals:
            vals = {**vals, "service_priority_manual": False}  # a new type gives its priority again
        self._erp_crm_check_values(vals)  # before reading the deal's id
        self._check_service_order_access([vals])
        self._erp_crm_check_stage_entry_untouched([vals])
        was_waiting = {task.id: task.stage_id.is_customer_wait for task in self} if "stage_id" in vals else {}
        previous_stage = {task.id: task.stage_id for task in self} if "stage_id" in vals else {}
        result = super().write(vals)
        if {"service_order_id", "partner_id"} & vals.keys():
            self._check_service_order_customer()
        if {"stage_id", "state", "service_type_id", "service_priority", "project_id"} & vals.keys():
            # a task moved out of a service desk is synced too: its open SLAs go
            tasks = self if "project_id" in vals else self.filtered("is_service_request")
            if tasks:
                tasks._erp_crm_sla_after_write(vals, was_waiting)
        if previous_stage:
            # requests that really changed stage enter it, once for the batch: the stage's robots run
            self.filtered(lambda task: task.stage_id != previous_stage[task.id])._erp_crm_after_stage_entry()
        return result

    @api.model
    def _check_service_order_access(self, vals_list):
        """A request may only point at a deal its author may read (the link does not move the deal)."""
        if self.env.su:
            return
        order_ids = {vals["service_order_id"] for vals in vals_list if vals.get("service_order_id")}
        if order_ids:
            self.env["sale.order"].browse(order_ids).check_access("read")

    def _check_service_order_customer(self):
        """A request is about a deal of its own customer (the same commercial entity): linked to another customer's
        deal, it would show on that deal and run its robots for the wrong customer. Only those who may edit the deal
        (its salespeople, who see both customers) may link it on purpose."""
        if self.env.su:
            return
        for task in self.filtered(lambda task: task.service_order_id and task.partner_id):
            # sudo: the deal's customer is compared for users who may not read it; it is not shown to them.
            task_sudo = task.sudo()
            deal = task_sudo.service_order_id
            if deal.partner_id.commercial_partner_id == task_sudo.partner_id.commercial_partner_id:
                continue
            if deal.with_env(self.env).has_access("write"):
                continue
            raise ValidationError(
                self.env._(
                    "Deal: %(deal)s is not a deal of the request's customer %(customer)s. Link one of that "
                    "customer's deals, or leave the deal empty.",
                    deal=deal.name,
                    customer=task.partner_id.display_name,
                )
            )

    # ------------------------------------------------------------
    # BUSINESS: SLA lines
    # ------------------------------------------------------------

    def _erp_crm_sla_lines(self):
        # sudo: SLA lines are the request's bookkeeping, written by the system for whoever may edit the request
        # (service users only read them).
        return self.sudo().sla_ids

    def _erp_crm_sla_sync(self):
        """Give each request the SLA lines of its project's matching policies, counted from its arrival; drop the
        open lines of policies that no longer match (after a change of type or priority)."""
        now = fields.Datetime.now()
        # sudo: SLA lines are written by the system only (see _erp_crm_sla_lines); policies were set by managers.
        stale = self.env["project.task.sla"].sudo()
        new_lines = []
        for task in self:
            lines = task._erp_crm_sla_lines()
            policies = task.project_id.sla_policy_ids.filtered(lambda policy, task=task: policy._matches(task))
            if not task.is_service_request:
                policies = policies.browse()
            stale |= lines.filtered(lambda line, p=policies: line.policy_id not in p and line.status in OPEN_STATUSES)
            if not policies - lines.policy_id:
                continue  # nothing to add (a task without project or outside a desk has no policy)
            calendar = task.project_id._erp_crm_service_calendar()
            # counted from the request's arrival: the start of its first SLAs (now, when it is created)
            start = min(lines.mapped("start_at"), default=now)
            for policy in policies - lines.policy_id:
                try:
                    new_lines.append(stale._prepare_line(task, policy, start, calendar))
                except ConfigurationOutOfRange as error:  # a legacy policy: the request still arrives, noted
                    task._erp_crm_note_setting_error(self.env._("No SLA for this request: %(error)s", error=error))
        stale.unlink()
        if new_lines:
            # sudo: as above, the system writes the request's SLA lines.
            lines = self.env["project.task.sla"].sudo().create(new_lines)
            for task, task_lines in lines.grouped("task_id").items():
                # a request typed in at a later stage (already answered) has reached those targets at once
                task._erp_crm_sla_reached(task_lines)._reach(now)
                if task.stage_id.is_customer_wait:
                    task_lines._pause(now)

    def _erp_crm_note_setting_error(self, text):
        """A setting that cannot be applied to these requests, noted in their chatter by OdooBot."""
        author = self.env["sale.funnel.robot"]._robot_author()
        # sudo: the system's note about its own settings, posted whoever created the request (a portal customer,
        # an email); fixed text, nothing user-written is rendered.
        for task in self.sudo():
            task.message_post(body=text, author_id=author.id, subtype_xmlid="mail.mt_note")

    def _erp_crm_sla_after_write(self, vals, was_waiting):
        if {"service_type_id", "service_priority", "project_id"} & vals.keys():
            self._erp_crm_sla_sync()
        if not {"stage_id", "state"} & vals.keys():
            return
        now = fields.Datetime.now()
        for task in self:
            lines = task._erp_crm_sla_lines()
            waiting = task.stage_id.is_customer_wait
            if was_waiting.get(task.id) and not waiting:
                lines._resume(now)
            elif waiting and not was_waiting.get(task.id, waiting):
                lines._pause(now)
            task._erp_crm_sla_reached(lines)._reach(now)

    def _erp_crm_sla_reached(self, lines):
        """The SLA ``lines`` whose target the request has reached: its stage or a later one, or closed as done."""
        self.ensure_one()
        if self.state == "1_done":
            return lines
        project = self.project_id
        if project not in self.stage_id.project_ids:
            return lines.browse()  # the order of another project's stages says nothing of this desk's targets
        key = (self.stage_id.sequence, self.stage_id.id)
        return lines.filtered(
            lambda line: project in line.stage_id.project_ids and key >= (line.stage_id.sequence, line.stage_id.id)
        )
