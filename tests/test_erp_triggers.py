from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import freeze_time, tagged

from ..models.sale_order_trigger import EVENT_TRIGGERS
from .common import DEFAULT_TEST_INSTANT
from .erp_common import ErpTriggerCommon

PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


@tagged("erp_crm", "erp_crm_triggers")
class TestErpTriggers(ErpTriggerCommon):
    """Invoices, payments and quotations move deals through their stages' triggers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_payment.write({"trigger": "invoice_posted"})
        cls.stage_production.write({"trigger": "down_payment_paid", "trigger_percent": 50.0})

    def test_posting_a_down_payment_moves_to_payment_then_paying_it_to_production(self):
        deal = self._create_deal()
        invoice = self._down_payment(deal, 50.0)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(deal.stage_id, self.stage_payment)
        self._pay(invoice)
        self.assertEqual(deal.stage_id, self.stage_production)
        self.assertEqual(
            deal.stage_history_ids.mapped("stage_id"), self.stage_call | self.stage_payment | self.stage_production
        )
        self.assertEqual(
            deal.stage_history_ids[-1].user_id, self.user_accountant, "the accountant moved it, unknowingly"
        )

    def test_partial_payment_below_the_threshold_does_not_move(self):
        deal = self._create_deal()  # 2 x 1000
        invoice = self._down_payment(deal, 50.0)  # 1000
        self._pay(invoice, amount=600.0)
        self.assertAlmostEqual(deal.paid_percent, 30.0)
        self.assertEqual(deal.stage_id, self.stage_payment, "30% paid of the 50% asked: stays")
        self._pay(invoice, amount=400.0)
        self.assertAlmostEqual(deal.paid_percent, 50.0)
        self.assertEqual(deal.stage_id, self.stage_production)

    def test_one_event_goes_to_the_last_satisfied_stage(self):
        deal = self._create_deal()
        invoice = self._down_payment(deal, 50.0, post=False)
        invoice.action_post()
        self.assertEqual(deal.stage_id, self.stage_payment)
        # Paying it satisfies both Payment (invoice posted) and Production: the deal goes to the last one.
        deal.write({"stage_id": self.stage_call.id})
        self._pay(invoice)
        self.assertEqual(deal.stage_id, self.stage_production)

    def test_triggers_are_forward_only(self):
        deal = self._create_deal(stage_id=self.stage_installation.id)
        invoice = self._down_payment(deal, 50.0)
        self._pay(invoice)
        self.assertEqual(deal.stage_id, self.stage_installation, "Payment and Production are behind: no move back")
        self.assertEqual(len(deal.stage_history_ids), 1)

    def test_won_and_lost_deals_do_not_move(self):
        lost = self._create_deal()
        lost._mark_lost(self.lost_reason)
        won = self._create_deal()
        self.stage_installation.trigger = "invoice_posted"
        self.stage_installation.flush_recordset()
        won.write({"stage_id": self.stage_won.id})
        self.stage_won.trigger = False
        for deal in lost | won:
            self._down_payment(deal, 50.0)
        self.assertEqual(lost.stage_id, self.stage_lost)
        self.assertEqual(won.stage_id, self.stage_won)

    def test_reposting_and_recomputing_never_fire_twice(self):
        deal = self._create_deal()
        invoice = self._down_payment(deal, 50.0)
        self._pay(invoice)
        rows = len(deal.stage_history_ids)
        deal._erp_crm_on_event("payment")
        invoice._get_erp_crm_deals()._erp_crm_on_event("invoice_posted")
        self.assertEqual(len(deal.stage_history_ids), rows)
        # The down payment is created once per deal, however often the robot asks.
        self.assertEqual(self._down_payment(deal, 50.0), invoice)

    def test_one_payment_for_invoices_of_two_deals_moves_both(self):
        deal_a, deal_b = self._create_deal(), self._create_deal()
        invoices = self._down_payment(deal_a, 50.0) | self._down_payment(deal_b, 50.0)
        payment = self._pay(invoices)
        self.assertEqual(len(payment), 1)
        self.assertEqual((deal_a | deal_b).stage_id, self.stage_production)

    def test_draft_invoice_is_never_paid_and_reset_to_draft_unpays(self):
        deal = self._create_deal(stage_id=self.stage_installation.id)
        invoice = self._down_payment(deal, 50.0)
        self._pay(invoice)
        self.assertAlmostEqual(deal.paid_percent, 50.0)
        invoice.with_user(self.user_accountant).button_draft()
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(deal.paid_percent, 0.0, "a draft invoice is never paid, even with its payment still matched")
        self.assertEqual(deal.invoiced_percent, 0.0)

    def test_credit_note_lowers_invoiced_and_paid(self):
        deal = self._create_deal(stage_id=self.stage_installation.id)
        invoice = self._down_payment(deal, 50.0)
        self._pay(invoice)
        self.assertAlmostEqual(deal.paid_percent, 50.0)
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Discount"})
        )
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        credit_note.invoice_line_ids.quantity = 0.4  # refund 400 of the 1000
        credit_note.action_post()
        self.assertAlmostEqual(deal.invoiced_percent, 30.0)
        self.assertAlmostEqual(deal.paid_percent, 30.0)

    def test_quotation_sent_and_order_confirmed_triggers(self):
        self.stage_measure.trigger = "quotation_sent"
        self.stage_approval.trigger = "order_confirmed"
        deal = self._create_deal()
        deal.action_quotation_sent()
        self.assertEqual(deal.stage_id, self.stage_measure)
        deal.action_confirm()
        self.assertEqual(deal.stage_id, self.stage_approval)

    def test_signed_quotation_meets_confirmed_or_signed(self):
        self.stage_approval.trigger = "order_confirmed"
        deal = self._create_deal()
        # What the portal writes when the customer signs a quotation that still asks for a prepayment.
        deal.write({"signed_by": "Claudia Brandt", "signed_on": "2026-03-09 10:00:00", "signature": PIXEL_PNG})
        self.assertEqual(deal.state, "draft")
        self.assertEqual(deal.stage_id, self.stage_approval)

    def test_every_trigger_kind_has_its_pieces(self):
        """A trigger kind is met by its own method, and some ERP event re-checks it: a kind added to the selection
        without them would never move a deal."""
        Stage = self.env["sale.funnel.stage"]
        checked = set().union(*EVENT_TRIGGERS.values())
        for kind, _label in Stage._fields["trigger"].selection:
            with self.subTest(kind=kind):
                self.assertTrue(callable(getattr(Stage, f"_trigger_met_{kind}", None)), "no _trigger_met_<kind>")
                self.assertIn(kind, checked, "no ERP event re-checks it (EVENT_TRIGGERS)")
                stage = Stage.new({"name": "S", "trigger": kind, "trigger_percent": 30.0})
                self.assertTrue(stage._trigger_describe(), "the robot board has nothing to say of it")

    def test_trigger_configuration_is_validated(self):
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.stage_production.trigger_percent = 150.0
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.stage_production.trigger_percent = -1.0
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.stage_production.gate_prepaid_percent = 101.0
        with self.assertRaisesRegex(ValidationError, "choose that task stage"):
            self.stage_won.trigger = "task_stage"
        project = self.env["project.project"].create({"name": "Installations", "allow_billable": True})
        other_project = self.env["project.project"].create({"name": "Internal"})
        done_stage, other_stage = self.env["project.task.type"].create(
            [
                {"name": "Installed", "project_ids": [project.id]},
                {"name": "Elsewhere", "project_ids": [other_project.id]},
            ]
        )
        # Without a task robot in the funnel, any task stage will do.
        self.stage_won.write({"trigger": "task_stage", "trigger_task_stage_id": other_stage.id})
        robot = self._create_task_robot(project)
        self.stage_won.trigger_task_stage_id = done_stage
        with self.assertRaisesRegex(ValidationError, "not used by the project"):
            self.stage_won.trigger_task_stage_id = other_stage
        robot.action_archive()
        self.stage_won.trigger_task_stage_id = other_stage  # an archived robot creates no tasks


@tagged("erp_crm", "erp_crm_triggers", "erp_crm_perf")
# The pinned counts include Odoo's posting (invoice sequence, due dates): at the base classes' instant, said here.
@freeze_time(DEFAULT_TEST_INSTANT)
class TestErpTriggerQueries(ErpTriggerCommon):
    """ERP hooks tell their deals in batch: the cost does not grow with the number of deals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_payment.write({"trigger": "invoice_posted"})
        cls.deals = cls.env["sale.order"].concat(*(cls._create_deal() for _i in range(41)))

    def _draft_down_payments(self, deals):
        return self.env["account.move"].concat(*(self._down_payment(deal, 50.0, post=False) for deal in deals))

    def _event_queries(self, deals):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        deals._erp_crm_on_event("invoice_posted")
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_telling_deals_costs_the_same_for_5_or_20_deals(self):
        invoices = self._draft_down_payments(self.deals)
        invoices.with_context(erp_crm_skip_triggers=True).action_post()
        self._event_queries(self.deals[:5])  # warm the registry and ref caches
        few = self._event_queries(self.deals[5:10])
        many = self._event_queries(self.deals[10:30])
        self.assertEqual(many, few, f"5 deals: {few} queries, 20 deals: {many}")
        self.assertEqual(self.deals[:30].stage_id, self.stage_payment)

    def _post_queries(self, invoices, **context):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        invoices.with_context(**context).action_post()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_posting_20_invoices_of_20_deals(self):
        deals = self.deals
        self._post_queries(self._draft_down_payments(deals[:1]))  # warm the caches
        quiet = self._post_queries(self._draft_down_payments(deals[1:21]), erp_crm_skip_triggers=True)
        invoices = self._draft_down_payments(deals[21:41])
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        with self.assertQueryCount(__system__=400):  # Odoo's own posting is most of it (about 19 per invoice)
            invoices.action_post()
            self.env.flush_all()
        told = self.env.cr.sql_log_count - before
        self.assertLessEqual(told - quiet, 15, f"moving 20 deals on posting: {told - quiet} queries")
        self.assertEqual(deals[:1].stage_id | deals[21:41].stage_id, self.stage_payment)
        self.assertEqual(deals[1:21].stage_id, self.stage_call)


