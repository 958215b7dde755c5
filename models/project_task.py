from odoo import api, models


class ProjectTask(models.Model):
    """Thin hook: tasks linked to a deal changing stage or being closed tell the deal.

    A task drives its deal (a closed installation task wins it), so linking a task to a deal is reserved to the
    people who may edit that deal: a project user without sales rights on it cannot plant a task that moves it.
    """

    _inherit = "project.task"

    @api.model_create_multi
    def create(self, vals_list):
        self._check_deal_link_access(vals_list)
        tasks = super().create(vals_list)
        tasks.sale_order_id._erp_crm_on_event("task")
        return tasks

    def write(self, vals):
        self._check_deal_link_access([vals])
        result = super().write(vals)
        if {"stage_id", "state"} & vals.keys():
            self.sale_order_id._erp_crm_on_event("task")
        return result

    @api.model
    def _check_deal_link_access(self, vals_list):
        """Refuse linking tasks to deals (through an order or an order line) the user may not edit."""
        if self.env.su:
            return
        for vals in vals_list:
            self._erp_crm_check_values(vals, fnames=("sale_order_id", "sale_line_id"))  # ids before reading them
        order_ids = {vals["sale_order_id"] for vals in vals_list if vals.get("sale_order_id")}
        line_ids = {vals["sale_line_id"] for vals in vals_list if vals.get("sale_line_id")}
        if not order_ids and not line_ids:
            return
        # sudo: only to find which orders are deals (a funnel set); access is then checked as the user.
        orders = self.env["sale.order"].sudo().browse(order_ids) | (
            self.env["sale.order.line"].sudo().browse(line_ids).order_id
        )
        deals = orders.exists().filtered("funnel_id")
        if deals:
            deals.with_env(self.env).check_access("write")
