from odoo import api, fields, models
from odoo.exceptions import ValidationError

STAGE_TRIGGERS = [
    ("quotation_sent", "Quotation sent"),
    ("order_confirmed", "Order confirmed or signed"),
    ("invoice_posted", "An invoice is posted"),
    ("down_payment_paid", "A down payment is paid (at least X% of the total)"),
    ("fully_paid", "The order is fully paid"),
    ("production_started", "First manufacturing order started"),
    ("production_done", "All manufacturing orders done"),
    ("delivered", "All deliveries done"),
    ("task_stage", "A linked task reaches a task stage"),
    ("task_closed", "A linked task is closed"),
]


class SaleFunnelStage(models.Model):
    """ERP side of a funnel stage: what makes deals enter it, what lets them in, what entering it does.

    Kept apart from ``sale_funnel_stage.py`` (the stage itself) so that the ERP triggers, the financial
    gates and the production option read as one feature.
    """

    _inherit = "sale.funnel.stage"

    # Triggers: "enter this stage when..."
    trigger = fields.Selection(
        STAGE_TRIGGERS,
        string="Enter When",
        help="Deals move here by themselves when this happens, if this stage is ahead of theirs. "
        "When several stages are satisfied, a deal goes to the last one. Won and lost deals never move.",
    )
    trigger_percent = fields.Float(string="Paid at Least (%)", default=100.0)
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

    _trigger_percent_range = models.Constraint(
        "CHECK(trigger_percent >= 0 AND trigger_percent <= 100)", "A trigger's percentage must be between 0 and 100%."
    )
    _gate_prepaid_percent_range = models.Constraint(
        "CHECK(gate_prepaid_percent >= 0 AND gate_prepaid_percent <= 100)",
        "A prepaid gate must be between 0 and 100%.",
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

    @api.constrains("trigger", "trigger_task_stage_id")
    def _check_trigger_task_stage(self):
        for stage in self:
            if stage.trigger == "task_stage" and not stage.trigger_task_stage_id:
                raise ValidationError(
                    self.env._(
                        "Stage “%(stage)s” moves deals on a task stage: choose that task stage.", stage=stage.name
                    )
                )
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
