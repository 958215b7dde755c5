"""Service analysis (issue 12, item 5): requests per customer class and SLA results by class, priority, type,
assignee and month, on a hand-built set of requests moved at frozen instants."""

from datetime import datetime, timedelta

from odoo.fields import Command
from odoo.tests import freeze_time, new_test_user, tagged

from . import test_cron_budget as cron_helpers
from .service_common import MONDAY_9_BERLIN, ServiceCommon

MEASURES = [
    "request_count:sum",
    "first_response_rate:avg",
    "first_response_hours:avg",
    "resolution_rate:avg",
    "resolution_hours:avg",
]


@tagged("erp_crm")
class TestServiceReport(ServiceCommon):
    """Five requests: two of an A customer (one in time, one late), two of a B customer (one solved in time, one
    still open), one of an unranked customer that nobody answers (failed by the SLA cron).

    The desk answers within 2.5 working hours and solves within 4; everything happens on Monday 16 March 2026 from
    09:00 in Berlin (UTC+1), inside working hours, so working hours equal clock hours.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_tech_2 = new_test_user(
            cls.env, login="erp_crm_tech_2", groups="project.group_project_user", name="Tina Technician"
        )
        cls.customer_a = cls.env["res.partner"].create({"name": "Anton A-Customer", "is_company": True})
        cls.customer_b = cls.env["res.partner"].create({"name": "Berta B-Customer", "is_company": True})
        cls.contact_a = cls.env["res.partner"].create({"name": "Anna at Anton", "parent_id": cls.customer_a.id})
        cls.env["res.partner.ranking"].sudo().create(
            [
                {"partner_id": cls.customer_a.id, "company_id": cls.env.company.id, "abc_class": "a"},
                {"partner_id": cls.customer_b.id, "company_id": cls.env.company.id, "abc_class": "b"},
            ]
        )

    def setUp(self):
        super().setUp()
        cls = self  # the set is built per test: the SLA cron runs inside the test's transaction
        start = MONDAY_9_BERLIN
        with freeze_time(start):
            # the class is the customer's (commercial partner's): a request from a contact of an A customer is A
            cls.a_in_time = cls._create_request(name="A in time", partner_id=cls.contact_a.id)
            cls.a_late = cls._create_request(
                name="A late", partner_id=cls.customer_a.id, service_type_id=cls.type_complaint.id
            )
            cls.b_in_time = cls._create_request(
                name="B in time", partner_id=cls.customer_b.id, user_ids=[Command.set(cls.user_tech_2.ids)]
            )
            cls.unanswered = cls._create_request(name="Nobody answers", user_ids=[Command.clear()])
        for hours, request, stage in (
            (1, cls.a_in_time, cls.stage_progress),
            (2, cls.b_in_time, cls.stage_progress),
            (3, cls.a_in_time, cls.stage_solved),
            (3, cls.a_late, cls.stage_progress),
            (3.5, cls.b_in_time, cls.stage_solved),
            (5, cls.a_late, cls.stage_solved),
        ):
            with freeze_time(start + timedelta(hours=hours)):
                request.stage_id = stage
        with freeze_time(start + timedelta(hours=5)):
            cron_helpers.run_cron(self, "erp_crm.ir_cron_service_sla")  # the unanswered request fails both SLAs
        april = datetime(2026, 4, 1, 8, 0)  # Wednesday 1 April, 10:00 in Berlin
        with freeze_time(april):
            cls.b_open = cls._create_request(name="B still open", partner_id=cls.customer_b.id)
        # The month is the request's creation date; a test transaction keeps one database time, so it is set here.
        cls.env.flush_all()
        for request, when in (
            (cls.a_in_time | cls.a_late | cls.b_in_time | cls.unanswered, start),
            (cls.b_open, april),
        ):
            cls.env.cr.execute("UPDATE project_task SET create_date = %s WHERE id = ANY(%s)", (when, request.ids))
        cls.env.invalidate_all()

    def _report(self, groupby, user=None):
        report = self.env["project.service.report"].with_user(user or self.user_tech)
        return {key: values for key, *values in report._read_group([], [groupby], MEASURES)}

    def test_the_set_is_what_the_report_reads(self):
        self.assertEqual(self.a_in_time.service_priority, "high", "A customer: high, whatever the type")
        self.assertEqual(self.b_in_time.service_priority, "low", "B customer: the question's priority")
        statuses = {
            request.name: request.sla_ids.sorted("id").mapped("status")
            for request in self.a_in_time | self.a_late | self.b_in_time | self.unanswered | self.b_open
        }
        self.assertEqual(
            statuses,
            {
                "A in time": ["reached", "reached"],
                "A late": ["failed", "failed"],
                "B in time": ["reached", "reached"],
                "Nobody answers": ["failed", "failed"],
                "B still open": ["ongoing", "ongoing"],
            },
        )

    def test_requests_and_slas_per_customer_class(self):
        self.assertEqual(
            self._report("customer_class"),
            {
                # requests, first response in time (%), hours to it, resolved in time (%), hours to resolution
                "a": [2, 50.0, 2.0, 50.0, 4.0],  # answered after 1 h and 3 h, solved after 3 h and 5 h
                "b": [2, 100.0, 2.0, 100.0, 3.5],  # the open request counts as a request, not in the rates
                "none": [1, 0.0, False, 0.0, False],  # failed by the cron, never reached: no hours
            },
        )

    def test_by_priority_type_assignee_and_month(self):
        self.assertEqual(
            self._report("service_priority"),
            {"high": [2, 50.0, 2.0, 50.0, 4.0], "low": [3, 50.0, 2.0, 50.0, 3.5]},
        )
        by_type = self._report("service_type_id")
        self.assertEqual(by_type[self.type_complaint], [1, 0.0, 3.0, 0.0, 5.0])
        self.assertEqual(by_type[self.type_question][0], 4)
        self.assertAlmostEqual(by_type[self.type_question][1], 200 / 3, places=6)
        self.assertEqual(by_type[self.type_question][2:], [1.5, 200 / 3, 3.25])
        self.assertEqual(
            self._report("user_ids"),
            {
                self.user_tech: [3, 50.0, 2.0, 50.0, 4.0],
                self.user_tech_2: [1, 100.0, 2.0, 100.0, 3.5],
                self.env["res.users"]: [1, 0.0, False, 0.0, False],
            },
        )
        by_month = {month.month: values for month, values in self._report("date:month").items()}
        self.assertEqual(by_month[4], [1, False, False, False, False])
        self.assertEqual(by_month[3][:2], [4, 50.0])

    def test_the_report_follows_the_requests_rules(self):
        outsider = new_test_user(self.env, login="erp_crm_report_outsider", groups="project.group_project_user")
        self.assertEqual(self._report("customer_class", outsider), {}, "the desk is for invited users")
        self.assertEqual(
            sum(values[0] for values in self._report("customer_class", self.user_service_manager).values()), 5
        )

    def test_a_customer_changing_class_moves_its_requests(self):
        """The class is the ranking as it stands: no stored copy to go stale when the customer is ranked again."""
        self.env["res.partner.ranking"].sudo().search([("partner_id", "=", self.customer_b.id)]).abc_class = "c"
        self.assertEqual(self._report("customer_class")["c"][0], 2)
        self.assertNotIn("b", self._report("customer_class"))

    def test_the_class_is_the_one_of_the_requests_company(self):
        other_company = self.env["res.company"].create({"name": "Other installer"})
        self.env["res.partner.ranking"].sudo().create(
            {"partner_id": self.customer_b.id, "company_id": other_company.id, "abc_class": "a"}
        )
        self.assertEqual(self._report("customer_class")["a"][0], 4, "a desk shared by companies: the best class")
        self.desk.company_id = self.env.company
        self.assertEqual(self.b_open.company_id, self.env.company)
        self.assertEqual(self._report("customer_class")["b"][0], 2, "the desk's company: B there")
