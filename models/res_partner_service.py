from odoo import api, fields, models


class ResPartner(models.Model):
    """The customer's service requests (their company's and contacts'), as a smart button."""

    _inherit = "res.partner"

    service_request_count = fields.Integer("Service Requests", compute="_compute_service_request_count")

    def _compute_service_request_count(self):
        groups = self.env["project.task"]._read_group(
            [
                ("is_service_request", "=", True),
                ("partner_id.commercial_partner_id", "in", self.commercial_partner_id.ids),
            ],
            ["partner_id"],
            ["__count"],
        )
        by_company = {}
        for partner, count in groups:
            key = partner.commercial_partner_id.id
            by_company[key] = by_company.get(key, 0) + count
        for partner in self:
            partner.service_request_count = by_company.get(partner.commercial_partner_id.id, 0)

    @api.readonly
    def action_view_service_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("erp_crm.project_task_action_service")
        action["domain"] = [
            ("is_service_request", "=", True),
            ("partner_id", "child_of", self.commercial_partner_id.id),
        ]
        action["context"] = {"default_partner_id": self.id}
        return action
