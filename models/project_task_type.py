from odoo import fields, models


class ProjectTaskType(models.Model):
    _inherit = "project.task.type"

    is_customer_wait = fields.Boolean(
        "Waiting for the Customer",
        help="Service requests in this stage wait for the customer: their SLA clocks stop, and their deadlines move by "
        "the working time spent here.",
    )
