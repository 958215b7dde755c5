from datetime import datetime, time, timedelta

import pytz

from odoo import models

from ..tools import configured_dates


class ResourceCalendar(models.Model):
    """erp_crm's working-time arithmetic, to the minute: stage robots, stage time limits and service SLAs."""

    _inherit = "resource.calendar"

    def _erp_crm_add_working_time(self, start, amount, unit):
        """``start`` plus ``amount`` ``unit`` of this calendar's working time (naive UTC in and out).

        Minutes and hours are counted inside the calendar's working hours, in its time zone, public holidays
        (global leaves of the calendar) skipped: Friday 17:50 + 15 min on a Mon-Fri 8-18 calendar is Monday 08:05.
        Working days are counted by the calendar itself (``plan_days``): the same time of day, ``amount`` working
        days later (Friday 17:50 + 1 working day is Monday 17:50; a start outside working hours counts from the
        next working moment). A calendar without working time falls back to plain clock time. An amount past any
        calendar (a legacy setting) raises ``ConfigurationOutOfRange``.
        """
        self.ensure_one()
        if not amount:
            return start
        with configured_dates(self.env, lambda: self._erp_crm_span_text(amount, unit)):
            if unit == "working_days":
                return self._erp_crm_add_working_days(start, amount)
            hours = amount / 60.0 if unit == "minutes" else float(amount)
            return self.plan_hours(hours, start, compute_leaves=True) or start + timedelta(hours=hours)

    def _erp_crm_span_text(self, amount, unit):
        """“90 minutes of working time”: how the error of an out-of-range amount names it."""
        units = dict(self.env["sale.funnel.robot"]._fields["delay_unit"]._description_selection(self.env))
        return self.env._("%(amount)s %(unit)s of working time", amount=amount, unit=units.get(unit, unit))

    def _erp_crm_add_working_days(self, start, days):
        """The same local time ``days`` working days after ``start`` (or its next working moment).

        ``plan_days`` finds the day (it counts the day of ``begin`` as the first one, so we ask for ``days + 1``);
        the time of day is then kept within that day's working time, from its first interval's start to its last
        interval's end (``plan_days`` itself returns the end of the day's *first* interval: noon on a calendar with a
        lunch break).
        """
        tz = pytz.timezone(self.tz or "UTC")
        begin = pytz.utc.localize(start)
        intervals = self._work_intervals_batch(begin, begin + timedelta(days=28))[False]
        begin = next((max(begin, iv_start) for iv_start, iv_stop, _meta in intervals if iv_stop > begin), None)
        if begin is None:
            return start + timedelta(days=days)
        day_end = self.plan_days(days + 1, begin, compute_leaves=True)
        if not day_end:
            return start + timedelta(days=days)
        local_begin = begin.astimezone(tz)
        target_day = day_end.astimezone(tz).date()
        midnight = tz.localize(datetime.combine(target_day, time.min))
        day_intervals = list(self._work_intervals_batch(midnight, midnight + timedelta(days=1))[False])
        same_time = tz.localize(datetime.combine(target_day, local_begin.time().replace(tzinfo=None)))
        if day_intervals:
            same_time = min(max(same_time, day_intervals[0][0]), day_intervals[-1][1])
        return same_time.astimezone(pytz.utc).replace(tzinfo=None)

    def _erp_crm_working_minutes(self, start, end):
        """Whole working minutes of this calendar between two naive UTC datetimes (0 when ``end`` <= ``start``)."""
        self.ensure_one()
        if not start or not end or end <= start:
            return 0
        return round(self.get_work_hours_count(start, end, compute_leaves=True) * 60)
