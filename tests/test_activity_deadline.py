from datetime import date, datetime

from odoo.tests import freeze_time, tagged

from odoo.addons.mail.tools.discuss import Store

from .common import ErpCrmCommon


@tagged("erp_crm")
@freeze_time("2026-03-02 10:00:00")
class TestActivityDeadline(ErpCrmCommon):
    """Robot deadlines to the minute reach the web client, and an activity past its time is overdue."""

    def _activity(self, deal, deadline_at, summary="Call the customer back"):
        return self.env["mail.activity"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("sale.order"),
                "res_id": deal.id,
                "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                "summary": summary,
                "user_id": self.user_sales.id,
                "date_deadline": date(2026, 3, 2),
                "deadline_at": deadline_at,
            }
        )

    def test_overdue_by_the_minute(self):
        deal = self._create_deal(user_id=self.user_sales.id)
        late = self._activity(deal, datetime(2026, 3, 2, 9, 51))
        self.assertEqual(late.state, "overdue", "9 minutes past its time: overdue, not 'today'")
        self.assertEqual(deal.activity_state, "overdue", "the kanban clock turns red")
        other = self._create_deal(user_id=self.user_sales.id)
        soon = self._activity(other, datetime(2026, 3, 2, 10, 12))
        self.assertEqual(soon.state, "today")
        self.assertEqual(other.activity_state, "today")
        untimed = self.env["mail.activity"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("sale.order"),
                "res_id": other.id,
                "summary": "No time",
                "date_deadline": date(2026, 3, 2),
            }
        )
        self.assertEqual(untimed.state, "today", "activities without a time keep Odoo's states")

    def test_web_client_receives_the_time(self):
        deal = self._create_deal(user_id=self.user_sales.id)
        activity = self._activity(deal, datetime(2026, 3, 2, 10, 12))
        data = Store().add(activity.with_user(self.user_sales)).get_result()
        self.assertEqual(data["mail.activity"][0]["deadline_at"], "2026-03-02 10:12:00")

    def test_activity_view_shows_the_time_and_overdue_by_the_minute(self):
        late_deal = self._create_deal(user_id=self.user_sales.id)
        soon_deal = self._create_deal(user_id=self.user_sales.id)
        self._activity(late_deal, datetime(2026, 3, 2, 9, 51))
        self._activity(soon_deal, datetime(2026, 3, 2, 10, 12))
        Activity = self.env["mail.activity"].with_user(self.user_sales)
        data = Activity.get_activity_data("sale.order", [("id", "in", (late_deal | soon_deal).ids)])
        call = self.env.ref("mail.mail_activity_data_call").id
        late = data["grouped_activities"][late_deal.id][call]
        soon = data["grouped_activities"][soon_deal.id][call]
        self.assertEqual((late["state"], late["reporting_date"]), ("overdue", "2026-03-02T09:51:00Z"))
        self.assertEqual(late["count_by_state"], {"overdue": 1})
        self.assertEqual((soon["state"], soon["reporting_date"]), ("today", "2026-03-02T10:12:00Z"))
        self.assertEqual(soon["count_by_state"], {"today": 1})
