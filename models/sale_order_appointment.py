from datetime import timedelta

from odoo import fields, models
from odoo.fields import Command

APPOINTMENT_HOURS = 1


class SaleOrder(models.Model):
    """The deal's appointment (e.g. the measurement) as an event in Odoo's calendar.

    The holder of the funnel's "Appointments With" role (the Surveyor; else the salesperson) organises it and the
    customer is invited; the event moves with the appointment and is removed when the appointment is cleared.
    Called from ``write``/``create`` in sale_order.py.
    """

    _inherit = "sale.order"

    appointment_event_id = fields.Many2one(
        "calendar.event",
        string="Appointment Event",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        groups="base.group_user",
    )

    def _erp_crm_sync_appointment_events(self):
        """Create, move or remove the calendar event of each deal's appointment."""
        # sudo: the event sits in the visitor's calendar, which may be private to the deal's editor; only the event
        # linked to the deal is written, with values taken from the deal the user may edit.
        deals = self.sudo()
        (deals.filtered(lambda d: not d.appointment_at).appointment_event_id).unlink()
        for deal in deals.filtered("appointment_at"):
            values = deal._erp_crm_appointment_event_values()
            event = deal.appointment_event_id
            if event:
                # only what changed: every write of the dates or attendees notifies the attendees again
                current = {
                    "name": event.name,
                    "start": event.start,
                    "stop": event.stop,
                    "user_id": event.user_id.id,
                    "partner_ids": [Command.set(sorted(event.partner_ids.ids))],
                    "location": event.location or "",
                }
                changed = {key: value for key, value in values.items() if current[key] != value}
                if changed:
                    event.write(changed)
            else:
                # sudo: created in the visitor's calendar, not the editor's (see above)
                deal.appointment_event_id = self.env["calendar.event"].sudo().create(values)

    def _erp_crm_appointment_host(self):
        """Who visits the customer: the holder of the funnel's appointment role, else the salesperson."""
        self.ensure_one()
        role = self.funnel_id.appointment_role_id
        return (role and self._get_role_user(role)) or self.user_id

    def _erp_crm_appointment_event_values(self):
        self.ensure_one()
        host = self._erp_crm_appointment_host()
        partners = host.partner_id | self.partner_id
        return {
            "name": self.env._("Appointment: %(customer)s (%(deal)s)", customer=self.partner_id.name, deal=self.name),
            "start": self.appointment_at,
            "stop": self.appointment_at + timedelta(hours=APPOINTMENT_HOURS),
            "user_id": host.id or False,
            "partner_ids": [Command.set(sorted(partners.ids))],
            "location": ", ".join(
                line for line in self.partner_shipping_id._display_address(without_company=True).split("\n") if line
            ),
        }
