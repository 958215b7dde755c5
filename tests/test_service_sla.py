"""Service requests (issue 12): SLA deadlines in working time, pauses, statuses, escalation, bad input."""

from datetime import datetime, timedelta

from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged

from . import test_cron_budget as cron_helpers
from .service_common import FRIDAY_16_BERLIN, MONDAY_9_BERLIN, ServiceCommon

SLA_CRON_QUERIES = 65  # the same for 10 and 200 requests: the cost does not grow with the batch
HOLIDAY_MONDAY_9_MARCH = {
    "name": "Public holiday",
    "date_from": datetime(2026, 3, 8, 23, 0),  # Monday 9 March, 00:00-24:00 in Berlin
    "date_to": datetime(2026, 3, 9, 22, 59, 59),
}


@tagged("erp_crm")
class TestServiceWorkingTime(ServiceCommon):
    def test_deadlines_to_the_minute_across_a_weekend_and_a_public_holiday(self):
        self.env["resource.calendar.leaves"].create({**HOLIDAY_MONDAY_9_MARCH, "calendar_id": self.calendar.id})
        with freeze_time(FRIDAY_16_BERLIN):
            request = self._create_request()
        response, resolution = self._line(request, self.policy_response), self._line(request, self.policy_resolution)
        # Friday 16:00-18:00 is 2 h; the weekend and Monday (holiday) are skipped.
        self.assertEqual(response.deadline, datetime(2026, 3, 10, 7, 30), "2.5 h: Tuesday 08:30 in Berlin")
        self.assertEqual(resolution.deadline, datetime(2026, 3, 10, 9, 0), "4 h: Tuesday 10:00 in Berlin")
        self.assertEqual(resolution.at_risk_at, datetime(2026, 3, 6, 17, 0), "half of 4 h: Friday 18:00 in Berlin")
        self.assertEqual(request.sla_deadline, response.deadline, "the request shows its next deadline")
        with freeze_time(datetime(2026, 3, 6, 16, 50)):  # Friday 17:50 in Berlin
            late = self._create_request(name="Handle is loose")
        self.assertEqual(
            self._line(late, self.policy_response).deadline,
            datetime(2026, 3, 10, 9, 20),
            "Friday 17:50 + 2 h 30 min: 10 min on Friday, 2 h 20 min on Tuesday, 10:20 in Berlin",
        )

    def test_without_the_holiday_monday_counts(self):
        with freeze_time(FRIDAY_16_BERLIN):
            request = self._create_request()
        self.assertEqual(self._line(request, self.policy_resolution).deadline, datetime(2026, 3, 9, 9, 0))

    def test_one_working_time_implementation_for_companies_and_calendars(self):
        company = self.env.company
        for amount, unit in ((15, "minutes"), (5, "hours"), (1, "working_days"), (0, "hours")):
            with self.subTest(unit=unit):
                self.assertEqual(
                    company._erp_crm_add_working_time(FRIDAY_16_BERLIN, amount, unit),
                    self.calendar._erp_crm_add_working_time(FRIDAY_16_BERLIN, amount, unit),
                )
        self.assertEqual(
            company._erp_crm_add_working_time(FRIDAY_16_BERLIN, 1, "working_days"),
            datetime(2026, 3, 9, 15, 0),
            "Friday 16:00 + 1 working day is Monday 16:00",
        )
        company.resource_calendar_id = False
        self.assertEqual(
            company._erp_crm_add_working_time(FRIDAY_16_BERLIN, 90, "minutes"),
            FRIDAY_16_BERLIN + timedelta(minutes=90),
            "without a calendar, clock time",
        )


