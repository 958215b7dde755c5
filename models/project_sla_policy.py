from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .erp_crm_input_guard import YEAR_HOURS
from .project_service_type import SERVICE_PRIORITIES, check_service_priority

SLA_KINDS = [("first_response", "First Response"), ("resolution", "Resolution")]


class ProjectSlaPolicy(models.Model):
    """“Reach stage X within N working hours” for the requests of a service project (of a priority and/or type)."""

    _name = "project.sla.policy"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Service SLA Policy"
    _order = "project_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    project_id = fields.Many2one(
        "project.project", "Service Project", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="project_id.company_id", store=True)
    kind = fields.Selection(SLA_KINDS, required=True, default="resolution")
    service_priority = fields.Selection(
        SERVICE_PRIORITIES, "Priority", help="Only requests of this priority (empty: any priority)."
    )
    service_type_id = fields.Many2one(
        "project.service.type", "Request Type", help="Only requests of this type (empty: any type)."
    )
    stage_id = fields.Many2one(
        "project.task.type",
        "Target Stage",
        required=True,
        ondelete="restrict",
        help="The SLA is met when the request reaches this stage (or a later one) or is closed.",
    )
    working_hours = fields.Float(
        "Within (Working Hours)", required=True, help="Counted on the project's working calendar, to the minute."
    )
    at_risk_percent = fields.Float(
        "At Risk After (%)", help="Share of the time after which the request is at risk (empty: the project's)."
    )

    @api.model
    def _erp_crm_number_bounds(self):
        return {
            **super()._erp_crm_number_bounds(),
            "working_hours": (0, YEAR_HOURS, self.env._("a year")),
            "at_risk_percent": (0, 100, None),
        }

    @api.constrains("working_hours")
    def _check_working_hours(self):
        for policy in self:
            if policy.working_hours <= 0:
                raise ValidationError(
                    self.env._(
                        "Within (Working Hours) must be a positive time (SLA policy “%(name)s”).", name=policy.name
                    )
                )

    @api.constrains("at_risk_percent")
    def _check_at_risk_percent(self):
        for policy in self:
            if policy.at_risk_percent and not 0 < policy.at_risk_percent < 100:
                raise ValidationError(
                    self.env._("At Risk After (%%) must be within 0 and 100 (SLA policy “%(name)s”).", name=policy.name)
                )

    @api.constrains("stage_id", "project_id")
    def _check_stage_id(self):
        for policy in self:
            if policy.project_id not in policy.stage_id.project_ids:
                raise ValidationError(
                    self.env._(
                        "Target Stage: “%(stage)s” is not a stage of project “%(project)s” (SLA policy “%(name)s”).",
                        stage=policy.stage_id.name,
                        project=policy.project_id.name,
                        name=policy.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_service_priority(self.env, vals.get("service_priority"), self.env._("Priority"))
        return super().create(vals_list)

    def write(self, vals):
        check_service_priority(self.env, vals.get("service_priority"), self.env._("Priority"))
        return super().write(vals)

    def _matches(self, task):
        """Whether this policy applies to ``task`` (its priority and type)."""
        self.ensure_one()
        return (not self.service_priority or self.service_priority == task.service_priority) and (
            not self.service_type_id or self.service_type_id == task.service_type_id
        )

    def _at_risk_share(self):
        self.ensure_one()
        return (self.at_risk_percent or self.project_id.sla_at_risk_percent or 50.0) / 100.0
