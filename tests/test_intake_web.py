"""Intake by website form (issue 11 item 5b): a public endpoint, token-protected, rate-limited, revealing nothing."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
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

    def _web_request_note(self, deal):
        """The deal's one web request note: by OdooBot, internal (nobody notified), with the typed address."""
        message = deal.message_ids.filtered(lambda m: "Web request from" in (m.body or ""))
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.env.ref("base.partner_root"))
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))
        self.assertTrue(message.is_internal)
        self.assertFalse(message.notification_ids, "the visitor's text is sent to nobody")
        return message

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
        # the request's text is logged as a web request, as plain text, by OdooBot with what was typed
        message = self._web_request_note(deal)
        self.assertIn("Five windows for our new house.<br>Please call me back after 5 pm.", message.body)
        self.assertIn("Web request from Nora New &lt;nora.new@example.com&gt;, phone +49 30 222", message.body)
        self.assertFalse(deal.intake_partner_match_id, "nobody known has this address")

    def test_nul_characters_are_dropped_and_the_request_kept(self):
        deals_before = self._deals()
        response = self._post(name="Nora\x00 New", subject="Five\x00 windows", message="Call\x00 me")
        self.assertEqual(response.json(), {"status": "received"})
        deal = self._deals() - deals_before
        self.assertEqual(len(deal), 1, "the visitor was told received: the request is there")
        self.assertEqual((deal.title, deal.partner_id.name), ("Five windows", "Nora New"))
        self.assertIn("Call me", self._web_request_note(deal).body)

    def test_defaults_without_subject_or_utm(self):
        deals_before = self._deals()
        self._post(subject=None, message="<b>Bay window</b> for the kitchen\nand more")
        deal = self._deals() - deals_before
        self.assertEqual(deal.title, "<b>Bay window</b> for the kitchen", "the first line, as text")
        self.assertEqual(deal.medium_id, self.env.ref("utm.utm_medium_website"))
        self.assertFalse(deal.source_id)
        message = self._web_request_note(deal)
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
        self.assertEqual(deal.intake_partner_match_id, self.partner, "the customer with this email is suggested")
        self.assertNotEqual(deal.partner_id, self.partner, "and only suggested")
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