@tagged("erp_crm")
class TestServiceSla(ServiceCommon):
    def test_priority_defaults_from_the_type_and_selects_policies(self):
        urgent = self.env["project.sla.policy"].create(
            {
                "name": "Urgent: solved within 1 h",
                "project_id": self.desk.id,
                "service_priority": "urgent",
                "stage_id": self.stage_solved.id,
                "working_hours": 1,
            }
        )
        with freeze_time(MONDAY_9_BERLIN):
            question = self._create_request()
            complaint = self._create_request(name="Rude installer", service_type_id=self.type_complaint.id)
        self.assertEqual(question.service_type_id, self.type_question, "the desk's default type")
        self.assertEqual(question.service_priority, "low")
        self.assertEqual(complaint.service_priority, "high")
        self.assertEqual(question.sla_ids.policy_id, self.policy_response | self.policy_resolution)
        with freeze_time(MONDAY_9_BERLIN + timedelta(minutes=30)):
            question.service_priority = "urgent"
        self.assertEqual(
            self._line(question, urgent).deadline, MONDAY_9_BERLIN + timedelta(hours=1), "counted from the request"
        )
        question.service_type_id = self.type_defect
        self.assertEqual(question.service_priority, "high", "a new type gives its priority")
        self.assertNotIn(urgent, question.sla_ids.policy_id, "the open SLA of a policy that no longer applies goes")

    def test_an_a_customer_gets_high_priority(self):
        """The customer ranking raises the default priority: an A customer's question is high, not low."""
        self.env["res.partner.ranking"].sudo().create(
            {"partner_id": self.customer.id, "company_id": self.env.company.id, "abc_class": "a"}
        )
        with freeze_time(MONDAY_9_BERLIN):
            a_customer = self._create_request()
            other = self._create_request(partner_id=self.partner.id)
        self.assertEqual((a_customer.service_priority, other.service_priority), ("high", "low"))

    def test_a_request_typed_in_after_the_first_answer(self):
        with freeze_time(MONDAY_9_BERLIN):
            request = self._create_request(stage_id=self.stage_progress.id)
        self.assertEqual(self._line(request, self.policy_response).status, "reached", "answered on the phone")
        self.assertEqual(self._line(request, self.policy_resolution).status, "ongoing")
        with freeze_time(MONDAY_9_BERLIN):
            waiting = self._create_request(stage_id=self.stage_wait.id)
        self.assertEqual(self._line(waiting, self.policy_resolution).paused_since, MONDAY_9_BERLIN)

    def test_cancelled_requests_and_tasks_leaving_the_desk_are_not_escalated(self):
        with freeze_time(MONDAY_9_BERLIN):
            cancelled = self._create_request()
            moved = self._create_request(name="Not a service matter")
            cancelled.state = "1_canceled"
            moved.project_id = self.env["project.project"].create({"name": "Internal"})
        self.assertFalse(moved.sla_ids, "its open SLAs went with the desk")
        with freeze_time(MONDAY_9_BERLIN + timedelta(days=3)):
            cron_helpers.run_cron(self, "erp_crm.ir_cron_service_sla")
        self.assertEqual(cancelled.sla_ids.mapped("status"), ["ongoing", "ongoing"], "nobody is told")
        self.assertFalse(self.env["mail.message"].search([("subject", "ilike", "service requests")]))

    def test_pause_while_waiting_for_the_customer(self):
        with freeze_time(MONDAY_9_BERLIN):
            request = self._create_request()
        resolution = self._line(request, self.policy_resolution)
        self.assertEqual(resolution.deadline, datetime(2026, 3, 16, 12, 0), "13:00 in Berlin")
        with freeze_time(datetime(2026, 3, 16, 9, 0)):  # 10:00: we ask the customer for photos
            request.stage_id = self.stage_wait
        response = self._line(request, self.policy_response)
        self.assertEqual((response.status, response.reached_at), ("reached", datetime(2026, 3, 16, 9, 0)))
        self.assertEqual(resolution.paused_since, datetime(2026, 3, 16, 9, 0))
        self.assertEqual(request.sla_time_left, "paused")
        with freeze_time(datetime(2026, 3, 16, 13, 0)):  # 14:00, past the first deadline: the clock stands still
            cron_helpers.run_cron(self, "erp_crm.ir_cron_service_sla")
        self.assertEqual(resolution.status, "ongoing")
        with freeze_time(datetime(2026, 3, 16, 14, 0)):  # 15:00: the customer answered
            request.stage_id = self.stage_progress
        self.assertEqual(resolution.paused_minutes, 300)
        self.assertEqual(resolution.deadline, datetime(2026, 3, 16, 17, 0), "13:00 + 5 h waited: 18:00 in Berlin")
        self.assertEqual(resolution.at_risk_at, datetime(2026, 3, 16, 15, 0), "11:00 + 5 h: 16:00 in Berlin")
        with freeze_time(datetime(2026, 3, 16, 16, 30)):  # 17:30: solved
            request.stage_id = self.stage_solved
        self.assertEqual(resolution.status, "reached")
        self.assertEqual(resolution.success_rate, 100)
        self.assertAlmostEqual(resolution.working_hours_to_reach, 3.5, 2, "8 h 30 min minus 5 h of waiting")
        self.assertEqual(request.sla_status, "reached")

    def test_on_track_at_risk_failed_and_escalation_once(self):
        self.policy_response.active = False
        with freeze_time(MONDAY_9_BERLIN):
            request = self._create_request()
        line = request.sla_ids
        self.assertEqual((line.at_risk_at, line.deadline), (datetime(2026, 3, 16, 10, 0), datetime(2026, 3, 16, 12, 0)))

        def run_at(when):
            with freeze_time(when):
                cron_helpers.run_cron(self, "erp_crm.ir_cron_service_sla")
                self.env.invalidate_all()
                return line.status, request.sla_time_left

        def notices(user, subject):
            return self.env["mail.message"].search(
                [("partner_ids", "in", user.partner_id.ids), ("subject", "ilike", subject)]
            )

        self.assertEqual(run_at(datetime(2026, 3, 16, 9, 59)), ("ongoing", "2 h 1 min left"))
        self.assertFalse(notices(self.user_tech, "at risk"))
        self.assertEqual(run_at(datetime(2026, 3, 16, 10, 0)), ("at_risk", "2 h 0 min left"))
        self.assertEqual(request.sla_status, "at_risk")
        reminder = notices(self.user_tech, "at risk")
        self.assertEqual(len(reminder), 1, "the assignee is reminded")
        self.assertIn(request.name, reminder.body)
        self.assertIn(f"/odoo/project.task/{request.id}", reminder.body)
        run_at(datetime(2026, 3, 16, 11, 0))
        self.assertEqual(len(notices(self.user_tech, "at risk")), 1, "once")
        self.assertEqual(run_at(datetime(2026, 3, 16, 12, 0)), ("failed", "late by 0 min"))
        self.assertEqual(len(notices(self.user_service_manager, "missed")), 1, "the project manager is told")
        run_at(datetime(2026, 3, 16, 14, 0))
        self.assertEqual(len(notices(self.user_service_manager, "missed")), 1, "once")
        self.assertEqual(len(notices(self.user_tech, "at risk")), 1)
        self.assertEqual(request.sla_time_left, "late by 2 h 0 min")
        with freeze_time(datetime(2026, 3, 16, 15, 0)):
            request.stage_id = self.stage_solved
        self.assertEqual((line.status, line.reached_at), ("failed", datetime(2026, 3, 16, 15, 0)), "reached late")
        self.assertEqual(line.success_rate, 0)

    def test_sla_cron_stops_when_its_time_is_spent(self):
        with freeze_time(MONDAY_9_BERLIN):
            requests = self._create_request() | self._create_request(name="Second leak")
        with freeze_time(MONDAY_9_BERLIN + timedelta(minutes=80)):  # first answers at risk (after 1 h 15 min)
            done = cron_helpers.run_cron_out_of_time(
                self, "erp_crm.ir_cron_service_sla", "_cron_erp_crm_sla", batch_size=1
            )
            self.assertEqual(done, 1)
            self.assertEqual(requests.sla_ids.mapped("status").count("at_risk"), 1, "one batch, then it stopped")
            cron_helpers.run_cron(self, "erp_crm.ir_cron_service_sla")
        self.assertEqual(requests.sla_ids.mapped("status").count("at_risk"), 2)

    def _cron_queries(self, count):
        """Run the SLA cron over ``count`` requests whose SLAs are all at risk and failed, pinned in queries."""
        with freeze_time(MONDAY_9_BERLIN):
            cron_helpers.run_cron(self, "erp_crm.ir_cron_service_sla")  # warm the caches: nothing to do yet
            self.env["project.task"].create(
                [
                    {
                        "name": f"Leak {index}",
                        "project_id": self.desk.id,
                        "partner_id": self.customer.id,
                        "stage_id": self.stage_new.id,
                        "user_ids": self.user_tech.ids,
                    }
                    for index in range(count)
                ]
            )
        with freeze_time(MONDAY_9_BERLIN + timedelta(hours=5)):
            with self.assertQueryCount(__system__=SLA_CRON_QUERIES):
                cron_helpers.run_cron(self, "erp_crm.ir_cron_service_sla")
        lines = self.env["project.task.sla"].search([])
        self.assertEqual(lines.mapped("status"), ["failed"] * 2 * count, "every SLA failed, in one run")
        self.assertTrue(all(lines.mapped("at_risk_notified_at")) and all(lines.mapped("failed_notified_at")))
        reminder = self.env["mail.message"].search(
            [("partner_ids", "in", self.user_tech.partner_id.ids), ("subject", "ilike", "at risk")]
        )
        self.assertEqual(reminder.body.count("<li>"), 2 * count, "one digest for the assignee, every SLA in it")

    def test_sla_cron_queries_for_10_requests(self):
        self._cron_queries(10)

    def test_sla_cron_queries_for_200_requests(self):
        self._cron_queries(200)


