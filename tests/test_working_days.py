"""Issue 20.2: "N working days" keep the time of day, on calendars with and without a lunch break."""

from datetime import datetime

import pytz

from odoo.fields import Command
from odoo.tests import freeze_time, tagged

from .common import create_berlin_office_calendar
from .test_robots import RobotCommon

BERLIN = pytz.timezone("Europe/Berlin")


def berlin(day, hour, minute=0):
    """Naive UTC of a local Berlin time in March 2026 (CET, UTC+1)."""
    local = BERLIN.localize(datetime(2026, 3, day, hour, minute))
    return local.astimezone(pytz.utc).replace(tzinfo=None)


def create_lunch_break_calendar(env):
    """Odoo's default shape: Mon-Fri 08:00-12:00 and 13:00-17:00, in Berlin."""
    return env["resource.calendar"].create(
        {
            "name": "Mon-Fri 08-12, 13-17",
            "tz": "Europe/Berlin",
            "hours_per_day": 8,
            "attendance_ids": [Command.clear()]
            + [
                Command.create(
                    {"name": f"Day {day} {period}", "dayofweek": str(day), "hour_from": start, "hour_to": stop}
                    | {"day_period": period}
                )
                for day in range(5)
                for start, stop, period in ((8, 12, "morning"), (13, 17, "afternoon"))
            ],
        }
    )


@tagged("erp_crm")
class TestWorkingDaysKeepTheTimeOfDay(RobotCommon):
    # March 2026: Thursday 5, Friday 6, weekend 7-8, Monday 9, Tuesday 10.

    def test_a_robot_due_one_working_day_after_an_afternoon_entry_is_due_in_the_afternoon(self):
        """The window installer's office keeps Odoo's lunch break: a call-back due 1 working day after a web
        request at 14:00 on Thursday is due on Friday at 14:00, not at noon."""
        self.env.company.resource_calendar_id = create_lunch_break_calendar(self.env)
        self._activity_robot(
            self.stage_call, "Call the customer back", self.role_sales, deadline_amount=1, deadline_unit="working_days"
        )
        with freeze_time(berlin(5, 14)):
            deal = self._create_deal(user_id=self.user_sales.id)
        activity = self._activities(deal)
        self.assertEqual(activity.deadline_at, berlin(6, 14), "Friday 14:00 in Berlin")

    def _assert_due(self, calendar, cases):
        for start, days, expected, why in cases:
            with self.subTest(calendar=calendar.name, why=why):
                self.assertEqual(calendar._erp_crm_add_working_time(start, days, "working_days"), expected, why)

    def test_starts_before_inside_and_after_each_interval_with_a_lunch_break(self):
        calendar = create_lunch_break_calendar(self.env)
        self._assert_due(
            calendar,
            [
                (berlin(5, 7), 1, berlin(6, 8), "before the morning: counted from 08:00"),
                (berlin(5, 9, 30), 1, berlin(6, 9, 30), "inside the morning"),
                (berlin(5, 12, 30), 1, berlin(6, 13), "in the lunch break: counted from 13:00"),
                (berlin(5, 14), 1, berlin(6, 14), "inside the afternoon"),
                (berlin(5, 16, 59), 1, berlin(6, 16, 59), "the last minute of the afternoon"),
                (berlin(5, 18), 1, berlin(9, 8), "after work: counted from Friday 08:00"),
                (berlin(5, 14), 2, berlin(9, 14), "two working days over the weekend"),
                (berlin(6, 14), 1, berlin(9, 14), "Friday afternoon to Monday afternoon"),
                (berlin(7, 11), 1, berlin(10, 8), "Saturday: counted from Monday 08:00"),
            ],
        )

    def test_starts_before_inside_and_after_the_day_without_a_break(self):
        calendar = create_berlin_office_calendar(self.env)
        self._assert_due(
            calendar,
            [
                (berlin(5, 7), 1, berlin(6, 8), "before work: counted from 08:00"),
                (berlin(5, 12, 30), 1, berlin(6, 12, 30), "midday"),
                (berlin(5, 17, 50), 1, berlin(6, 17, 50), "the end of the day"),
                (berlin(5, 19), 1, berlin(9, 8), "after work: counted from Friday 08:00"),
                (berlin(6, 14), 1, berlin(9, 14), "Friday afternoon to Monday afternoon"),
            ],
        )

    def test_a_public_holiday_is_skipped_with_and_without_a_break(self):
        # A public holiday: a calendar leave of no resource and no calendar applies to every calendar of the company.
        self.env["resource.calendar.leaves"].create(
            {"name": "Holiday", "date_from": berlin(9, 0), "date_to": berlin(9, 23, 59), "calendar_id": False}
        )
        for calendar in (create_lunch_break_calendar(self.env), create_berlin_office_calendar(self.env)):
            self._assert_due(
                calendar,
                [
                    (berlin(6, 14), 1, berlin(10, 14), "Friday afternoon: Monday is a holiday, Tuesday 14:00"),
                    (berlin(6, 9), 2, berlin(11, 9), "two working days over the weekend and the holiday"),
                ],
            )

    def test_a_shorter_target_day_keeps_the_time_within_its_working_hours(self):
        calendar = create_lunch_break_calendar(self.env)
        calendar.attendance_ids.filtered(lambda a: a.dayofweek == "4" and a.day_period == "afternoon").unlink()
        self._assert_due(
            calendar,
            [(berlin(5, 15), 1, berlin(6, 12), "Friday ends at noon: due at the end of Friday's working time")],
        )
