from odoo import api, fields, models

# Fields whose change can link a task to another order (Odoo computes ``sale_order_id`` from them, sale_project).
DEAL_LINK_FIELDS = frozenset({"sale_order_id", "sale_line_id", "project_id", "parent_id", "partner_id", "milestone_id"})


class ProjectTask(models.Model):
    """Thin hook: tasks linked to a deal changing stage or being closed tell the deal.

    Odoo's link stays Odoo's: a project user may create tasks on an order line (that is how service time is
    billed). But a task drives its deal (a closed installation task wins it) only when the link was made by someone
    who may edit that deal, or by the system (the deal's own robot, Odoo's task generation on confirmation): a
    project user without sales rights on it cannot plant a task that moves it (``erp_crm_moves_deal``).
    """

    _inherit = "project.task"

    erp_crm_moves_deal = fields.Boolean(
        string="Drives Its Deal",
        default=True,
        copy=False,
        groups="base.group_system",
        help="The task's stage and closing move its deal (ERP triggers). Set when the task is linked to a deal: "
        "only a link made by a user who may edit the deal, or by the system, moves it.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._erp_crm_check_values(vals, fnames=("sale_order_id", "sale_line_id"))  # ids before reading them
        tasks = super(ProjectTask, self._erp_crm_for_links(vals_list)).create(vals_list).with_env(self.env)
        tasks.filtered("sale_order_id")._erp_crm_vouch_deal_links()
        tasks.sale_order_id._erp_crm_on_event("task")
        return tasks

    def write(self, vals):
        self._erp_crm_check_values(vals, fnames=("sale_order_id", "sale_line_id"))  # ids before reading them
        links = {task.id: task.sale_order_id for task in self} if DEAL_LINK_FIELDS & vals.keys() else None
        result = super(ProjectTask, self._erp_crm_for_links([vals])).write(vals)
        if links is not None:
            self.filtered(
                lambda task: task.sale_order_id and task.sale_order_id != links[task.id]
            )._erp_crm_vouch_deal_links()
        if {"stage_id", "state"} & vals.keys():
            self.sale_order_id._erp_crm_on_event("task")
        return result

    def _erp_crm_for_links(self, vals_list):
        """These records, with ERP triggers off when ``vals_list`` links tasks to a deal the user may not edit: what
        Odoo does on such a link (it confirms a quotation whose line gets a task) does not move the deal for them."""
        if self.env.su:
            return self
        order_ids = {vals["sale_order_id"] for vals in vals_list if vals.get("sale_order_id")}
        line_ids = {vals["sale_line_id"] for vals in vals_list if vals.get("sale_line_id")}
        if not order_ids and not line_ids:
            return self
        # sudo: only to find which orders are deals (a funnel set); the right to edit is then checked as the user.
        orders = self.env["sale.order"].sudo().browse(order_ids) | (
            self.env["sale.order.line"].sudo().browse(line_ids).order_id
        )
        deals = orders.exists().filtered("funnel_id")
        if deals == deals.with_env(self.env)._filtered_access("write"):
            return self
        return self.with_context(erp_crm_skip_triggers=True)

    def _erp_crm_vouch_deal_links(self):
        """These tasks were just linked to their order: record whether the link moves the deal (see the class)."""
        if self.env.su:
            movers = self
        else:
            # sudo: only to find which orders are deals (a funnel set); the right to edit is then checked as the user.
            deals = self.sudo().sale_order_id.filtered("funnel_id")
            editable = deals.with_env(self.env)._filtered_access("write")
            movers = self.filtered(lambda task: task.sale_order_id not in deals or task.sale_order_id in editable)
        # sudo: the flag is the system's bookkeeping (Settings only); it records the user's right checked above.
        (self - movers).sudo().write({"erp_crm_moves_deal": False})
        # sudo: the same bookkeeping flag, for the tasks whose link the user may make move the deal.
        movers.sudo().filtered(lambda task: not task.erp_crm_moves_deal).write({"erp_crm_moves_deal": True})
