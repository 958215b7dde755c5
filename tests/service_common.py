"""Shared setup of the service-request tests: a service desk on a Mon-Fri 08:00-18:00 Berlin calendar."""

from datetime import datetime

from odoo.fields import Command
from odoo.tests import new_test_user

from .common import ErpCrmCommon, create_berlin_office_calendar

# March 2026: Berlin is UTC+1. Friday 6 March 16:00 Berlin; Monday 9 March is a public holiday in some tests.
FRIDAY_16_BERLIN = datetime(2026, 3, 6, 15, 0)
MONDAY_9_BERLIN = datetime(2026, 3, 16, 8, 0)  # Monday 16 March 09:00 in Berlin


class ServiceCommon(ErpCrmCommon):
    """A *Window service* desk: stages New, In Progress, Waiting for Customer, Solved; two SLA policies. Runs at
    the frozen instant of ``ErpCrmCommon`` (``DEFAULT_TEST_INSTANT``) unless a subclass or a test freezes its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = create_berlin_office_calendar(cls.env)
        cls.env.company.resource_calendar_id = cls.calendar
        cls.user_tech = new_test_user(
            cls.env, login="erp_crm_tech", groups="project.group_project_user", name="Theo Technician", tz="UTC"
        )
        cls.user_service_manager = new_test_user(
            cls.env, login="erp_crm_service_mgr", groups="project.group_project_manager", name="Sonja Service"
        )
        cls.type_question = cls.env.ref("erp_crm.project_service_type_question")
        cls.type_complaint = cls.env.ref("erp_crm.project_service_type_complaint")
        cls.type_defect = cls.env.ref("erp_crm.project_service_type_installation_defect")
        cls.desk = cls.env["project.project"].create(
            {
                "name": "Window service",
                "is_service_desk": True,
                "user_id": cls.user_service_manager.id,
                "privacy_visibility": "invited_users",
                "service_type_id": cls.type_question.id,
                "alias_name": "window-service",
            }
        )
        cls.stage_new, cls.stage_progress, cls.stage_wait, cls.stage_solved = cls.env["project.task.type"].create(
            [
                {"name": "New", "sequence": 1, "project_ids": [Command.link(cls.desk.id)]},
                {"name": "In Progress", "sequence": 2, "project_ids": [Command.link(cls.desk.id)]},
                {
                    "name": "Waiting for Customer",
                    "sequence": 3,
                    "is_customer_wait": True,
                    "project_ids": [Command.link(cls.desk.id)],
                },
                {"name": "Solved", "sequence": 4, "fold": True, "project_ids": [Command.link(cls.desk.id)]},
            ]
        )
        cls.desk.message_subscribe(cls.user_tech.partner_id.ids)
        cls.policy_response, cls.policy_resolution = cls.env["project.sla.policy"].create(
            [
                {
                    "name": "First answer within 2.5 h",
                    "project_id": cls.desk.id,
                    "kind": "first_response",
                    "stage_id": cls.stage_progress.id,
                    "working_hours": 2.5,
                },
                {
                    "name": "Resolved within 4 h",
                    "project_id": cls.desk.id,
                    "kind": "resolution",
                    "stage_id": cls.stage_solved.id,
                    "working_hours": 4,
                },
            ]
        )
        cls.customer = cls.env["res.partner"].create({"name": "Wanda Window", "email": "wanda@example.com"})

    @classmethod
    def _create_request(cls, **values):
        return cls.env["project.task"].create(
            {
                "name": "The window leaks",
                "project_id": cls.desk.id,
                "partner_id": cls.customer.id,
                "stage_id": cls.stage_new.id,
                "user_ids": [Command.set(cls.user_tech.ids)],
                **values,
            }
        )

    def _line(self, request, policy):
        return request.sla_ids.filtered(lambda line: line.policy_id == policy)
