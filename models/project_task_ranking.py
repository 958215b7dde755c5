from odoo import models

# Service priorities from low to urgent, and the least priority a customer class gives its requests.
PRIORITY_ORDER = ["low", "normal", "high", "urgent"]
CLASS_PRIORITY = {"a": "high"}


class ProjectTask(models.Model):
    """Customer ranking on service requests: an A customer's request is at least high priority."""

    _inherit = "project.task"

    def _erp_crm_default_service_priority(self):
        priority = super()._erp_crm_default_service_priority()
        customer = self.partner_id.commercial_partner_id
        if not customer:
            return priority
        # sudo: the class only sets the request's priority; service staff need not read the ranking itself.
        ranking = (
            self.env["res.partner.ranking"]
            .sudo()
            .search([("partner_id", "=", customer.id), ("company_id", "=", (self.company_id or self.env.company).id)])
        )
        class_priority = CLASS_PRIORITY.get(ranking[:1].abc_class)
        if class_priority and PRIORITY_ORDER.index(class_priority) > PRIORITY_ORDER.index(priority):
            return class_priority
        return priority