@tagged("erp_crm", "erp_crm_triggers")
class TestErpTriggersMultiCompany(ErpTriggerCommon):
    """A payment in another company moves that company's deal, whatever the accountant's current company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create(
            {"name": "Windows North", "currency_id": cls.env.company.currency_id.id}
        )
        cls.env["account.chart.template"].try_loading("generic_coa", company=cls.company_b, install_demo=False)
        cls.env.user.company_ids += cls.company_b
        cls.user_accountant.write({"company_ids": [Command.set([cls.env.company.id, cls.company_b.id])]})
        cls.stage_payment.write({"trigger": "invoice_posted"})
        cls.stage_production.write({"trigger": "down_payment_paid", "trigger_percent": 50.0})

    def test_payment_in_the_deals_company_moves_it(self):
        deal_b = self._create_deal(company_id=self.company_b.id, team_id=False)
        deal_b.funnel_id = self.funnel
        self.assertEqual(deal_b.company_id, self.company_b)
        deal_a = self._create_deal()
        invoice_b = self._down_payment(deal_b.with_company(self.company_b), 50.0)
        self.assertEqual(invoice_b.company_id, self.company_b)
        invoice_a = self._down_payment(deal_a, 50.0)
        self.assertEqual((deal_a | deal_b).stage_id, self.stage_payment)
        # The accountant works in the main company and pays the other company's invoice from there.
        self._pay(invoice_b)
        self.assertEqual(deal_b.stage_id, self.stage_production)
        self.assertEqual(deal_a.stage_id, self.stage_payment)
        self._pay(invoice_a)
        self.assertEqual(deal_a.stage_id, self.stage_production)
