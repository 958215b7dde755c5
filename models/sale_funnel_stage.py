from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.condition import check_condition, condition_domain
from .erp_crm_input_guard import YEAR_HOURS

STAGE_KINDS = [("open", "Open"), ("won", "Won"), ("lost", "Lost")]
STAGE_TRIGGERS = [
    ("quotation_sent", "Quotation sent"),
    ("order_confirmed", "Order confirmed or signed"),
    ("invoice_posted", "An invoice is posted"),
    ("down_payment_paid", "A down payment is paid (at least X% of the total)"),
    ("fully_paid", "The order is fully invoiced and paid"),
    ("production_started", "First manufacturing order started"),
    ("production_done", "All manufacturing orders done"),
    ("delivered", "All deliveries done"),
    ("task_stage", "A linked task reaches a task stage"),
    ("task_closed", "A linked task is closed"),
    ("customer_ranked", "The customer is ranked into a class or segment (the condition below)"),
]


class SaleFunnelStage(models.Model):
    _name = "sale.funnel.stage"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Sales Funnel Stage"
    _order = "sequence, id"

    funnel_id = fields.Many2one("sale.funnel", string="Funnel", required=True, index=True, ondelete="cascade")
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    fold = fields.Boolean(string="Folded in Pipeline")
    # No aggregator: a sum or an average of the stages' settings means nothing in a grouped stage list.
    probability = fields.Float(string="Probability (%)", default=10.0, aggregator=None)
    kind = fields.Selection(STAGE_KINDS, required=True, default="open")
    requirements = fields.Text(
        string="To Do in This Stage", translate=True, help="Shown to users in the pipeline and on the deal."
    )
    max_hours = fields.Float(
        string="Time Limit (working hours)",
        aggregator=None,
        help="Maximum time a deal should stay in this stage, counted in working hours. 0 means no limit.",
    )
    company_id = fields.Many2one(related="funnel_id.company_id", store=True, index=True)
    robot_ids = fields.One2many("sale.funnel.robot", "stage_id", string="Robots", context={"active_test": False})
    deal_count = fields.Integer(string="Deals", compute="_compute_deal_count")

    # ERP triggers, gates and entry effects (see sale_order_trigger.py and sale_order_gate.py)
    # Triggers: "enter this stage when..."
    trigger = fields.Selection(
        STAGE_TRIGGERS,
        string="Enter When",
        help="Deals move here by themselves when this happens, if this stage is ahead of theirs. "
        "When several stages are satisfied, a deal goes to the last one. Won and lost deals never move.",
    )
    trigger_percent = fields.Float(string="Paid at Least (%)", default=100.0)
    trigger_domain = fields.Char(
        string="Only for Deals Matching",
        help="The trigger moves only the deals matching this domain, e.g. [('erp_crm_abc_class', '=', 'a')] for the "
        "deals of A customers or [('erp_crm_rfm_segment', 'in', ['at_risk', 'cant_lose'])]. Empty: every deal. "
        "Literal values only, and the placeholders uid, today and now, as in robot conditions.",
    )
    trigger_task_stage_id = fields.Many2one(
        "project.task.type",
        string="Task Stage",
        ondelete="restrict",
        help="A task linked to the deal reaching this stage moves the deal here. "
        "When the funnel's robots create tasks in projects, the task stage must belong to one of them.",
    )
    # Financial gates: "a deal may only enter when..."
    gate_prepaid_percent = fields.Float(
        string="Prepaid at Least (%)", help="Share of the order total that must be paid before entering. 0: no gate."
    )
    gate_no_overdue_invoices = fields.Boolean(
        string="No Overdue Invoices", help="Refuse deals whose customer has overdue unpaid invoices."
    )
    gate_field_ids = fields.Many2many(
        "ir.model.fields",
        "sale_funnel_stage_gate_field_rel",
        "stage_id",
        "field_id",
        string="Filled In",
        domain=lambda self: self._get_gate_field_domain(),
        help="Fields of the deal that must be filled in before it enters, e.g. the installation date to enter "
        "Installation, the appointment to enter Measurement.",
    )
    gate_activity = fields.Boolean(
        string="Collection Activity",
        help="When an automatic move (ERP trigger, robot) is held back by a gate, "
        "schedule a collection activity on the deal.",
    )
    gate_activity_user_id = fields.Many2one(
        "res.users",
        string="Collection By",
        domain="[('share', '=', False)]",
        help="Who gets the collection activity (the accountant). Empty: the deal's salesperson.",
    )
    # On entry
    confirm_order_on_entry = fields.Boolean(
        string="Confirm Order on Entry",
        help="Entering this stage confirms the quotation: made-to-order and manufacture routes create their "
        "manufacturing orders. A confirmation error refuses the move.",
    )
    # Customer's progress page (portal order page)
    internal = fields.Boolean(
        string="Internal Stage", help="Hidden from customers: their order page shows the last stage before it."
    )
    portal_name = fields.Char(
        string="Name Shown to Customers",
        translate=True,
        help="The step's name on the customer's order page, e.g. “Your windows are being made” for Production "
        "(empty: the stage's name).",
    )
    customer_note = fields.Char(
        string="Shown to Customers",
        translate=True,
        help="What the customer reads about this step on their order page, e.g. “We measure your windows on site”.",
    )
    # The robot board shows them above each column's robots (what moves deals here, what lets them in).
    board_trigger = fields.Char(string="Moves Here When", compute="_compute_board_rules")
    board_gates = fields.Text(string="Lets Deals In When", compute="_compute_board_rules")

    _probability_range = models.Constraint(
        "CHECK(probability >= 0 AND probability <= 100)", "A stage's probability must be between 0 and 100%."
    )
    _max_hours_positive = models.Constraint("CHECK(max_hours >= 0)", "A stage's time limit cannot be negative.")
    _trigger_percent_range = models.Constraint(
        "CHECK(trigger_percent >= 0 AND trigger_percent <= 100)", "A trigger's percentage must be between 0 and 100%."
    )
    _gate_prepaid_percent_range = models.Constraint(
        "CHECK(gate_prepaid_percent >= 0 AND gate_prepaid_percent <= 100)",
        "A prepaid gate must be between 0 and 100%.",
    )

    @api.model
    def _erp_crm_number_bounds(self):
        return {
            **super()._erp_crm_number_bounds(),
            "probability": (0, 100, None),
            "max_hours": (0, YEAR_HOURS, self.env._("a year")),
            "trigger_percent": (0, 100, None),
            "gate_prepaid_percent": (0, 100, None),
        }

    def _compute_deal_count(self):
        counts = self._get_deal_counts()
        for stage in self:
            stage.deal_count = counts.get(stage, 0)

    @api.depends(
        "trigger",
        "trigger_percent",
        "trigger_task_stage_id",
        "gate_prepaid_percent",
        "gate_no_overdue_invoices",
        "gate_customer_class",
        "gate_field_ids",
    )
    def _compute_board_rules(self):
        classes = dict(self._fields["gate_customer_class"]._description_selection(self.env))
        for stage in self:
            trigger = stage._trigger_describe()
            stage.board_trigger = trigger and self.env._("%(trigger)s → moves here", trigger=trigger)
            gates = []
            if stage.gate_prepaid_percent:
                gates.append(self.env._("Prepaid at least %(percent)s%%", percent=f"{stage.gate_prepaid_percent:g}"))
            if stage.gate_no_overdue_invoices:
                gates.append(self.env._("Customer has no overdue invoices"))
            if stage.gate_customer_class:
                gates.append(
                    self.env._("Customer class %(customer_class)s", customer_class=classes[stage.gate_customer_class])
                )
            if labels := stage._get_gate_field_labels():
                gates.append(self.env._("Filled in: %(fields)s", fields=labels))
            stage.board_gates = "\n".join(gates)

    @api.constrains("probability")
    def _check_probability(self):
        # Same rule as the SQL constraint, checked first so the user reads which stage is wrong.
        for stage in self:
            if not 0 <= stage.probability <= 100:
                raise ValidationError(
                    self.env._(
                        "The probability of stage “%(stage)s” must be between 0 and 100%%, not %(value)s.",
                        stage=stage.name,
                        value=stage.probability,
                    )
                )

    @api.constrains("trigger_percent", "gate_prepaid_percent")
    def _check_erp_percentages(self):
        # Same rules as the SQL constraints, checked first so the user reads which stage is wrong.
        for stage in self:
            for label, value in (
                (self.env._("paid percentage of the trigger"), stage.trigger_percent),
                (self.env._("prepaid percentage of the gate"), stage.gate_prepaid_percent),
            ):
                if not 0 <= value <= 100:
                    raise ValidationError(
                        self.env._(
                            "The %(what)s of stage “%(stage)s” must be between 0 and 100%%, not %(value)s%%.",
                            what=label,
                            stage=stage.name,
                            value=value,
                        )
                    )

    @api.constrains("trigger", "trigger_domain")
    def _check_trigger_domain(self):
        for stage in self.filtered("trigger_domain"):
            check_condition(
                stage._get_trigger_condition,
                self.env["sale.order"],
                lambda error, stage=stage: self.env._(
                    "Only for Deals Matching: the condition of stage “%(stage)s” cannot be read (%(error)s).",
                    stage=stage.name,
                    error=error,
                ),
            )

    @api.constrains("trigger", "trigger_task_stage_id")
    def _check_trigger_task_stage(self):
        # The task stage must be one of the projects where the funnel's task robots create their tasks
        # (when it has any).
        for funnel, stages in self.filtered("trigger_task_stage_id").grouped("funnel_id").items():
            projects = funnel.robot_ids.filtered(lambda r: r.active and r.kind == "task").project_id
            for stage in stages:
                task_stage = stage.trigger_task_stage_id
                if projects and not task_stage.project_ids & projects:
                    raise ValidationError(
                        self.env._(
                            "The task stage “%(task_stage)s” of stage “%(stage)s” is not used by the project "
                            "“%(projects)s” where this funnel's robots create their tasks: choose a stage of "
                            "that project.",
                            task_stage=task_stage.name,
                            stage=stage.name,
                            projects=", ".join(projects.mapped("name")),
                        )
                    )

    @api.constrains("gate_field_ids")
    def _check_gate_fields(self):
        # sudo: ir.model.fields is for administrators; only the picked fields' metadata is compared.
        allowed = self.env["ir.model.fields"].sudo().search(self._get_gate_field_domain())
        for stage in self:
            # sudo: compared with the allowed fields read above (ir.model.fields is for administrators).
            wrong = stage.sudo().gate_field_ids - allowed
            if wrong:
                raise ValidationError(
                    self.env._(
                        "Filled In: stage “%(stage)s” can only ask for a date, a text, a choice or a record of the "
                        "deal that a person fills in, not %(fields)s.",
                        stage=stage.name,
                        fields=", ".join(wrong.mapped("field_description")),
                    )
                )

    @api.constrains("kind", "funnel_id")
    def _check_funnel_keeps_open_stage(self):
        self.funnel_id._check_has_open_stage()
        for stage in self:
            moved_deals = self.env["sale.order"].search_count(
                [("stage_id", "=", stage.id), ("funnel_id", "!=", stage.funnel_id.id)], limit=1
            )
            if moved_deals:
                raise ValidationError(
                    self.env._(
                        "Stage “%(stage)s” holds deals of another funnel; move them before changing its funnel.",
                        stage=stage.name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_stage_with_deals(self):
        counts = self._get_deal_counts()
        for stage in self:
            if counts.get(stage):
                raise UserError(
                    self.env._(
                        "Stage “%(stage)s” still holds %(count)s deal(s). "
                        "Move them to another stage before deleting it.",
                        stage=stage.name,
                        count=counts[stage],
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_last_open_stage(self):
        for funnel in self.funnel_id:
            remaining = funnel.stage_ids - self
            if funnel.stage_ids and not remaining.filtered(lambda s: s.kind == "open"):
                raise UserError(
                    self.env._(
                        "The funnel “%(funnel)s” needs at least one open stage; this one cannot be deleted.",
                        funnel=funnel.name,
                    )
                )

    def _get_trigger_condition(self):
        """The trigger's condition as a Domain, parsed as robot conditions are (literals and placeholders only,
        nothing evaluated); TRUE when the trigger applies to every deal."""
        self.ensure_one()
        return condition_domain(self, self.trigger_domain)

    @api.model
    def _get_gate_field_domain(self):
        """Fields of the deal a stage may ask to be filled in before entry: stored, written by people, and of a kind
        whose emptiness is plain (no numbers, where 0 is a value, no booleans, no x2many)."""
        return [
            ("model", "=", "sale.order"),
            ("store", "=", True),
            ("readonly", "=", False),
            ("ttype", "in", ["char", "text", "date", "datetime", "many2one", "selection"]),
            ("name", "not in", ["stage_id", "funnel_id", "company_id", "lost_reason_id"]),
        ]

    def _get_gate_field_labels(self):
        """The labels of the fields the stage asks for, in the user's language, e.g. “Installation Date”."""
        self.ensure_one()
        # sudo: ir.model.fields is for administrators; only the labels of the stage's own fields are read.
        return ", ".join(self.sudo().gate_field_ids.mapped("field_description"))

    def _get_deal_counts(self):
        """Number of deals per stage, in one grouped query."""
        return dict(
            self.env["sale.order"]
            .with_context(active_test=False)
            ._read_group([("stage_id", "in", self.ids)], ["stage_id"], ["__count"])
        )

    # ------------------------------------------------------------
    # CUSTOMER RANKING (see sale_order_ranking.py): a gate on the customer's class
    # ------------------------------------------------------------

    gate_customer_class = fields.Selection(
        [("a", "A"), ("b", "A or B")],
        string="Customer Class at Least",
        help="Only deals whose customer has this class (in the deal's company) may enter; unranked customers may not.",
    )
