from datetime import datetime

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .common import ErpCrmCommon


@tagged("erp_crm")
class TestAppointmentEvent(ErpCrmCommon):
    """Issue 20.6: the measurement appointment is an event in the surveyor's calendar, the customer invited, moved
    when the date changes and removed when it is cleared."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_surveyor = new_test_user(
            cls.env, login="erp_crm_surveyor", groups="erp_crm.erp_crm_group_user", name="Jonas Surveyor"
        )
        cls.role_surveyor = cls.env["sale.funnel.role"].create(
            {"name": "Surveyor", "funnel_id": cls.funnel.id, "assignment": "user", "user_id": cls.user_surveyor.id}
        )
        cls.funnel.appointment_role_id = cls.role_surveyor

    def _deal(self):
        return self._create_deal(user_id=self.user_sales.id).with_user(self.user_sales)

    def test_appointment_is_an_event_of_the_surveyor_with_the_customer_invited(self):
        deal = self._deal()
        self.assertFalse(deal.appointment_event_id)
        deal.write({"stage_id": self.stage_measure.id, "appointment_at": datetime(2026, 3, 12, 8, 0)})
        event = deal.appointment_event_id
        self.assertTrue(event, "the appointment is in the calendar")
        self.assertEqual(event.user_id, self.user_surveyor, "organised by the surveyor, not the salesperson")
        self.assertEqual(event.partner_ids, self.user_surveyor.partner_id | self.partner)
        self.assertEqual(event.start, datetime(2026, 3, 12, 8, 0))
        self.assertEqual(event.stop, datetime(2026, 3, 12, 9, 0))
        self.assertIn(deal.name, event.name)
        self.assertIn(self.partner.name, event.name)

    def test_event_moves_with_the_date_and_goes_when_cleared(self):
        deal = self._deal()
        deal.appointment_at = datetime(2026, 3, 12, 8, 0)
        event = deal.appointment_event_id
        deal.appointment_at = datetime(2026, 3, 13, 14, 30)
        self.assertEqual(deal.appointment_event_id, event, "the same event is moved, not a second one made")
        self.assertEqual(event.start, datetime(2026, 3, 13, 14, 30))
        self.assertEqual(event.stop, datetime(2026, 3, 13, 15, 30))
        self.assertEqual(self.env["calendar.event"].search_count([("user_id", "=", self.user_surveyor.id)]), 1)

        deal.appointment_at = False
        self.assertFalse(deal.appointment_event_id)
        self.assertFalse(event.exists(), "a cleared appointment leaves no event in the calendar")

    def test_deal_holder_of_the_role_and_salesperson_without_role(self):
        other = new_test_user(self.env, login="erp_crm_surveyor2", groups="erp_crm.erp_crm_group_user", name="Olga")
        deal = self._deal()
        self.env["sale.order.role.user"].create(
            {"order_id": deal.id, "role_id": self.role_surveyor.id, "user_id": other.id}
        )
        deal.appointment_at = datetime(2026, 3, 12, 8, 0)
        self.assertEqual(deal.appointment_event_id.user_id, other, "the deal's own surveyor")

        self.funnel.appointment_role_id = False
        deal_2 = self._create_deal(user_id=self.user_sales.id, appointment_at=datetime(2026, 3, 12, 10, 0))
        self.assertEqual(deal_2.appointment_event_id.user_id, self.user_sales, "no role: the salesperson goes")
        self.assertIn(self.partner, deal_2.appointment_event_id.partner_ids)

    def test_new_surveyor_on_the_deal_takes_the_appointment_over(self):
        deal = self._deal()
        deal.appointment_at = datetime(2026, 3, 12, 8, 0)
        event = deal.appointment_event_id
        other = new_test_user(self.env, login="erp_crm_surveyor3", groups="erp_crm.erp_crm_group_user", name="Olaf")
        line = self.env["sale.order.role.user"].create(
            {"order_id": deal.id, "role_id": self.role_surveyor.id, "user_id": other.id}
        )
        self.assertEqual(deal.appointment_event_id, event, "the same event")
        self.assertEqual(event.user_id, other)
        self.assertEqual(event.partner_ids, other.partner_id | self.partner)
        line.user_id = self.user_surveyor
        self.assertEqual(event.user_id, self.user_surveyor)

    def test_new_customer_is_invited_instead(self):
        deal = self._deal()
        deal.appointment_at = datetime(2026, 3, 12, 8, 0)
        other = self.env["res.partner"].create({"name": "Other Customer"})
        deal.partner_id = other
        self.assertEqual(deal.appointment_event_id.partner_ids, self.user_surveyor.partner_id | other)

    def test_role_of_another_funnel_is_refused(self):
        other = self.env["sale.funnel"].create({"name": "Other"})
        role = self.env["sale.funnel.role"].create({"name": "Surveyor", "funnel_id": other.id})
        with self.assertRaisesRegex(ValidationError, "Appointments With"):
            self.funnel.appointment_role_id = role