@tagged("post_install", "-at_install", "erp_crm")
class TestWebFormSpeaksForNobody(ErpCrmCommon, HttpCase):
    """Issue 18 item 3: the token is in the public page, so any visitor posts the form. Typing an address proves
    nothing: a request never makes an employee its customer, never writes as a known contact, and a known
    customer with the typed address is only suggested, for the salesperson to confirm."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.funnel.action_generate_intake_token()
        cls.sale_team.user_id = cls.user_sales
        cls.user_manager.email = "mike.manager@example.com"
        cls.partner.write({"name": "Wanda Window", "email": "wanda@example.com", "user_id": cls.user_sales_2.id})
        cls.user_sales_2.group_ids += cls.env.ref("base.group_partner_manager")  # Contact Creation, as by default

    def _post(self, **values):
        data = {"funnel": str(self.funnel.id), "token": self.funnel.intake_token, "email": "x@example.com", **values}
        response = self.url_open(URL, data=data)
        self.assertEqual(response.json(), {"status": "received"})
        return self.env["sale.order"].search([("funnel_id", "=", self.funnel.id)], order="id desc", limit=1)

    def _messages_by(self, partner):
        return self.env["mail.message"].search([("author_id", "=", partner.id)])

    def test_an_employees_address_makes_no_customer_and_no_message_of_theirs(self):
        victim = self.user_manager.partner_id
        written_before = self._messages_by(victim)
        deal = self._post(email="Mike.Manager@example.com", name="Mike Manager", message="Give this one 50 % off.")
        self.assertEqual(deal.title, "Give this one 50 % off.")
        self.assertNotEqual(deal.partner_id, victim, "an employee is never a web request's customer")
        self.assertFalse(deal.partner_id.with_context(active_test=False).user_ids, "a contact of nobody's account")
        self.assertEqual(deal.partner_id.email, "mike.manager@example.com", "the address as typed, on its own contact")
        self.assertFalse(deal.intake_partner_match_id, "nor suggested")
        self.assertEqual(self._messages_by(victim), written_before, "nothing written as the employee")
        self.assertNotIn(victim, deal.message_partner_ids)
        self.assertEqual(deal.create_uid, self.env.ref("base.user_root"))

    def test_a_known_customers_address_only_suggests_them(self):
        written_before = self._messages_by(self.partner)
        orders_before = self.env["sale.order"].search([("partner_id", "=", self.partner.id)])
        deal = self._post(email="wanda@example.com", name="Wanda Window", message="Send all invoices to evil@x.com")
        self.assertNotEqual(deal.partner_id, self.partner, "the visitor is not taken for the customer")
        self.assertEqual(deal.intake_partner_match_id, self.partner, "but the salesperson sees who it may be")
        self.assertEqual(deal.user_id, self.user_sales_2, "the suggested customer's salesperson takes it")
        self.assertEqual(self._messages_by(self.partner), written_before, "nothing written as the customer")
        self.assertEqual(self.env["sale.order"].search([("partner_id", "=", self.partner.id)]), orders_before)
        note = deal.message_ids.filtered(lambda m: "evil@x.com" in (m.body or ""))
        self.assertEqual(note.author_id, self.env.ref("base.partner_root"), "logged as a web request, by OdooBot")
        self.assertIn("Web request from Wanda Window &lt;wanda@example.com&gt;", note.body)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        # a salesperson who cannot write the deal cannot confirm it
        with self.assertRaises(AccessError), mute_logger("odoo.models", "odoo.addons.base.models.ir_rule"):
            deal.with_user(self.user_sales).action_erp_crm_use_matched_customer()
        # the salesperson confirms: the customer's deal, the request's own contact archived (nothing else uses it)
        web_contact = deal.partner_id
        deal.with_user(self.user_sales_2).action_erp_crm_use_matched_customer()
        self.assertEqual(deal.partner_id, self.partner)
        self.assertFalse(deal.intake_partner_match_id)
        self.assertFalse(web_contact.active)
        self.assertIn("Customer confirmed by Sam Sales", deal.message_ids[0].body)

    def test_not_the_same_person_keeps_the_requests_contact(self):
        deal = self._post(email="WANDA@example.com", name="Someone")
        web_contact = deal.partner_id
        deal.with_user(self.user_sales_2).action_erp_crm_dismiss_matched_customer()
        self.assertEqual(deal.partner_id, web_contact)
        self.assertTrue(web_contact.active)
        self.assertFalse(deal.intake_partner_match_id)

    def test_a_confirmed_order_keeps_its_customer(self):
        deal = self._post(email="wanda@example.com")
        deal.state = "sale"
        with self.assertRaisesRegex(UserError, "Customer"):
            deal.with_user(self.user_sales_2).action_erp_crm_use_matched_customer()

    def test_the_suggestion_is_for_salespeople(self):
        deal = self._post(email="wanda@example.com")
        portal = new_test_user(self.env, login="erp_crm_web_portal", groups="base.group_portal")
        portal.partner_id.parent_id = deal.partner_id  # the visitor's contact got a portal account
        self.assertEqual(deal.with_user(portal).read(["name"])[0]["name"], deal.name)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            deal.with_user(portal).read(["intake_partner_match_id"])

    def test_a_shared_funnel_takes_requests_into_the_company_of_its_web_form(self):
        """Not the superuser's company: the company the manager published the form for."""
        company_b = self.env["res.company"].create({"name": "Windows B"})
        manager_b = new_test_user(
            self.env,
            login="erp_crm_web_mgr_b",
            groups="erp_crm.erp_crm_group_manager",
            company_id=company_b.id,
            company_ids=[Command.set([company_b.id, self.env.company.id])],
        )
        shared = self.env["sale.funnel"].create({"name": "Shared windows", "company_id": False})
        self.assertFalse(shared.team_ids)
        shared.with_user(manager_b).action_generate_intake_token()
        self.assertEqual(shared.intake_company_id, company_b)
        self.url_open(URL, data={"funnel": str(shared.id), "token": shared.intake_token, "email": "b@example.com"})
        deal = self.env["sale.order"].search([("funnel_id", "=", shared.id)])
        self.assertEqual(deal.company_id, company_b)
        self.assertEqual(deal.partner_id.company_id, company_b, "the request's contact belongs there too")
        # a company outside the user's companies cannot be chosen
        company_c = self.env["res.company"].create({"name": "Windows C"})
        with self.assertRaisesRegex(ValidationError, "Requests Company"):
            shared.with_user(manager_b).intake_company_id = company_c
        # a shared funnel that names no company takes nothing, rather than the superuser's company
        shared.intake_company_id = False
        before = self.env["sale.order"].search_count([])
        with mute_logger("odoo.addons.erp_crm.controllers.intake"):
            self.url_open(URL, data={"funnel": str(shared.id), "token": shared.intake_token, "email": "c@example.com"})
        self.assertEqual(self.env["sale.order"].search_count([]), before)

    def test_utm_names_are_literal_of_the_deals_company_and_never_noise(self):
        company_b = self.env["res.company"].create({"name": "Windows B"})
        campaign_b = self.env["utm.campaign"].create({"title": "Spring", "company_id": company_b.id})
        Source = self.env["utm.source"].with_context(active_test=False)
        sources_before = Source.search([])
        deal = self._post(utm_campaign="spring", utm_source="%")
        self.assertNotEqual(deal.campaign_id, campaign_b, "another company's campaign is never reused")
        self.assertEqual((deal.campaign_id.title, deal.campaign_id.company_id), ("spring", self.env.company))
        self.assertEqual(self._post(utm_campaign="Spring").campaign_id, deal.campaign_id, "found again")
        for noise in ("%", "_", "%_%", " - ", "  "):
            with self.subTest(noise=noise):
                self._new_window()
                deal = self._post(utm_source=noise, utm_medium=noise, utm_campaign=noise)
                self.assertFalse(deal.source_id)
                self.assertEqual(deal.medium_id, self.env.ref("utm.utm_medium_website"))
                self.assertFalse(deal.campaign_id)
        self.assertEqual(Source.search([]), sources_before, "no utm record named % or _")
        self.assertFalse(self.env["utm.medium"].with_context(active_test=False).search([("name", "in", ["%", "_"])]))

    def _new_window(self):
        self.env.cr.execute("DELETE FROM sale_intake_throttle")
