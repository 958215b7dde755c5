from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import consteq


class SaleOrder(models.Model):
    """The deal's service requests: a smart button counting them and “Open a service request”."""

    _inherit = "sale.order"

    service_request_ids = fields.One2many("project.task", "service_order_id", "Service Requests")
    service_request_count = fields.Integer("Service Request Count", compute="_compute_service_request_count")

    @api.depends("service_request_ids")
    def _compute_service_request_count(self):
        counts = dict(
            self.env["project.task"]._read_group(
                [("service_order_id", "in", self.ids)], ["service_order_id"], ["__count"]
            )
        )
        for order in self:
            order.service_request_count = counts.get(order, 0)

    @api.readonly
    def action_view_service_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("erp_crm.project_task_action_service")
        action["domain"] = [("service_order_id", "=", self.id)]
        action["context"] = {
            "default_service_order_id": self.id,
            "default_partner_id": self.partner_id.id,
            "default_project_id": self._erp_crm_service_desk().id,
        }
        return action

    @api.readonly
    def action_open_service_request(self):
        """A new service request about this deal, in the desk of the deal's funnel (see _erp_crm_service_desk)."""
        self.ensure_one()
        project = self._erp_crm_service_desk()
        if not project:
            raise UserError(self.env._("No service desk yet: tick Service Desk on a project's settings first."))
        return {
            "name": self.env._("New Service Request"),
            "type": "ir.actions.act_window",
            "res_model": "project.task",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                "default_project_id": project.id,
                "default_partner_id": self.partner_id.id,
                "default_service_order_id": self.id,
            },
        }

    def _erp_crm_service_desk(self):
        """The service desk where requests about this deal go (the deal's button, the customer portal): the desk
        its funnel names, else the first desk of the deal's company (or a shared one). Never a desk of another
        company: a funnel shared by all companies names a shared desk only (``sale.funnel._check_service_desk``)."""
        self.ensure_one()
        companies = [self.company_id.id, False]
        # sudo: the funnel's desk is read for whoever opens the request (a portal customer may not read funnels).
        desk = self.sudo().funnel_id.service_desk_id
        if desk.is_service_desk and desk.company_id.id in companies:
            return desk.with_env(self.env)
        return self.env["project.project"].search(
            [("is_service_desk", "=", True), ("company_id", "in", companies)], limit=1
        )

    def _erp_crm_portal_may_open_request(self, user, access_token=None):
        """Whether a portal visitor may open a service request on this order from the portal order page: the order
        is confirmed and the visitor is its customer, holding the order's access token or logged in as a portal
        user of the order's customer (its commercial partner). Internal users open requests in the back end."""
        self.ensure_one()
        if self.state != "sale":
            return False
        if access_token and self.access_token and consteq(self.access_token, access_token):
            return True
        return bool(user._is_portal() and user.commercial_partner_id == self.partner_id.commercial_partner_id)
