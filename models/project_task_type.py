from odoo import fields, models


class ProjectTaskType(models.Model):
    _name = "project.task.type"
    # the guard first: erp_crm's fields (and NUL characters) refused by name before Odoo's own create or write works
    _inherit = ["erp.crm.input.guard", "project.task.type"]
    _erp_crm_refuse_unknown_fields = False  # Odoo's create and write still get values of their own

    is_customer_wait = fields.Boolean(
        "Waiting for the Customer",
        help="Service requests in this stage wait for the customer: their SLA clocks stop, and their deadlines move by "
        "the working time spent here.",
    )
    robot_ids = fields.One2many(
        "sale.funnel.robot",
        "task_stage_id",
        string="Robots",
        context={"active_test": False},
        help="What a service request entering this stage gets done: activities, emails, notes, notifications, "
        "field updates (the deals' robot engine).",
    )
