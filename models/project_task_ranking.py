from odoo import api, models
from odoo.tools import SQL

from odoo.addons.project.models.project_task import CLOSED_STATES

# Service priorities from low to urgent, and the least priority a customer class gives its requests.
PRIORITY_ORDER = ["low", "normal", "high", "urgent"]
CLASS_PRIORITY = {"a": "high"}


class ProjectTask(models.Model):
    """Customer ranking on service requests: an A customer's request is at least high priority, while it is open
    (the ranking cron updates open requests when classes change), unless a person set its priority."""

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

    @api.model
    def _erp_crm_follow_ranking(self, companies):
        """After a ranking of ``companies``: open requests of their customers take the priority their type and
        their customer's class now give, unless a person set it. Set-based: one query finds the requests whose
        priority changes with their type's default and their customer's class; one write per new priority."""
        self.flush_model(["service_priority", "service_priority_manual", "state", "partner_id", "service_type_id"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT task.id, task.service_priority, COALESCE(type.default_priority, 'normal'), ranking.abc_class
                  FROM project_task task
                  JOIN res_partner partner ON partner.id = task.partner_id
             LEFT JOIN project_service_type type ON type.id = task.service_type_id
             LEFT JOIN res_partner_ranking ranking
                    ON ranking.partner_id = partner.commercial_partner_id
                   AND ranking.company_id = COALESCE(task.company_id, %(company)s)
                 WHERE task.is_service_request
                   AND COALESCE(task.company_id, %(company)s) = ANY(%(companies)s)
                   AND task.state NOT IN %(closed)s
                   AND task.service_priority_manual IS NOT TRUE
                """,
                companies=companies.ids,
                company=self.env.company.id,  # a request of a shared desk: ranked in the current company
                closed=tuple(CLOSED_STATES),
            )
        )
        to_write = {}
        for task_id, current, type_priority, abc_class in rows:
            priority = type_priority
            class_priority = CLASS_PRIORITY.get(abc_class)
            if class_priority and PRIORITY_ORDER.index(class_priority) > PRIORITY_ORDER.index(priority):
                priority = class_priority
            if priority != current:
                to_write.setdefault(priority, []).append(task_id)
        for priority, task_ids in to_write.items():
            # sudo: the ranking cron (or a sales manager ranking) updates requests service staff own; only the
            # priority changes, as the ranking decides it (and the SLA lines follow, see project_task_service.py).
            self.sudo().browse(task_ids).with_context(erp_crm_priority_from_ranking=True).write(
                {"service_priority": priority}
            )
