"""The service kanban against Odoo's plain task kanban on the same tasks (issue 12): at most two queries more."""

from datetime import timedelta

from odoo.fields import Command
from odoo.tests import freeze_time, tagged

from .service_common import MONDAY_9_BERLIN, ServiceCommon
from .task_kanban import open_task_kanban, task_kanban_progress_bar, task_kanban_read_spec

CARDS_PER_COLUMN = 80
SERVICE_KANBAN_QUERIES = 20  # Odoo's task kanban on the same tasks: 18


@tagged("erp_crm", "erp_crm_perf")
class TestServiceKanbanPerformance(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the same tasks in a plain project (Odoo's task kanban) and in the desk (the service kanban)
        cls.plain = cls.env["project.project"].create({"name": "Installations", "privacy_visibility": "invited_users"})
        cls.plain.message_subscribe(cls.user_tech.partner_id.ids)
        stages = cls.stage_new | cls.stage_progress | cls.stage_wait
        cls.plain.type_ids = [Command.link(stage.id) for stage in cls.desk.type_ids]
        partners = cls.env["res.partner"].create([{"name": f"Customer {i}"} for i in range(20)])
        with freeze_time(MONDAY_9_BERLIN):
            for project in (cls.desk, cls.plain):
                cls.env["project.task"].create(
                    [
                        {
                            "name": f"Request {i}",
                            "project_id": project.id,
                            "partner_id": partners[i % 20].id,
                            "stage_id": stage.id,
                            "user_ids": [Command.set(cls.user_tech.ids)],
                            "service_type_id": (cls.type_question | cls.type_complaint)[i % 2].id,
                        }
                        for stage in stages
                        for i in range(CARDS_PER_COLUMN + 5)
                    ]
                )

    def _count_queries(self, project, view_xmlid):
        tasks = self.env["project.task"].with_user(self.user_tech)
        spec = task_kanban_read_spec(self.env, view_xmlid)
        progress_bar = task_kanban_progress_bar(self.env, view_xmlid)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        open_task_kanban(tasks, project, spec, progress_bar, limit=CARDS_PER_COLUMN)
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    @freeze_time(MONDAY_9_BERLIN)
    def test_service_kanban_costs_at_most_two_queries_more_than_odoo_task_kanban(self):
        # Steady state: the fewest queries over a few openings, once the registry caches are warm.
        ours = min(self._count_queries(self.desk, "erp_crm.project_task_view_kanban_service") for _i in range(3))
        odoo = min(self._count_queries(self.plain, "project.view_task_kanban") for _i in range(3))
        self.assertLessEqual(ours, odoo + 2, f"service kanban: {ours} queries, Odoo's task kanban: {odoo}")
        # the two more: the request types' names, and the SLA lines of every card in one query
        tasks = self.env["project.task"].with_user(self.user_tech)
        spec = task_kanban_read_spec(self.env, "erp_crm.project_task_view_kanban_service")
        progress_bar = task_kanban_progress_bar(self.env, "erp_crm.project_task_view_kanban_service")
        open_task_kanban(tasks, self.desk, spec, progress_bar, limit=CARDS_PER_COLUMN)
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=SERVICE_KANBAN_QUERIES):
            open_task_kanban(tasks, self.desk, spec, progress_bar, limit=CARDS_PER_COLUMN)

    @freeze_time(MONDAY_9_BERLIN)
    def test_the_badges_read_from_one_query(self):
        """Time left, worst status and next deadline of every card, as the kanban shows them."""
        request = self.env["project.task"].search(
            [("project_id", "=", self.desk.id), ("stage_id", "=", self.stage_new.id)], limit=1
        )
        waiting = self.env["project.task"].search(
            [("project_id", "=", self.desk.id), ("stage_id", "=", self.stage_wait.id)], limit=1
        )
        self.assertEqual((waiting.sla_status, waiting.sla_time_left), ("ongoing", "paused"))
        self.assertEqual((request.sla_status, request.sla_time_left), ("ongoing", "2 h 30 min left"))
        self.assertEqual(request.sla_deadline, MONDAY_9_BERLIN + timedelta(hours=2, minutes=30))
        plain = self.env["project.task"].search([("project_id", "=", self.plain.id)], limit=1)
        self.assertEqual((plain.sla_status, plain.sla_deadline, plain.sla_time_left), (False, False, False))
