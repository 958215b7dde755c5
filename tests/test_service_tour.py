from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .tour_common import TourCase


@tagged("post_install", "-at_install", "erp_crm")
class TestServiceTour(TourCase):
    def test_move_a_request_on_the_service_kanban(self):
        user = new_test_user(
            self.env, login="erp_crm_tour_tech", groups="project.group_project_user", name="Tom Technician"
        )
        desk = self.env["project.project"].create(
            {"name": "Tour service", "is_service_desk": True, "privacy_visibility": "invited_users"}
        )
        desk.message_subscribe(user.partner_id.ids)
        new, progress, solved = self.env["project.task.type"].create(
            [
                {"name": "New", "sequence": 1, "project_ids": [Command.link(desk.id)]},
                {"name": "In Progress", "sequence": 2, "project_ids": [Command.link(desk.id)]},
                {"name": "Solved", "sequence": 3, "project_ids": [Command.link(desk.id)]},
            ]
        )
        self.env["project.sla.policy"].create(
            [
                {
                    "name": "First answer",
                    "project_id": desk.id,
                    "kind": "first_response",
                    "stage_id": progress.id,
                    "working_hours": 2,
                },
                {"name": "Solved", "project_id": desk.id, "stage_id": solved.id, "working_hours": 16},
            ]
        )
        customer = self.env["res.partner"].create({"name": "Tour customer"})
        complaint = self.env.ref("erp_crm.project_service_type_complaint")
        tasks = self.env["project.task"]
        request = tasks.create(
            {
                "name": "Tour leak",
                "project_id": desk.id,
                "partner_id": customer.id,
                "stage_id": new.id,
                "service_type_id": complaint.id,
            }
        )
        tasks.create(
            {"name": "Tour draught", "project_id": desk.id, "partner_id": customer.id, "stage_id": progress.id}
        )
        self.start_tour("/odoo/action-erp_crm.project_task_action_service", "erp_crm_service_tour", login=user.login)
        self.assertEqual(request.stage_id, progress)
        first = request.sla_ids.filtered(lambda line: line.kind == "first_response")
        self.assertEqual(first.status, "reached")
