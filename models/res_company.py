from datetime import timedelta

from odoo import models

from odoo.addons.base.models.ir_actions_report import _wkhtml

from ..tools import configured_dates


class ResCompany(models.Model):
    _name = "res.company"
    # the guard first: erp_crm's fields (and NUL characters) refused by name before Odoo's own create or write works
    _inherit = ["erp.crm.input.guard", "res.company"]
    _erp_crm_refuse_unknown_fields = False  # Odoo's create and write still get values of their own

    def _erp_crm_add_working_time(self, start, amount, unit):
        """``start`` plus ``amount`` ``unit`` of the company's working time (naive UTC in and out).

        Counted by the company's calendar (``resource.calendar._erp_crm_add_working_time``, the one
        implementation of erp_crm's working time). Without a calendar, plain clock time is used. An amount past
        any calendar (a legacy setting) raises ``ConfigurationOutOfRange``.
        """
        self.ensure_one()
        if not amount:
            return start
        calendar = self.resource_calendar_id
        if calendar:
            return calendar._erp_crm_add_working_time(start, amount, unit)
        with configured_dates(self.env, lambda: self.env["resource.calendar"]._erp_crm_span_text(amount, unit)):
            if unit == "working_days":
                return start + timedelta(days=amount)
            return start + timedelta(hours=amount / 60.0 if unit == "minutes" else float(amount))

    def _erp_crm_letterhead_in_body(self, report_type):
        """Whether a customer document draws the company's logo in its body: in a PDF rendered by a wkhtmltopdf
        without patched Qt (Debian's), which draws no header or footer page, so the layout's logo would be lost.
        Elsewhere (HTML, a patched wkhtmltopdf) the layout's header shows it."""
        return report_type == "pdf" and not _wkhtml().is_patched_qt
