"""Intake by email (issue 11 item 5a): an email to a funnel's alias becomes a deal in its first stage."""

from datetime import datetime

from odoo.fields import Command
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MailCase

from .common import ErpCrmCommon, create_berlin_office_calendar

REQUEST_MAIL = """Return-Path: {return_path}
To: {to}
cc: {cc}
Received: by mail1.example.com (Postfix, from userid 10002)
From: {email_from}
Subject: {subject}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit
Date: {date}
Message-ID: {msg_id}
{extra}

We need five windows for our new house, triple glazing. Please call me back.
"""

MONDAY_9 = "2026-03-16 08:00:00"  # Monday 16 March 2026, 09:00 in Berlin


@tagged("erp_crm")
class TestEmailIntake(ErpCrmCommon, MailCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._init_mail_gateway()
        cls.funnel.write({"alias_name": "windows", "alias_domain_id": cls.mail_alias_domain.id})
        cls.funnel_address = cls.funnel.alias_email
        cls.sale_team.user_id = cls.user_sales
        cls.partner.write({"name": "Wanda Window", "email": "wanda@example.com"})

    def _receive(self, email_from, subject, to=None, **kwargs):
        with mute_logger("odoo.addons.mail.models.mail_thread"), freeze_time(MONDAY_9):
            return self.format_and_process(
                REQUEST_MAIL,
                email_from,
                to or self.funnel_address,
                subject=subject,
                target_model="sale.order",
                target_field="title",
                **kwargs,
            )

    def _emails(self, deal):
        return deal.message_ids.filtered(lambda m: m.message_type == "email")

    def test_alias_belongs_to_the_funnel_and_creates_deals(self):
        self.assertEqual(self.funnel_address, "windows@test.mycompany.com")
        self.assertEqual(self.funnel.alias_id.alias_model_id.model, "sale.order")
        self.assertEqual(self.funnel.alias_id.alias_parent_model_id.model, "sale.funnel")
        self.assertEqual(self.funnel.alias_id.alias_parent_thread_id, self.funnel.id)
        self.assertEqual(self.funnel.alias_id.alias_defaults, repr({"funnel_id": self.funnel.id}))

    def test_known_sender_gets_a_deal_in_the_first_stage(self):
        deal = self._receive('"Wanda Window" <wanda@example.com>', "Five windows for the new house")
        self.assertEqual(len(deal), 1)
        self.assertEqual(deal.partner_id, self.partner, "the sender matches the customer")
        self.assertEqual(deal.funnel_id, self.funnel)
        self.assertEqual(deal.stage_id, self.stage_call, "the funnel's first stage")
        self.assertEqual(deal.team_id, self.sale_team, "the funnel's team")
        self.assertEqual(deal.company_id, self.env.company)
        self.assertEqual(deal.user_id, self.user_sales, "the team's leader, the customer having no salesperson")
        self.assertEqual(deal.state, "draft")
        self.assertNotEqual(deal.name, "Five windows for the new house", "the order keeps its number")
        self.assertEqual(deal.medium_id, self.env.ref("utm.utm_medium_email"))
        # through the door: the stage entry is in the history, at the time the email came in
        self.assertEqual(len(deal.stage_history_ids), 1)
        self.assertEqual(deal.stage_history_ids.stage_id, self.stage_call)
        self.assertFalse(deal.stage_history_ids.from_stage_id)
        self.assertEqual(str(deal.date_stage), MONDAY_9)
        # the email is the deal's first message, written by the customer
        emails = self._emails(deal)
        self.assertEqual(len(emails), 1)
        self.assertEqual(emails.author_id, self.partner)
        self.assertIn("five windows for our new house", emails.body)
        self.assertIn(self.partner, deal.message_partner_ids, "the customer follows their request")

    def test_unknown_sender_becomes_a_new_customer(self):
        partners_before = self.env["res.partner"].search_count([])
        deal = self._receive('"Nora New" <nora.new@example.com>', "Balcony door")
        self.assertEqual(len(deal), 1)
        self.assertEqual(self.env["res.partner"].search_count([]), partners_before + 1)
        self.assertEqual(deal.partner_id.email, "nora.new@example.com")
        self.assertEqual(deal.partner_id.name, "Nora New")
        self.assertEqual(self._emails(deal).author_id, deal.partner_id)
        self.assertEqual(deal.stage_id, self.stage_call)

    def test_customer_salesperson_takes_the_request(self):
        self.partner.user_id = self.user_sales_2
        deal = self._receive('"Wanda Window" <wanda@example.com>', "Skylight")
        self.assertEqual(deal.user_id, self.user_sales_2)

    def test_reply_threads_on_the_deal(self):
        deal = self._receive('"Wanda Window" <wanda@example.com>', "Front door")
        first = self._emails(deal)
        deals_before = self.env["sale.order"].search_count([])
        self._receive(
            '"Wanda Window" <wanda@example.com>',
            "Re: Front door",
            extra=f"In-Reply-To: {first.message_id}",
        )
        self.assertEqual(self.env["sale.order"].search_count([]), deals_before, "no second deal")
        self.assertEqual(len(self._emails(deal)), 2)
        self.assertEqual(deal.stage_id, self.stage_call)

    def test_alias_of_a_funnel_of_company_b(self):
        company_b = self.env["res.company"].create({"name": "Windows B"})
        domain_b = self._init_alias_domain(
            "b.example.com",
            {"name": "b.example.com", "company_ids": [Command.link(company_b.id)], "sequence": 5},
        )
        team_b = self.env["crm.team"].create({"name": "Team B", "company_id": company_b.id})
        funnel_b = self.env["sale.funnel"].create(
            {"name": "Windows of B", "company_id": company_b.id, "team_ids": [Command.link(team_b.id)]}
        )
        team_b.funnel_id = funnel_b
        funnel_b.write({"alias_name": "windows", "alias_domain_id": domain_b.id})
        self.assertEqual(funnel_b.alias_email, "windows@b.example.com")
        # a contact of company A with the sender's address is not company B's customer
        self.partner.company_id = self.env.company
        deal = self._receive('"Wanda Window" <wanda@example.com>', "Windows from B", to=funnel_b.alias_email)
        self.assertEqual(len(deal), 1)
        self.assertEqual(deal.funnel_id, funnel_b)
        self.assertEqual(deal.company_id, company_b)
        self.assertEqual(deal.team_id, team_b)
        self.assertEqual(deal.stage_id, funnel_b._get_first_open_stage())
        self.assertNotEqual(deal.partner_id, self.partner)
        self.assertEqual(deal.partner_id.email, "wanda@example.com")
        self.assertEqual(deal.partner_id.company_id, company_b, "a new contact of the funnel's company")
        # the same address at company A's alias still lands at company A
        deal_a = self._receive('"Wanda Window" <wanda@example.com>', "Windows from A")
        self.assertEqual(deal_a.company_id, self.env.company)
        self.assertEqual(deal_a.funnel_id, self.funnel)
        self.assertEqual(deal_a.partner_id, self.partner)

    def test_alias_defaults_stay_the_funnels(self):
        """The gateway applies an alias's defaults under sudo: a manager cannot make them set other fields."""
        manager = new_test_user(self.env, login="erp_crm_intake_mgr", groups="erp_crm.erp_crm_group_manager")
        self.funnel.with_user(manager).write({"alias_defaults": "{'won_status': 'won', 'user_id': 1}"})
        self.assertEqual(self.funnel.alias_id.alias_defaults, repr({"funnel_id": self.funnel.id}))
        deal = self._receive('"Wanda Window" <wanda@example.com>', "Roof window")
        self.assertEqual(deal.won_status, "pending")
        self.assertEqual(deal.user_id, self.user_sales)

    def test_copied_funnel_gets_its_own_alias(self):
        copy = self.funnel.copy()
        self.assertFalse(copy.alias_name, "an address leads to one funnel")
        self.assertEqual(copy.alias_id.alias_defaults, repr({"funnel_id": copy.id}))
        self.assertEqual(self.funnel.alias_email, self.funnel_address)

    def test_first_stage_robots_run_for_the_request(self):
        """Scenario 1 step 1: the salesperson gets "Call the customer back", due 15 working minutes later."""
        self.env.company.resource_calendar_id = create_berlin_office_calendar(self.env)
        role = self.env["sale.funnel.role"].create(
            {"name": "Salesperson", "funnel_id": self.funnel.id, "assignment": "salesperson"}
        )
        self.env["sale.funnel.robot"].create(
            {
                "name": "Call the customer back",
                "stage_id": self.stage_call.id,
                "kind": "activity",
                "summary": "Call the customer back",
                "role_id": role.id,
                "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                "deadline_amount": 15,
                "deadline_unit": "minutes",
            }
        )
        deal = self._receive('"Nora New" <nora.new@example.com>', "Terrace door")
        activity = deal.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.summary, "Call the customer back")
        self.assertEqual(activity.user_id, self.user_sales)
        self.assertEqual(activity.deadline_at, datetime(2026, 3, 16, 8, 15), "09:15 in Berlin")
        self.assertEqual(deal.robot_run_ids.state, "done")

    def test_an_employees_address_never_makes_them_the_customer(self):
        """Issue 18 item 3: the gateway authors an email by its From address (Odoo's design, unsigned); an
        employee's address still never makes the employee a deal's customer, nor the deal theirs."""
        boss = self.user_manager
        boss.email = "mike.manager@example.com"
        Message = self.env["mail.message"]
        written_before = Message.search([("author_id", "=", boss.partner_id.id)])
        deal = self._receive('"Mike Manager" <mike.manager@example.com>', "Give them 50 % off")
        self.assertEqual(len(deal), 1)
        self.assertNotEqual(deal.partner_id, boss.partner_id)
        self.assertFalse(deal.partner_id.with_context(active_test=False).user_ids)
        self.assertEqual(deal.partner_id.email, "mike.manager@example.com")
        self.assertEqual(self._emails(deal).author_id, deal.partner_id, "the email is its address's contact's")
        self.assertEqual(Message.search([("author_id", "=", boss.partner_id.id)]), written_before)
        self.assertNotIn(boss.partner_id, deal.message_partner_ids)
        self.assertEqual(deal.create_uid, self.env.ref("base.user_root"), "created by OdooBot, not as the sender")
        again = self._receive('"Mike Manager" <mike.manager@example.com>', "And free installation")
        self.assertEqual(again.partner_id, deal.partner_id, "the address's own contact, found again")

    def test_a_shared_funnel_takes_emails_into_its_requests_company(self):
        """Not the company of the user the sender's address names (the gateway runs as them)."""
        company_b = self.env["res.company"].create({"name": "Windows B"})
        self.user_manager.email = "mike.manager@example.com"
        shared = self.env["sale.funnel"].create(
            {"name": "Shared windows", "company_id": False, "intake_company_id": company_b.id}
        )
        shared.write({"alias_name": "shared", "alias_domain_id": self.mail_alias_domain.id})
        deal = self._receive('"Mike Manager" <mike.manager@example.com>', "Windows for B", to=shared.alias_email)
        self.assertEqual((deal.funnel_id, deal.company_id), (shared, company_b))
        self.assertEqual(deal.partner_id.company_id, company_b)
