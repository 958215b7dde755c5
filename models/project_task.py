from odoo import api, models


class ProjectTask(models.Model):
    """Thin hook: tasks linked to a deal changing stage or being closed tell the deal."""

    _inherit = "project.task"

    @api.model_create_multi
    def create(self, vals_list):
        tasks = super().create(vals_list)
        tasks.sale_order_id._erp_crm_on_event("task")
        return tasks

    def write(self, vals):
        result = super().write(vals)
        if {"stage_id", "state"} & vals.keys():
            self.sale_order_id._erp_crm_on_event("task")
        return result