@tagged("erp_crm")
class TestServiceBadInput(ServiceCommon):
    def _policy(self, **values):
        return self.env["project.sla.policy"].create(
            {
                "name": "Bad",
                "project_id": self.desk.id,
                "stage_id": self.stage_solved.id,
                "working_hours": 2,
                **values,
            }
        )

    def test_non_positive_time(self):
        for hours in (0, -1):
            with self.subTest(hours=hours), self.assertRaisesRegex(ValidationError, r"Within \(Working Hours\)"):
                self._policy(working_hours=hours)

    def test_target_stage_of_another_project(self):
        other = self.env["project.project"].create({"name": "Other"})
        foreign = self.env["project.task.type"].create({"name": "Foreign", "project_ids": [(4, other.id)]})
        with self.assertRaisesRegex(ValidationError, "Target Stage"):
            self._policy(stage_id=foreign.id)
        with self.assertRaisesRegex(ValidationError, "Target Stage"):
            self.policy_resolution.stage_id = foreign

    def test_priority_outside_the_list(self):
        with self.assertRaisesRegex(ValidationError, "Priority: “critical” is not a priority"):
            self._policy(service_priority="critical")
        with self.assertRaisesRegex(ValidationError, "Service Priority: “critical”"):
            self._create_request(service_priority="critical")
        request = self._create_request()
        with self.assertRaisesRegex(ValidationError, "Service Priority"):
            request.service_priority = "critical"
        self.assertEqual(request.service_priority, "low", "nothing lost")

    def test_at_risk_share_within_0_and_100(self):
        with self.assertRaisesRegex(ValidationError, r"At Risk After \(%\)"):
            self._policy(at_risk_percent=120)
        with self.assertRaisesRegex(ValidationError, r"At Risk After \(%\)"):
            self.desk.sla_at_risk_percent = 0
