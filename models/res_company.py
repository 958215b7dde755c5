from datetime import datetime, timedelta

import pytz

from odoo import models

TIME_UNITS = [("minutes", "Minutes"), ("hours", "Hours"), ("working_days", "Working Days")]


class ResCompany(models.Model):
    _inherit = "res.company"

    def _erp_crm_add_working_time(self, start, amount, unit):
        """``start`` plus ``amount`` ``unit`` of the company's working time (naive UTC in and out).

        Minutes and hours are counted inside the working hours of the company's calendar, in the calendar's
        time zone (Friday 17:50 + 15 min on a Mon-Fri 8-18 calendar is Monday 08:05). Working days are counted
        by the calendar itself (``resource.calendar.plan_days``): the same time of day, ``amount`` working days
        later (Friday 17:50 + 1 working day is Monday 17:50; a start outside working hours counts from the next
        working moment). Without a calendar, plain clock time is used.
        """
        self.ensure_one()
        if not amount:
            return start
        calendar = self.resource_calendar_id
        if unit == "working_days":
            if not calendar:
                return start + timedelta(days=amount)
            return self._erp_crm_add_working_days(calendar, start, amount)
        hours = amount / 60.0 if unit == "minutes" else float(amount)
        if not calendar:
            return start + timedelta(hours=hours)
        return calendar.plan_hours(hours, start, compute_leaves=True) or start + timedelta(hours=hours)

    def _erp_crm_add_working_days(self, calendar, start, days):
        """The same local time ``days`` working days after ``start`` (or its next working moment)."""
        tz = pytz.timezone(calendar.tz or "UTC")
        begin = pytz.utc.localize(start)
        intervals = calendar._work_intervals_batch(begin, begin + timedelta(days=28))[False]
        begin = next((max(begin, iv_start) for iv_start, iv_stop, _meta in intervals if iv_stop > begin), None)
        if begin is None:
            return start + timedelta(days=days)
        # plan_days counts the day of ``begin`` as the first one: the day we want is the next ``days``-th.
        day_end = calendar.plan_days(days + 1, begin, compute_leaves=True)
        if not day_end:
            return start + timedelta(days=days)
        local_begin, local_end = begin.astimezone(tz), day_end.astimezone(tz)
        same_time = tz.localize(datetime.combine(local_end.date(), local_begin.time().replace(tzinfo=None)))
        return min(same_time, local_end).astimezone(pytz.utc).replace(tzinfo=None)
