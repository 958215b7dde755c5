from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

from ..tools import (
    BOOKKEEPING_FIELDS,
    DOOR_FIELDS,
    ConfigurationOutOfRange,
    claim_batch,
    escalate_once,
    format_minutes,
    restricted_search,
    send_digest,
)

WON_STATUS = [("pending", "In Progress"), ("won", "Won"), ("lost", "Lost")]


class SaleOrder(models.Model):
    """The deal: a sale order moving through the stages of a funnel.

    Every stage change, whatever its origin (kanban drag, status bar, wizard, RPC, automation rule,
    ERP trigger), goes through ``write`` and from there through ``_apply_stage_move``: the one door
    that checks the move, records the history and runs what follows a stage entry.
    """

    _name = "sale.order"
    _inherit = ["sale.order", "erp.crm.input.guard"]  # erp_crm's fields: malformed values refused by name

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    title = fields.Char(string="Deal Title", tracking=True, help="What the customer wants, in a few words.")
    funnel_id = fields.Many2one("sale.funnel", index=True, tracking=True, check_company=True, ondelete="restrict")
    # Staff only, as the rest of the deal's pipeline: a customer sees the stages meant for them on the portal page
    # (_get_portal_progress), never the internal stage names or that the deal is lost.
    stage_id = fields.Many2one(
        "sale.funnel.stage",
        string="Stage",
        index=True,
        tracking=True,
        copy=False,
        ondelete="restrict",
        group_expand="_read_group_stage_ids",
        domain="[('funnel_id', '=', funnel_id)]",
        groups="base.group_user",
    )
    stage_kind = fields.Selection(related="stage_id.kind", string="Stage Kind", groups="base.group_user")
    stage_requirements = fields.Text(
        related="stage_id.requirements", string="To Do in This Stage", groups="base.group_user"
    )
    date_stage = fields.Datetime(string="Stage Entered At", copy=False, readonly=True, groups="base.group_user")
    stage_hours = fields.Float(
        string="Time in Stage (hours)",
        compute="_compute_stage_age",
        groups="base.group_user",
        help="Calendar hours since the deal entered its current stage.",
    )
    stage_age_display = fields.Char(string="Time in Stage", compute="_compute_stage_age", groups="base.group_user")
    won_status = fields.Selection(
        WON_STATUS,
        string="Deal Status",
        compute="_compute_won_status",
        store=True,
        index=True,
        copy=False,
        groups="base.group_user",
    )
    lost_reason_id = fields.Many2one(
        "sale.lost.reason",
        string="Lost Reason",
        index="btree_not_null",
        tracking=True,
        copy=False,
        ondelete="restrict",
        groups="base.group_user",
    )
    stage_history_ids = fields.One2many(
        "sale.funnel.stage.history", "order_id", string="Stage History", groups="base.group_user"
    )
    appointment_at = fields.Datetime(
        string="Appointment",
        tracking=True,
        copy=False,
        help="Agreed date and time of the next visit (e.g. measurement).",
    )
    role_user_ids = fields.One2many(
        "sale.order.role.user", "order_id", string="People by Role", groups="base.group_user"
    )
    role_summary = fields.Char(string="People", compute="_compute_role_summary", groups="base.group_user")
    robot_run_ids = fields.One2many("sale.funnel.robot.run", "order_id", string="Robot Log", groups="base.group_user")
    sla_deadline = fields.Datetime(
        string="Stage Time Limit",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="When the deal exceeds its stage's time limit.",
    )
    sla_escalated = fields.Boolean(copy=False, readonly=True, groups="base.group_user")
    is_rotting = fields.Boolean(
        string="Past Time Limit", compute="_compute_is_rotting", search="_search_is_rotting", groups="base.group_user"
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("date_stage")
    def _compute_stage_age(self):
        now = fields.Datetime.now()
        for order in self:
            if not order.date_stage:
                order.stage_hours = 0.0
                order.stage_age_display = False
                continue
            seconds = max((now - order.date_stage).total_seconds(), 0)
            order.stage_hours = seconds / 3600.0
            order.stage_age_display = format_minutes(self.env, seconds // 60)

    @api.depends("stage_id.kind", "lost_reason_id")
    def _compute_won_status(self):
        for order in self:
            if order.lost_reason_id or order.stage_id.kind == "lost":
                order.won_status = "lost"
            elif order.stage_id.kind == "won":
                order.won_status = "won"
            else:
                order.won_status = "pending"

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """Kanban columns: every stage of the funnel(s) being looked at, empty ones included.

        Lost stages only show when they hold a visible deal: lost deals leave the pipeline.
        """
        funnel_ids = self._get_funnel_ids_from_domain(domain)
        if not funnel_ids and self.env.context.get("default_funnel_id"):
            funnel_ids = [self.env.context["default_funnel_id"]]
        if not funnel_ids:
            funnel_ids = (
                stages.funnel_id.ids or self.env["sale.funnel"]._get_default_funnel(self.env.user.sale_team_id).ids
            )
        search_domain = Domain("id", "in", stages.ids) | (
            Domain("funnel_id", "in", funnel_ids) & Domain("kind", "!=", "lost")
        )
        return stages.search(search_domain, order=stages._order)

    @api.model
    def _get_funnel_ids_from_domain(self, domain):
        funnel_ids = []
        for condition in Domain(domain).iter_conditions():
            if condition.field_expr != "funnel_id":
                continue
            if condition.operator == "in" and all(isinstance(v, int) for v in condition.value):
                funnel_ids.extend(condition.value)
            elif condition.operator == "=" and isinstance(condition.value, int):
                funnel_ids.append(condition.value)
        return funnel_ids

    # ------------------------------------------------------------
    # CONSTRAINTS AND ONCHANGES
    # ------------------------------------------------------------

    @api.constrains("stage_id", "funnel_id")
    def _check_stage_in_funnel(self):
        for order in self:
            if order.stage_id:
                order._check_stage_of_funnel(order.stage_id, order.funnel_id)

    def _check_stage_of_funnel(self, stage, funnel):
        """Refuse ``stage`` unless it belongs to ``funnel`` (the deal's funnel, now or after the write)."""
        self.ensure_one()
        if stage.funnel_id != funnel:
            raise ValidationError(
                self.env._(
                    "Deal %(deal)s cannot be in stage “%(stage)s”: that stage belongs to the funnel "
                    "“%(stage_funnel)s”, not to the deal's funnel “%(funnel)s”.",
                    deal=self.name,
                    stage=stage.name,
                    stage_funnel=stage.funnel_id.name,
                    funnel=funnel.name or self.env._("none"),
                )
            )

    @api.constrains("stage_id", "lost_reason_id")
    def _check_lost_has_reason(self):
        for order in self:
            if order.stage_id.kind == "lost" and not order.lost_reason_id:
                raise ValidationError(
                    self.env._(
                        "Deal %(deal)s can only be lost with a reason: use “Mark as Lost”.",
                        deal=order.name,
                    )
                )

    @api.onchange("team_id")
    def _onchange_team_id_funnel(self):
        for order in self:
            funnel = order._get_funnel_for_team(order.team_id)
            if funnel != order.funnel_id:
                order.funnel_id = funnel

    @api.onchange("funnel_id")
    def _onchange_funnel_id_stage(self):
        for order in self:
            if order.stage_id.funnel_id != order.funnel_id:
                order.stage_id = order.funnel_id._get_first_open_stage() if order.funnel_id else False

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._check_bookkeeping_untouched(vals_list)
        Funnel = self.env["sale.funnel"]
        now = fields.Datetime.now()
        vals_list = self._add_stage_from_context(vals_list)
        for vals, stage in zip(vals_list, self._get_stages_from_vals(vals_list), strict=True):
            self._erp_crm_check_values(vals)  # the stage has its own message; the funnel's id is read below
            self._check_lost_reason_given_by_losing(vals, stage)
            if stage and not vals.get("funnel_id"):
                vals["funnel_id"] = stage.funnel_id.id
            elif stage and vals["funnel_id"] != stage.funnel_id.id:
                raise ValidationError(
                    self.env._(
                        "Stage: “%(stage)s” belongs to the funnel “%(stage_funnel)s”, not to the funnel “%(funnel)s” "
                        "given for the new deal.",
                        stage=stage.name,
                        stage_funnel=stage.funnel_id.name,
                        funnel=Funnel.browse(vals["funnel_id"]).name,
                    )
                )
            elif vals.get("funnel_id") and not stage:
                vals["stage_id"] = Funnel.browse(vals["funnel_id"])._get_first_open_stage().id
            if vals.get("stage_id"):
                # Only the system may bring the date a deal entered its stage (data files, migrations).
                vals.setdefault("date_stage", now)
        orders = super().create(vals_list)
        orders.filtered(lambda o: not o.funnel_id)._assign_default_funnel(now)
        staged = orders.filtered("stage_id")
        # A deal created in a stage enters it through the same checks and effects as a move into it.
        for stage, stage_orders in staged.grouped("stage_id").items():
            stage_orders._check_stage_move(stage, {})
            stage_orders._before_stage_entry(stage)
        entries = staged._record_stage_history(now)
        staged._after_stage_entry({}, entries)
        orders.filtered("appointment_at")._erp_crm_sync_appointment_events()  # sale_order_appointment.py
        return orders

    def write(self, vals):
        self._check_bookkeeping_untouched([vals])
        stage = self._get_stages_from_vals([vals])[0] if "stage_id" in vals else None
        self._erp_crm_check_values(vals)  # before the funnel's id is read to split the write
        self._check_lost_reason_given_by_losing(vals, stage)
        previous_users = {order.id: order.user_id for order in self} if "user_id" in vals else {}
        result = True
        for orders, orders_vals in self._split_write_by_funnel(vals):
            result &= orders._write_deal(orders_vals)
        if previous_users:
            self._erp_crm_hand_over(previous_users)  # sale_order_handover.py
        if vals.keys() & {"appointment_at", "partner_id", "partner_shipping_id", "user_id"}:
            self._erp_crm_sync_appointment_events()  # sale_order_appointment.py
        if vals.get("signature"):
            # Signed on the portal, possibly still waiting for its prepayment: "confirmed or signed" is met.
            self._erp_crm_on_event("order_confirmed")
        return result

    @api.model
    def _get_bookkeeping_fields(self):
        """Fields only the stage-move door and the computations write (hook: other modules add theirs)."""
        return set(BOOKKEEPING_FIELDS)

    @api.model
    def _check_bookkeeping_untouched(self, vals_list):
        """Refuse writes of bookkeeping fields: a deal's figures come from the door and the accounting, never
        from a user (a writable ``paid_percent`` would open the prepaid gate)."""
        if self.env.su:
            return
        bookkeeping = self._get_bookkeeping_fields()
        touched = {fname for vals in vals_list for fname in vals if fname in bookkeeping}
        if touched:
            raise UserError(
                self.env._(
                    "%(fields)s cannot be written: these figures are kept by the deal itself (stage moves, "
                    "invoices, payments, manufacturing and deliveries).",
                    fields=", ".join(sorted(self._fields[fname].string for fname in touched)),
                )
            )

    def _check_lost_reason_given_by_losing(self, vals, stage=None):
        """A lost reason is given by losing the deal (“Mark as Lost”: a move into its funnel's lost stage, or the
        reason alone in a funnel without one), never written on a deal that stays open: it would count as lost
        without its lost stage, history and robots. ``stage``: the stage ``vals`` moves the deals to (None: none)."""
        if self.env.su or not vals.get("lost_reason_id") or (stage is not None and stage.kind == "lost"):
            return
        # deals keep their stage when ``vals`` does not move them (a lost deal's reason may be corrected)
        staying_open = self.filtered(
            lambda o: stage is not None or (o.stage_id.kind != "lost" and o.funnel_id and o.funnel_id._get_lost_stage())
        )
        if staying_open or (not self and stage is not None):  # a new deal starts in ``stage``
            raise UserError(
                self.env._(
                    "Lost Reason: %(deals)s would stay open with a lost reason. A deal is lost with “Mark as Lost”, "
                    "which moves it to its funnel's lost stage.",
                    deals=", ".join(staying_open.mapped("name")) or self.env._("a new deal"),
                )
            )

    @api.model
    def _add_stage_from_context(self, vals_list):
        """``vals_list`` with the stage the context gives (``default_stage_id``: a kanban column, an integration),
        so that a deal created in a column enters it through the door like one given its stage in ``vals``."""
        stage_id = self.env.context.get("default_stage_id")
        if not stage_id:
            return vals_list
        return [vals if "stage_id" in vals else {**vals, "stage_id": stage_id} for vals in vals_list]

    @api.model
    def _get_stages_from_vals(self, vals_list):
        """The stage each of ``vals_list`` names (empty when none), all read in one query that also loads what the
        door reads of them next (checks, gates, effects); a value that is not one stage is refused clearly."""
        Stage = self.env["sale.funnel.stage"]
        ids = set()
        for vals in vals_list:
            value = vals.get("stage_id")
            if value is False or value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError(
                    self.env._("Stage: %(value)r is not a stage; give the id of one stage.", value=value)
                )
            ids.add(value)
        stages = Stage.search_fetch([("id", "in", list(ids))], self._get_stage_move_fields()) if ids else Stage
        if missing := ids - set(stages.ids):
            raise ValidationError(self.env._("Stage: there is no stage with the id %(value)s.", value=min(missing)))
        by_id = {stage.id: stage for stage in stages}
        return [by_id.get(vals.get("stage_id"), Stage) for vals in vals_list]

    @api.model
    def _get_stage_move_fields(self):
        """Fields of the target stage that a stage move reads (hook: modules reading more add theirs)."""
        return [
            "funnel_id",
            "name",
            "kind",
            "sequence",
            "max_hours",
            "gate_prepaid_percent",
            "gate_no_overdue_invoices",
            "confirm_order_on_entry",
        ]

    @api.private
    def _write_deal(self, vals):
        if "stage_id" not in vals:
            return super().write(vals)
        return self._apply_stage_move(self.env["sale.funnel.stage"].browse(vals["stage_id"]), vals)

    def _split_write_by_funnel(self, vals):
        """Split a write so that deals whose funnel changes restart in their new funnel's first stage."""
        if not self or "stage_id" in vals or not {"team_id", "funnel_id"} & vals.keys():
            return [(self, vals)]
        Funnel = self.env["sale.funnel"]
        if "funnel_id" in vals:
            funnel = Funnel.browse(vals["funnel_id"])
            groups = {funnel: self}
        else:
            team = self.env["crm.team"].browse(vals["team_id"])
            groups = self.grouped(lambda order: order._get_funnel_for_team(team))
        batches = []
        for funnel, orders in groups.items():
            moving = orders.filtered(lambda o, funnel=funnel: o.funnel_id != funnel)
            if moving:
                stage = funnel._get_first_open_stage() if funnel else Funnel.browse()
                batches.append((moving, {**vals, "funnel_id": funnel.id, "stage_id": stage.id}))
            if orders - moving:
                batches.append((orders - moving, vals))
        return batches

    def _get_funnel_for_team(self, team):
        """The deal keeps its funnel while that funnel serves the team; otherwise it takes the team's funnel."""
        self.ensure_one()
        funnel = self.funnel_id
        if funnel and (not funnel.team_ids or team in funnel.team_ids):
            return funnel
        return self.env["sale.funnel"]._get_default_funnel(team, self.company_id) or funnel

    # ------------------------------------------------------------
    # THE STAGE-MOVE DOOR
    # ------------------------------------------------------------

    def _apply_stage_move(self, stage, vals):
        """The one door for stage moves: check, write, record the history, then react to the entry."""
        movers = self.filtered(lambda order: order.stage_id != stage)
        if not movers:
            return super().write(vals)
        previous_stages = {order.id: order.stage_id for order in movers}
        movers._check_stage_move(stage, vals)
        movers._before_stage_entry(stage)
        now = fields.Datetime.now()
        move_vals = {**vals, "date_stage": now}
        if stage.kind != "lost" and "lost_reason_id" not in vals:
            # Leaving a lost stage (or being won) means the deal is alive again.
            move_vals["lost_reason_id"] = False
        result = True
        if self - movers:
            result = super(SaleOrder, self - movers).write(vals)
        result &= super(SaleOrder, movers).write(move_vals)
        entries = movers._record_stage_history(now, previous_stages)
        movers._after_stage_entry(previous_stages, entries)
        return result

    def _check_stage_move(self, stage, vals):
        """Refuse moves that make no sense, before anything is written (hook for stage gates)."""
        if not stage:
            return
        funnel = self.env["sale.funnel"].browse(vals["funnel_id"]) if "funnel_id" in vals else None
        for order in self:
            order._check_stage_of_funnel(stage, order.funnel_id if funnel is None else funnel)
        if stage.kind == "lost" and not vals.get("lost_reason_id"):
            without_reason = self.filtered(lambda o: not o.lost_reason_id)
            if without_reason:
                raise UserError(
                    self.env._(
                        "%(deals)s cannot be moved to “%(stage)s” without a lost reason: use “Mark as Lost”.",
                        deals=", ".join(without_reason.mapped("name")),
                        stage=stage.name,
                    )
                )
        if stage.kind == "won":
            cancelled = self.filtered(lambda o: o.state == "cancel")
            if cancelled:
                raise UserError(
                    self.env._(
                        "%(deals)s is cancelled and cannot be won. Set it back to quotation first.",
                        deals=", ".join(cancelled.mapped("name")),
                    )
                )

    def _before_stage_entry(self, stage):
        """Entering a won stage confirms the quotations: a won deal is a confirmed sale."""
        if stage.kind == "won":
            quotations = self.filtered(lambda o: o.state in ("draft", "sent"))
            if quotations:
                quotations.action_confirm()

    def _after_stage_entry(self, previous_stages, entries=None):
        """Hook run once per stage entry, after the move is written: time limit, then the stage's robots.

        :param previous_stages: {order id: stage it left}
        :param entries: {order: its new stage-history row}
        """
        entries = entries or {}
        self._set_stage_time_limit()
        self.filtered(lambda order: order in entries)._run_stage_robots(entries)

    def _record_stage_history(self, date, previous_stages=None):
        """Close the deals' open history rows and open one for the stage they entered."""
        previous_stages = previous_stages or {}
        # sudo: the history is an audit trail written only here; users can read it, never write it.
        History = self.env["sale.funnel.stage.history"].sudo()
        if previous_stages:
            History._close_open_rows(self, date)
        staged = self.filtered("stage_id")
        rows = History.create(
            [
                {
                    "order_id": order.id,
                    "funnel_id": order.funnel_id.id,
                    "from_stage_id": previous_stages.get(order.id, self.env["sale.funnel.stage"]).id,
                    "stage_id": order.stage_id.id,
                    "user_id": self.env.uid,
                    "salesperson_id": order.user_id.id,
                    "company_id": order.company_id.id,
                    "date_in": order.date_stage or date,
                }
                for order in staged
            ]
        )
        return dict(zip(staged, rows.with_env(self.env), strict=True))

    def _assign_default_funnel(self, date):
        """Give deals created without a funnel the default funnel of their team, in its first stage."""
        Funnel = self.env["sale.funnel"]
        for (team, company), orders in self.grouped(lambda o: (o.team_id, o.company_id)).items():
            funnel = Funnel.with_company(company)._get_default_funnel(team, company)
            stage = funnel._get_first_open_stage() if funnel else False
            if stage:
                super(SaleOrder, orders).write({"funnel_id": funnel.id, "stage_id": stage.id, "date_stage": date})

    def _move_to_stage(self, stage):
        """Move deals to ``stage`` through the door (for wizards, triggers and other modules)."""
        return self.write({"stage_id": stage.id})

    # ------------------------------------------------------------
    # ROBOTS AND TIME LIMITS
    # ------------------------------------------------------------

    def _run_stage_robots(self, entries):
        """Plan the robots of the entered stages and run those due now; delayed ones wait for the cron.

        Robots finish the stage entry before anything moves the deal again: ERP events their work fires (a
        posted down payment, a created task) are collected and applied once, through the door, after all the
        robots of the entry ran.
        """
        # sudo: robots are the funnel's configuration, applied whoever moves the deal (a Sales user outside the
        # erp_crm groups included); only their ids and settings are read here, no user-written code is run.
        robots = (
            self.env["sale.funnel.robot"]
            .sudo()
            .search_fetch([("stage_id", "in", self.stage_id.ids)], self.env["sale.funnel.robot"]._get_planning_fields())
        )
        if not robots:
            return
        with self._erp_crm_events_deferred() as deals:
            # sudo: robots act for the managers who configured them (tasks in projects, invoices, messages to
            # other people), whatever the rights of the user who moved the deal; what they render or evaluate was
            # checked for its author when the robot was saved (see sale.funnel.robot).
            runs = robots.with_env(deals.env).sudo()._plan_runs(deals.sudo(), entries)
            runs._execute_with_move()

    # Hooks of the robot engine (sale.funnel.robot asks the records it works on; project.task answers for requests)

    def _erp_crm_robot_entry_values(self, entry):
        """Run values of this deal's stage entry (its history row), and when it entered."""
        return {
            "order_id": self.id,
            "history_id": entry.id,
            "stage_id": self.stage_id.id,
            "company_id": self.company_id.id,
        }, entry.date_in

    def _erp_crm_working_time_owner(self):
        """Whose working time counts the robots' delays and deadlines: the company's."""
        return self.company_id

    def _erp_crm_robot_skip_message(self):
        return self.env._("The deal does not meet the robot's condition.")

    def _erp_crm_robot_assignees(self, robot):
        """{deal: user} for the robot's role; the salesperson when no role (or nobody holds it)."""
        if robot.role_id:
            users = robot.role_id._get_users(self)
            return {order: users[order] or order.user_id for order in self}
        return {order: order.user_id for order in self}

    def _erp_crm_robot_manager(self):
        """Who is told when a robot fails on this deal: the funnel manager, else the salesperson."""
        return self.funnel_id.user_id or self.user_id

    def _erp_crm_robot_followers(self):
        """Who a robot notifies as "followers": the funnel's."""
        return self.funnel_id.message_partner_ids

    @api.model
    def _erp_crm_robot_protected_fields(self):
        """Fields no robot may update: the door's."""
        return DOOR_FIELDS

    def _set_stage_time_limit(self):
        """Deadline of the stage's time limit, in the company's working hours, counted from the entry. A time limit
        past any calendar (a legacy setting) leaves the deals without deadline, with a note: the move goes on."""
        for (stage, company), orders in self.grouped(lambda o: (o.stage_id, o.company_id)).items():
            deadline = False
            if stage.max_hours and stage.kind == "open":
                try:
                    deadline = company._erp_crm_add_working_time(orders[0].date_stage, stage.max_hours, "hours")
                except ConfigurationOutOfRange as error:
                    orders._erp_crm_note_setting_error(
                        self.env._("No time limit in stage “%(stage)s”: %(error)s", stage=stage.name, error=error)
                    )
            if orders.filtered(lambda o, d=deadline: o.sla_deadline != d or o.sla_escalated):
                super(SaleOrder, orders).write({"sla_deadline": deadline, "sla_escalated": False})

    def _erp_crm_note_setting_error(self, text):
        """A setting that cannot be applied to these deals, noted in their chatter by OdooBot for whoever reads it."""
        author = self.env["sale.funnel.robot"]._robot_author()
        # sudo: the system's note about its own settings, posted whoever moved the deal (an accountant's invoice,
        # a web request); fixed text, nothing user-written is rendered.
        for order in self.sudo():
            order.message_post(body=text, author_id=author.id, subtype_xmlid="mail.mt_note")

    @api.depends("funnel_id.role_ids", "role_user_ids.user_id", "user_id")
    def _compute_role_summary(self):
        for order in self:
            parts = []
            for role in order.funnel_id.role_ids:
                user = order._get_role_user(role)
                who = user.name if user else self.env._("in turn") if role.assignment == "round_robin" else "—"
                parts.append(f"{role.name}: {who}")
            order.role_summary = " · ".join(parts) or False

    def _get_role_user(self, role):
        """Who holds ``role`` on this deal now (no round-robin choice is made)."""
        self.ensure_one()
        line = self.role_user_ids.filtered(lambda r: r.role_id == role)[:1]
        if line.user_id:
            return line.user_id
        if role.assignment == "salesperson":
            return self.user_id
        if role.assignment == "user":
            return role.user_id
        return self.env["res.users"]

    @api.depends("sla_deadline", "won_status")
    def _compute_is_rotting(self):
        now = fields.Datetime.now()
        for order in self:
            order.is_rotting = bool(order.sla_deadline and order.won_status == "pending" and order.sla_deadline < now)

    @restricted_search("is_rotting")
    def _search_is_rotting(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        rotting = Domain([("sla_deadline", "<", fields.Datetime.now()), ("won_status", "=", "pending")])
        return rotting if (True in value) == (operator == "in") else ~rotting

    @api.model
    def _cron_erp_crm_time_limits(self, batch_size=500):
        """Tell each funnel manager, once, of the deals that stay in a stage past its time limit."""
        domain = [
            ("sla_deadline", "<", fields.Datetime.now()),
            ("won_status", "=", "pending"),
            ("sla_escalated", "=", False),
        ]
        escalate_once(
            self.env,
            claim=lambda limit: claim_batch(self, domain, limit, order="sla_deadline, id"),
            recipients_of=lambda deal: deal.funnel_id.user_id.partner_id,
            notify=lambda deals, partner: send_digest(
                deals, partner, self.env._("%(count)s deals are past their stage's time limit", count=len(deals))
            ),
            # the escalation mark is bookkeeping, not a change of the deal: past the door
            stamp=lambda deals: super().write({"sla_escalated": True}),
            batch_size=batch_size,
        )

    def _erp_crm_digest_line(self, partner):
        """What a digest says of this deal: its stage and how long it has been there."""
        self.ensure_one()
        return "sale.order", self.id, self.display_name, f"{self.stage_id.name}, {self.stage_age_display}"

    @api.readonly
    def action_open_dry_run(self):
        self.ensure_one()
        return {
            "name": self.env._("What happens if…"),
            "type": "ir.actions.act_window",
            "res_model": "sale.order.dry.run",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    # ------------------------------------------------------------
    # WON / LOST AND THE ORDER'S STATE
    # ------------------------------------------------------------

    def _action_cancel(self):
        result = super()._action_cancel()
        deals = self.filtered(lambda o: o.funnel_id and o.won_status != "lost")
        if deals:
            deals._mark_lost(self.env.ref("erp_crm.sale_lost_reason_cancelled"))
        return result

    def action_draft(self):
        lost_by_cancel = self.filtered(
            lambda o: o.state == "cancel" and o.lost_reason_id == self.env.ref("erp_crm.sale_lost_reason_cancelled")
        )
        result = super().action_draft()
        if lost_by_cancel:
            lost_by_cancel._restore_deal()
        return result

    def action_mark_lost(self):
        return {
            "name": self.env._("Mark as Lost"),
            "type": "ir.actions.act_window",
            "res_model": "sale.order.lost",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_ids": self.ids, "dialog_size": "medium"},
        }

    def action_restore(self):
        """Bring lost deals back into the pipeline (and cancelled orders back to quotations)."""
        cancelled = self.filtered(lambda o: o.state == "cancel")
        if cancelled:
            cancelled.action_draft()
        self.filtered(lambda o: o.won_status == "lost")._restore_deal()
        return True

    def _mark_lost(self, reason, feedback=None):
        """Mark deals lost with ``reason``: they go to their funnel's lost stage when it has one."""
        if not reason:
            raise UserError(self.env._("Choose a lost reason."))
        for funnel, orders in self.grouped("funnel_id").items():
            lost_stage = funnel._get_lost_stage() if funnel else False
            vals = {"lost_reason_id": reason.id}
            if lost_stage:
                vals["stage_id"] = lost_stage.id
            orders.write(vals)
        if feedback:
            for order in self:
                order.message_post(body=feedback)

    def _restore_deal(self):
        """Clear the lost reason; deals sitting in a lost stage return to the stage they were lost from."""
        in_lost_stage = self.filtered(lambda o: o.stage_id.kind == "lost")
        (self - in_lost_stage).write({"lost_reason_id": False})
        for order in in_lost_stage:
            order.write({"stage_id": order._get_stage_before_lost().id, "lost_reason_id": False})

    def _get_stage_before_lost(self):
        self.ensure_one()
        entry = self.stage_history_ids.filtered(lambda h: h.stage_id == self.stage_id)[:1]
        stage = entry.from_stage_id
        if not stage or stage.kind == "lost" or stage.funnel_id != self.funnel_id:
            stage = self.funnel_id._get_first_open_stage()
        return stage

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    @api.readonly
    @api.model
    def action_open_deals(self):
        """Open the pipeline on one funnel: the one in context, else the user's team's funnel."""
        action = self.env["ir.actions.act_window"]._for_xml_id("erp_crm.sale_order_action_deals")
        Funnel = self.env["sale.funnel"]
        funnel = Funnel.browse(self.env.context.get("erp_crm_funnel_id")).exists()
        funnel = funnel or Funnel._get_default_funnel(self.env.user.sale_team_id)
        if not funnel and self.env.user.has_group("erp_crm.erp_crm_group_manager"):
            # No funnel at all yet: the manager starts with the New Line of Business assistant.
            return self.env["ir.actions.act_window"]._for_xml_id("erp_crm.sale_funnel_setup_action")
        action["context"] = {"search_default_filter_pipeline": 1}
        if funnel:
            action["context"].update(searchpanel_default_funnel_id=funnel.id, default_funnel_id=funnel.id)
            action["display_name"] = funnel.name
        return action
