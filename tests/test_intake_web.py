"""Intake by website form (issue 11 item 5b): a public endpoint, token-protected, rate-limited, revealing nothing."""

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from ..models.sale_intake_throttle import INTAKE_LIMIT, INTAKE_WINDOW, _seconds_now
from .common import ErpCrmCommon

URL = "/erp_crm/intake"


@tagged("post_install", "-at_install", "erp_crm")
class TestWebFormIntake(ErpCrmCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.funnel.action_generate_intake_token()
        cls.token = cls.funnel.intake_token
        cls.sale_team.user_id = cls.user_sales
        cls.partner.write({"name": "Wanda Window", "email": "wanda@example.com", "phone": "+49 30 111"})
        cls.source_google = cls.env["utm.source"].create({"name": "Google"})

    def _post(self, **values):
        data = {
            "funnel": str(self.funnel.id),
            "token": self.token,
            "name": "Nora New",
            "email": "nora.new@example.com",
            "phone": "+49 30 222",
            "subject": "Five windows",
            "message": "Five windows for our new house.\nPlease call me back after 5 pm.",
            **values,
        }
        data = {key: value for key, value in data.items() if value is not None}
        return self.url_open(URL, data=data)

    def _new_window(self):
        """Forget this client's requests, as the next window of the rate limit would."""
        self.env.cr.execute("DELETE FROM sale_intake_throttle")

    def _deals(self):
        return self.env["sale.order"].search([("funnel_id", "=", self.funnel.id)])

    def _snapshot(self):
        """What a post could have created."""
        return (
            self.env["sale.order"].search_count([]),
            self.env["res.partner"].with_context(active_test=False).search_count([]),
            self.env["utm.source"].search_count([]),
            self.env["utm.medium"].with_context(active_test=False).search_count([]),
            self.env["utm.campaign"].with_context(active_test=False).search_count([]),
            self.env["mail.message"].search_count([]),
        )

    def test_good_post_creates_one_deal_with_its_utm(self):
        deals_before = self._deals()
        response = self._post(utm_source="google", utm_medium="cpc", utm_campaign="Spring windows 2026")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "received"})
        self.assertNotIn("session_id", response.headers.get("Set-Cookie", ""), "the endpoint keeps no session")
        self.assertEqual(response.headers.get("Access-Control-Allow-Origin"), "*")
        deal = self._deals() - deals_before
        self.assertEqual(len(deal), 1)
        self.assertEqual(deal.title, "Five windows")
        self.assertEqual(deal.stage_id, self.stage_call, "the funnel's first stage")
        self.assertEqual(len(deal.stage_history_ids), 1, "entered through the door")
        self.assertEqual(deal.team_id, self.sale_team)
        self.assertEqual(deal.company_id, self.env.company)
        self.assertEqual(deal.user_id, self.user_sales)
        # the customer: a new contact from the form
        self.assertEqual(deal.partner_id.name, "Nora New")
        self.assertEqual(deal.partner_id.email, "nora.new@example.com")
        self.assertEqual(deal.partner_id.phone, "+49 30 222")
        # utm: an existing source found whatever its case, the others created
        self.assertEqual(deal.source_id, self.source_google)
        self.assertEqual(deal.medium_id.name, "cpc")
        self.assertEqual(deal.campaign_id.name, "Spring windows 2026")
        self.assertTrue(deal.campaign_id.is_auto_campaign)
        # the request's text is the customer's first message, as plain text
        message = deal.message_ids.filtered(lambda m: m.author_id == deal.partner_id)
        self.assertEqual(len(message), 1)
        self.assertIn("Five windows for our new house.<br>Please call me back after 5 pm.", message.body)

    def test_defaults_without_subject_or_utm(self):
        deals_before = self._deals()
        self._post(subject=None, message="<b>Bay window</b> for the kitchen\nand more")
        deal = self._deals() - deals_before
        self.assertEqual(deal.title, "<b>Bay window</b> for the kitchen", "the first line, as text")
        self.assertEqual(deal.medium_id, self.env.ref("utm.utm_medium_website"))
        self.assertFalse(deal.source_id)
        message = deal.message_ids.filtered(lambda m: m.author_id == deal.partner_id)
        self.assertIn("&lt;b&gt;Bay window&lt;/b&gt;", message.body, "user text is never markup")

    def test_bad_token_unknown_funnel_get_the_same_answer_and_create_nothing(self):
        good = self._post()
        self.assertEqual(good.status_code, 200)
        other_funnel = self.env["sale.funnel"].create({"name": "No web requests"})
        before = self._snapshot()
        attempts = {
            "wrong token": {"token": self.token[:-1] + ("x" if self.token[-1] != "x" else "y")},
            "no token": {"token": None},
            "empty token": {"token": ""},
            "token of another funnel": {"funnel": str(other_funnel.id)},
            "unknown funnel": {"funnel": "999999999"},
            "no funnel": {"funnel": None},
            "funnel not a number": {"funnel": "1 OR 1=1"},
            "funnel out of range": {"funnel": "99999999999999999999"},
            "funnel negative": {"funnel": "-1"},
            "funnel in superscript": {"funnel": "\u00b2"},
        }
        for label, values in attempts.items():
            with self.subTest(label):
                self._new_window()
                response = self._post(email="new.one@example.com", utm_source="Attack", **values)
                self.assertEqual(response.status_code, good.status_code)
                self.assertEqual(response.content, good.content)
                self.assertEqual(response.headers.get("Content-Type"), good.headers.get("Content-Type"))
        self.assertEqual(self._snapshot(), before, "nothing created")
        # a revoked token stops the form
        self.funnel.action_revoke_intake_token()
        self._new_window()
        response = self._post()
        self.assertEqual(response.content, good.content)
        self.assertEqual(self._snapshot(), before)

    def test_known_customers_email_reveals_nothing(self):
        deals_before = self._deals()
        unknown = self._post(email="someone.else@example.com")
        known = self._post(email="WANDA@example.com", name="Not Wanda", phone="+1 555")
        self.assertEqual(known.status_code, unknown.status_code)
        self.assertEqual(known.content, unknown.content)
        self.assertEqual(dict(known.headers).keys(), dict(unknown.headers).keys())
        deal = (self._deals() - deals_before).filtered(lambda d: d.partner_id.email == "wanda@example.com")
        self.assertEqual(deal.partner_id, self.partner, "the request goes to the customer with this email")
        self.assertEqual(self.partner.name, "Wanda Window", "a form never changes a contact")
        self.assertEqual(self.partner.phone, "+49 30 111")
        self.assertNotIn(str(deal.id).encode(), known.content)

    def test_invalid_input_is_refused_and_creates_nothing(self):
        before = self._snapshot()
        for label, values, fields in [
            ("no email", {"email": None}, ["email"]),
            ("not an email", {"email": "nora at example"}, ["email"]),
            ("message too long", {"message": "x" * 10001}, ["message"]),
            ("name too long", {"name": "n" * 129}, ["name"]),
            ("two fields", {"email": "x", "phone": "1" * 65}, ["email", "phone"]),
        ]:
            with self.subTest(label):
                response = self._post(**values)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.json(), {"status": "invalid", "fields": fields})
        # the same refusal with a wrong token: a refusal tells nothing about the token
        response = self._post(email=None, token="wrong")
        self.assertEqual(response.json(), {"status": "invalid", "fields": ["email"]})
        self.assertEqual(self._snapshot(), before)

    def test_flood_beyond_the_limit_is_refused(self):
        # Requests of this client (every test request comes from 127.0.0.1) fill the window with wrong tokens; a
        # window boundary crossed on the way starts again (the loop takes far less than a window).
        for _attempt in range(2):
            slot = _seconds_now() // INTAKE_WINDOW
            for _i in range(INTAKE_LIMIT):
                self.assertEqual(self._post(token="wrong").status_code, 200)
            if _seconds_now() // INTAKE_WINDOW == slot:
                break
        before = self._snapshot()
        response = self._post()
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.json(), {"status": "too_many_requests"})
        self.assertEqual(response.headers.get("Retry-After"), str(INTAKE_WINDOW))
        self.assertEqual(self._snapshot(), before, "a refused request creates nothing")

    def test_throttle_counts_in_the_database_per_hashed_address(self):
        Throttle = self.env["sale.intake.throttle"]
        with freeze_time("2026-03-16 08:00:00"):
            for _i in range(3):
                self.assertTrue(Throttle._erp_crm_hit("203.0.113.7", limit=3))
            self.assertFalse(Throttle._erp_crm_hit("203.0.113.7", limit=3), "the fourth in the window")
            self.assertTrue(Throttle._erp_crm_hit("203.0.113.8", limit=3), "another address has its own count")
        with freeze_time("2026-03-16 08:10:00"):
            self.assertTrue(Throttle._erp_crm_hit("203.0.113.7", limit=3), "a new window")
        rows = Throttle.search([])
        self.assertFalse(rows.filtered(lambda r: "203.0.113" in r.client_key), "addresses are not kept in clear")
        self.assertEqual(sorted(rows.mapped("hits")), [1, 1, 4])
        with freeze_time("2026-03-16 08:30:00"):
            Throttle._gc_erp_crm_throttle()
        self.assertFalse(Throttle.search([]), "past windows are dropped")

    def test_token_is_for_managers_only(self):
        manager = new_test_user(self.env, login="erp_crm_web_mgr", groups="erp_crm.erp_crm_group_manager")
        self.assertEqual(self.funnel.with_user(manager).intake_token, self.token)
        for user in (self.user_sales, self.user_all):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    self.funnel.with_user(user).read(["intake_token"])
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    self.env["sale.funnel"].with_user(user).search([("intake_token", "=", self.token)])
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    self.funnel.with_user(user).action_generate_intake_token()
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    self.funnel.with_user(user).action_revoke_intake_token()
        self.funnel.with_user(manager).action_generate_intake_token()
        self.assertNotEqual(self.funnel.intake_token, self.token, "a new token replaces the old one")
        self.assertFalse(self.funnel.copy().intake_token, "a copied funnel takes no web requests")

    def test_browser_fetch_with_form_data(self):
        """A page's script posts FormData (multipart) from another origin and reads the answer."""
        deals_before = self._deals()
        fields = {
            "funnel": str(self.funnel.id),
            "token": self.token,
            "email": "fetch@example.com",
            "message": "Sent by fetch",
        }
        response = self.url_open(
            URL,
            files={name: (None, value) for name, value in fields.items()},
            headers={"Origin": "https://windows.example.org"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers.get("Access-Control-Allow-Origin"), "*")
        deal = self._deals() - deals_before
        self.assertEqual(deal.partner_id.email, "fetch@example.com")
        self.assertEqual(deal.title, "Sent by fetch")

    def test_funnel_form_shows_the_token_to_managers_only(self):
        manager = new_test_user(self.env, login="erp_crm_web_mgr2", groups="erp_crm.erp_crm_group_manager")
        view = self.env.ref("erp_crm.sale_funnel_view_form")
        for user, sees_token in ((manager, True), (self.user_sales, False), (self.user_all, False)):
            with self.subTest(user=user.login):
                arch = self.env["sale.funnel"].with_user(user).get_views([(view.id, "form")])["views"]["form"]["arch"]
                self.assertIn('name="alias_name"', arch)
                self.assertEqual('name="intake_token"' in arch, sees_token)
