"""Issue 20.3: a deal created with ``default_stage_id`` in the context (a kanban column, an integration)."""

from datetime import datetime

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import freeze_time, tagged

from .common import funnel_stage_commands
from .test_robots import RobotCommon


@tagged("erp_crm")
class TestDealCreatedInAColumn(RobotCommon):
    def _create_in_column(self, stage, **vals):
        """What the pipeline's quick create and an integration send: the column's stage in the context only."""
        return (
            self.env["sale.order"]
            .with_user(self.user_sales)
            .with_context(default_stage_id=stage.id)
            .create({"partner_id": self.partner.id, "title": "3 windows", **vals})
        )

    def test_a_deal_created_in_a_column_with_a_time_limit_enters_it(self):
        self.stage_measure.max_hours = 4  # working hours
        with freeze_time(datetime(2026, 3, 9, 9, 0)):  # Monday 10:00 in Berlin
            deal = self._create_in_column(self.stage_measure)
        self.assertEqual(deal.stage_id, self.stage_measure)
        self.assertEqual(deal.funnel_id, self.funnel, "the funnel follows the stage")
        self.assertEqual(deal.date_stage, datetime(2026, 3, 9, 9, 0))
        self.assertEqual(deal.sla_deadline, datetime(2026, 3, 9, 13, 0), "Monday 14:00 in Berlin")
        self.assertEqual(deal.stage_history_ids.stage_id, self.stage_measure, "the entry is in the history")

    def test_the_column_runs_its_robots_without_leaking_the_stage_to_what_they_create(self):
        self.project.type_ids = [Command.create({"name": "To do", "sequence": 1})]
        self._robot(
            self.stage_measure,
            name="Measure",
            kind="task",
            summary="Measure",
            role_id=self.role_installer.id,
            project_id=self.project.id,
        )
        deal = self._create_in_column(self.stage_measure)
        task = self.env["project.task"].search([("sale_order_id", "=", deal.id)])
        self.assertEqual(len(task), 1)
        self.assertEqual(task.stage_id, self.project.type_ids, "the task gets its project's first stage")

    def test_the_funnel_given_with_the_stage_must_be_the_stage_funnel(self):
        other = self.env["sale.funnel"].create(
            {"name": "Heat pumps", "stage_ids": funnel_stage_commands(("New", "open"), ("Won", "won"))}
        )
        self.assertEqual(self._create_in_column(self.stage_call, funnel_id=self.funnel.id).stage_id, self.stage_call)
        count = self.env["sale.order"].search_count([])
        with self.assertRaisesRegex(ValidationError, "“First call” belongs to the funnel “Window installation”"):
            self._create_in_column(self.stage_call, funnel_id=other.id)
        self.assertEqual(self.env["sale.order"].search_count([]), count, "nothing created")

    def test_a_stage_given_in_the_values_wins_over_the_context(self):
        deal = self._create_in_column(self.stage_call, stage_id=self.stage_measure.id)
        self.assertEqual(deal.stage_id, self.stage_measure)
