from markupsafe import Markup

from odoo import models


class SaleOrder(models.Model):
    """Hand-over: a deal given to another salesperson takes along the open robot work of its salesperson's roles
    (robots of the *deal's salesperson* roles or without a role, and the funnel's sales role), with a note."""

    _inherit = "sale.order"

    def _erp_crm_hand_over(self, previous_users):
        """After ``user_id`` changed: {deal id: previous salesperson}. The previous salesperson's open robot
        activities of the roles the salesperson holds go to the new one; the sales role's holder follows."""
        changed = self.filtered(lambda o: previous_users.get(o.id) and previous_users[o.id] != o.user_id)
        if not changed:
            return
        # sudo: robot activities and role assignments are the robots' bookkeeping; whoever may reassign the deal
        # hands over its robot work (only activities of the previous salesperson, on these deals, move).
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search([("res_model", "=", "sale.order"), ("res_id", "in", changed.ids), ("robot_run_id", "!=", False)])
        )
        by_deal = activities.grouped("res_id")
        for order in changed:
            order._erp_crm_hand_over_to(previous_users[order.id], by_deal.get(order.id, activities.browse()))

    def _erp_crm_hand_over_to(self, old, activities):
        """Give this deal's salesperson (new) ``old``'s open robot ``activities`` of the salesperson's roles."""
        self.ensure_one()
        new = self.user_id
        sales_role = self.funnel_id._erp_crm_sales_role()
        # sudo: see _erp_crm_hand_over (the deal's role assignment is the robots' bookkeeping).
        line = self.sudo().role_user_ids.filtered(lambda r: r.role_id == sales_role and r.user_id == old)
        roles = self.funnel_id.role_ids.filtered(
            lambda role: role.assignment == "salesperson" and not self._erp_crm_role_overridden(role)
        )
        if line:
            roles |= sales_role
            line.user_id = new
        if not new:
            return
        moved = activities.filtered(
            lambda activity: (
                activity.user_id == old
                and (not activity.robot_run_id.robot_id.role_id or activity.robot_run_id.robot_id.role_id in roles)
            )
        )
        if not moved:
            return
        moved.write({"user_id": new.id})
        items = Markup("").join(Markup("<li>%s</li>") % activity.summary for activity in moved)
        title = self.env._("Robot activities handed over from %(old)s to %(new)s:", old=old.name, new=new.name)
        self._message_log(body=Markup("<p>%s</p><ul>%s</ul>") % (title, items))

    def _erp_crm_role_overridden(self, role):
        """Whether the deal names its own holder of ``role`` (*People by Role*)."""
        self.ensure_one()
        # sudo: only whether the deal names a holder (People by Role is for internal users; robots read it anyway)
        return bool(self.sudo().role_user_ids.filtered(lambda line: line.role_id == role and line.user_id))
