from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProjectProject(models.Model):
    """A project flagged as a service desk: its tasks are service requests with SLA policies."""

    _name = "project.project"
    # the guard first: erp_crm's fields (and NUL characters) refused by name before Odoo's own create or write works
    _inherit = ["erp.crm.input.guard", "project.project"]
    _erp_crm_refuse_unknown_fields = False  # Odoo's create and write still get values of their own

    is_service_desk = fields.Boolean(
        "Service Desk", help="Tasks of this project are service requests: customer, deal, type, priority and SLAs."
    )
    service_type_id = fields.Many2one(
        "project.service.type",
        "Default Request Type",
        help="Type given to requests that come without one (e.g. by email).",
    )
    sla_policy_ids = fields.One2many("project.sla.policy", "project_id", "SLA Policies")
    sla_at_risk_percent = fields.Float(
        "At Risk After (%)",
        default=50.0,
        help="Share of an SLA's time after which a request is at risk (and its assignee reminded), unless the "
        "policy sets its own.",
    )

    @api.model
    def _erp_crm_number_bounds(self):
        return {**super()._erp_crm_number_bounds(), "sla_at_risk_percent": (0, 100, None)}

    @api.constrains("sla_at_risk_percent")
    def _check_sla_at_risk_percent(self):
        for project in self:
            if not 0 < project.sla_at_risk_percent < 100:
                raise ValidationError(
                    self.env._("At Risk After (%%) must be between 0 and 100 (project %(name)s).", name=project.name)
                )

    def _erp_crm_service_calendar(self):
        """The working calendar of the project's SLAs: the project's, else its company's (may be empty).

        No project (a private task, a sub-task detached from its project): the current company's.
        """
        if not self:
            return self.env.company.resource_calendar_id
        self.ensure_one()
        return self.resource_calendar_id or (self.company_id or self.env.company).resource_calendar_id
