"""One service priority that follows the customer's ranking while the request is open (issue 20, item 12)."""

from lxml import etree

from odoo.fields import Command
from odoo.tests import tagged

from .service_common import ServiceCommon


@tagged("erp_crm")
class TestServicePriorityFollowsRanking(ServiceCommon):
    """Wanda's requests were opened before she became an A customer; the ranking cron raises the open ones."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.is_company = True
        cls.contact = cls.env["res.partner"].create({"name": "Walter at Wanda", "parent_id": cls.customer.id})

    def _make_customer_a(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2026-03-01",
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Windows", "quantity": 1, "price_unit": 20000, "tax_ids": [Command.clear()]}
                    )
                ],
            }
        )
        invoice.action_post()
        self.env["res.partner.ranking"]._compute_ranking(self.env.company)
        ranking = self.env["res.partner.ranking"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(ranking.abc_class, "a")

    def test_service_priority_follows_the_ranking_of_open_requests(self):
        question = self._create_request(name="How do I clean the frames?", partner_id=self.contact.id)
        by_hand = self._create_request(name="Handle loose", partner_id=self.customer.id)
        solved = self._create_request(name="Old question", partner_id=self.customer.id)
        self.assertEqual(question.service_priority, "low", "before the ranking: the question's priority")
        by_hand.with_user(self.user_tech).write({"service_priority": "normal"})  # the technician decides
        solved.with_user(self.user_tech).write({"state": "1_done"})

        self._make_customer_a()

        self.assertEqual(question.service_priority, "high", "an A customer's open request follows the class")
        self.assertEqual(by_hand.service_priority, "normal", "what a person set stays")
        self.assertEqual(solved.service_priority, "low", "a closed request keeps the priority it was handled with")
        self.assertEqual(len(question.sla_ids.filtered(lambda line: line.status in ("ongoing", "at_risk"))), 2)
        # the customer drops out of the ranking: the open request goes back to its type's priority
        self.env["account.move"].search([("partner_id", "=", self.customer.id)]).button_draft()
        self.env["res.partner.ranking"]._compute_ranking(self.env.company)
        self.assertEqual(question.service_priority, "low")

    def test_service_card_shows_one_priority(self):
        view = self.env.ref("erp_crm.project_task_view_kanban_service")
        arch = etree.fromstring(self.env["project.task"].get_view(view.id, "kanban")["arch"])
        stars = arch.xpath("//field[@name='priority'][@widget='priority']")
        self.assertTrue(all(node.get("invisible") in ("1", "True") for node in stars), "no stars beside the badge")
        self.assertTrue(arch.xpath("//field[@name='service_priority']"), "the service priority is on the card")
