from datetime import timedelta

from odoo import models

TIME_UNITS = [("minutes", "Minutes"), ("hours", "Hours"), ("working_days", "Working Days")]


class ResCompany(models.Model):
    _inherit = "res.company"

    def _erp_crm_add_working_time(self, start, amount, unit):
        """``start`` plus ``amount`` ``unit`` of the company's working time (naive UTC in and out).

        Minutes and hours are counted inside the working hours of the company's calendar, in the calendar's
        time zone (Friday 17:50 + 15 min on a Mon-Fri 8-18 calendar is Monday 08:05); a working day is the
        calendar's average day. Without a calendar, plain clock time is used.
        """
        self.ensure_one()
        if not amount:
            return start
        calendar = self.resource_calendar_id
        hours = amount / 60.0 if unit == "minutes" else float(amount)
        if unit == "working_days":
            if not calendar:
                return start + timedelta(days=amount)
            hours = amount * (calendar.hours_per_day or 8.0)
        if not calendar:
            return start + timedelta(hours=hours)
        return calendar.plan_hours(hours, start, compute_leaves=True) or start + timedelta(hours=hours)
