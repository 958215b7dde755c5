from datetime import timedelta

from odoo import models

TIME_UNITS = [("minutes", "Minutes"), ("hours", "Hours"), ("working_days", "Working Days")]


class ResCompany(models.Model):
    _inherit = "res.company"

    def _erp_crm_add_working_time(self, start, amount, unit):
        """``start`` plus ``amount`` ``unit`` of the company's working time (naive UTC in and out).

        Counted by the company's calendar (``resource.calendar._erp_crm_add_working_time``, the one
        implementation of erp_crm's working time). Without a calendar, plain clock time is used.
        """
        self.ensure_one()
        if not amount:
            return start
        calendar = self.resource_calendar_id
        if calendar:
            return calendar._erp_crm_add_working_time(start, amount, unit)
        if unit == "working_days":
            return start + timedelta(days=amount)
        return start + timedelta(hours=amount / 60.0 if unit == "minutes" else float(amount))
