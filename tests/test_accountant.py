from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, freeze_time, new_test_user, tagged

from .erp_common import ErpTriggerCommon


@tagged("erp_crm", "erp_crm_triggers")
class TestAccountant(ErpTriggerCommon):
    """The accountant works from the deal; financial gates hold deals back with reasons and amounts."""

    def test_invoice_button_opens_odoo_wizard_and_creates_a_down_payment(self):
        deal = self._create_deal()
        action = deal.with_user(self.user_accountant).action_open_deal_invoice_wizard()
        self.assertEqual(action["res_model"], "sale.advance.payment.inv")
        self.assertEqual(action["context"]["default_advance_payment_method"], "percentage")
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(**action["context"])
            .create({"advance_payment_method": "fixed", "fixed_amount": 300.0})
        )
        wizard.create_invoices()
        invoice = deal.invoice_ids
        self.assertEqual(invoice.amount_total, 300.0)
        invoice.action_post()
        self.assertAlmostEqual(deal.invoiced_percent, 15.0)
        self.assertEqual(deal.deal_due_amount, 300.0)

    def _invoicing_accountant(self):
        """The demo's accountant: invoicing rights and every deal (Odoo's invoicing wizard is a sales tool)."""
        return new_test_user(
            self.env,
            login="erp_crm_invoicing_accountant",
            groups="account.group_account_invoice,erp_crm.erp_crm_group_all_deals",
        )

    def _open_invoicing_wizard(self, deal, user):
        """The accountant clicks the deal's Invoice button: Odoo's wizard, filled in as the browser would."""
        action = deal.with_user(user).action_open_deal_invoice_wizard()
        Wizard = self.env["sale.advance.payment.inv"].with_user(user)
        return Form(Wizard.with_context(**action["context"]))

    def test_invoicing_wizard_proposes_the_funnels_down_payment_then_the_final_invoice(self):
        """Issue 20, 7: the down-payment robot's share is what the wizard proposes on the deal; once the down
        payment is invoiced, Odoo's regular invoice (the down payment deducted)."""
        self.env["sale.funnel.robot"].create(
            {
                "name": "Down payment",
                "stage_id": self.stage_payment.id,
                "kind": "down_payment",
                "down_payment_percent": 30,
            }
        )
        accountant = self._invoicing_accountant()
        deal = self._create_deal()
        deal.action_confirm()  # confirmed before paying: Odoo alone would propose the regular invoice
        wizard = self._open_invoicing_wizard(deal, accountant)
        self.assertEqual((wizard.advance_payment_method, wizard.amount), ("percentage", 30.0))
        # Odoo's own Create Invoice button (no default method) gets the same proposal.
        odoo_wizard = Form(
            self.env["sale.advance.payment.inv"]
            .with_user(accountant)
            .with_context(active_model="sale.order", active_ids=deal.ids, active_id=deal.id)
        )
        self.assertEqual((odoo_wizard.advance_payment_method, odoo_wizard.amount), ("percentage", 30.0))
        wizard.save().create_invoices()
        down_payment = deal.invoice_ids
        self.assertEqual(down_payment.amount_total, 600.0, "30% of 2,000")
        down_payment.with_user(accountant).action_post()

        wizard = self._open_invoicing_wizard(deal, accountant)
        self.assertEqual(wizard.advance_payment_method, "delivered", "the down payment exists: the final invoice")
        wizard.save().create_invoices()
        final = deal.invoice_ids - down_payment
        self.assertEqual(final.amount_total, 1400.0, "the down payment is deducted")

    def test_invoicing_wizard_proposes_only_the_robots_that_apply_to_the_deal(self):
        robot = self.env["sale.funnel.robot"].create(
            {
                "name": "Down payment for big orders",
                "stage_id": self.stage_payment.id,
                "kind": "down_payment",
                "down_payment_percent": 30,
                "filter_domain": "[('amount_total', '>', 5000)]",
            }
        )
        accountant = self._invoicing_accountant()
        deal = self._create_deal()
        deal.action_confirm()
        wizard = self._open_invoicing_wizard(deal, accountant)
        self.assertEqual(wizard.advance_payment_method, "delivered", "the robot's condition leaves this deal out")
        deal.order_line.product_uom_qty = 10
        wizard = self._open_invoicing_wizard(deal, accountant)
        self.assertEqual((wizard.advance_payment_method, wizard.amount), ("percentage", 30.0), "a big order")
        robot.active = False
        wizard = self._open_invoicing_wizard(deal, accountant)
        self.assertEqual(wizard.advance_payment_method, "delivered", "an archived robot proposes nothing")

    def test_won_only_when_fully_invoiced_and_paid(self):
        """Issue 20, 7: Won on fully paid means the final invoice made and paid, not a paid down payment."""
        self.stage_won.trigger = "fully_paid"
        deal = self._create_deal(stage_id=self.stage_installation.id)
        deal.action_confirm()
        self._pay(self._down_payment(deal, 50.0))
        self.assertEqual(deal.stage_id, self.stage_installation, "half paid")
        final = deal.with_user(self.user_accountant)._create_invoices(final=True)
        final.action_post()
        self.assertEqual(deal.stage_id, self.stage_installation, "fully invoiced, half paid")
        self._pay(final, amount=999.0)
        self.assertEqual(deal.stage_id, self.stage_installation, "a euro short")
        self._pay(final)
        self.assertEqual((deal.stage_id, deal.won_status), (self.stage_won, "won"))

    def test_a_paid_down_payment_of_the_whole_order_does_not_win_the_deal(self):
        self.stage_won.trigger = "fully_paid"
        deal = self._create_deal(stage_id=self.stage_installation.id)
        deal.action_confirm()
        self._pay(self._down_payment(deal, 100.0))
        self.assertAlmostEqual(deal.paid_percent, 100.0)
        self.assertEqual(deal.stage_id, self.stage_installation, "paid in full, but the final invoice is not made")

    def test_down_payment_business_method_is_once_per_deal(self):
        deal = self._create_deal()
        invoice = deal._erp_crm_create_down_payment_invoice(50.0)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, 1000.0)
        self.assertTrue(invoice._is_downpayment())
        self.assertEqual(deal._erp_crm_create_down_payment_invoice(30.0), invoice, "never a second down payment")
        self.assertEqual(len(deal.invoice_ids), 1)

    def test_deal_shows_invoiced_paid_due_then_final_invoice(self):
        deal = self._create_deal()
        invoice = self._down_payment(deal, 50.0)
        self._pay(invoice, amount=400.0)
        self.assertEqual(
            (deal.deal_invoiced_amount, deal.deal_paid_amount, deal.deal_due_amount), (1000.0, 400.0, 600.0)
        )
        self._pay(invoice)
        deal.action_confirm()
        final = deal._create_invoices(final=True)
        final.action_post()
        self.assertEqual(final.amount_total, 1000.0, "the down payment is deducted")
        self.assertAlmostEqual(deal.invoiced_percent, 100.0)
        self.assertAlmostEqual(deal.paid_percent, 50.0)
        self.assertEqual(deal.deal_due_amount, 1000.0)
        self.assertEqual(deal.payment_count, 2)
        self.assertEqual(deal.action_view_deal_payments()["res_model"], "account.payment")

    def test_salesperson_without_accounting_rights_does_not_see_amounts(self):
        deal = self._create_deal(user_id=self.user_sales.id)
        self._pay(self._down_payment(deal, 50.0))
        deal_as_sales = deal.with_user(self.user_sales)
        self.assertAlmostEqual(deal_as_sales.paid_percent, 50.0, "the progress is visible")
        with self.assertRaises(AccessError):
            deal_as_sales.read(["deal_paid_amount"])
        fields_seen = deal_as_sales.fields_get()
        for name in ("deal_invoiced_amount", "deal_paid_amount", "deal_due_amount", "payment_count"):
            self.assertNotIn(name, fields_seen)
        form = deal_as_sales.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("deal_paid_amount", form)
        self.assertNotIn("action_open_deal_invoice_wizard", form)
        accountant_form = deal.with_user(self.user_accountant).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("action_open_deal_invoice_wizard", accountant_form)

    def test_prepaid_gate_refuses_a_drag_with_reason_and_amounts(self):
        self.stage_production.gate_prepaid_percent = 50.0
        deal = self._create_deal(stage_id=self.stage_payment.id)
        self._pay(self._down_payment(deal, 50.0), amount=600.0)
        user = self.user_manager
        user.group_ids += self.env.ref("account.group_account_invoice")
        with self.assertRaisesRegex(
            UserError, r"needs 50% prepaid before Production: \$\s?600.00 of \$\s?2,000.00 paid \(30%\)"
        ):
            deal.with_user(user).web_save({"stage_id": self.stage_production.id}, {})
        # Without accounting rights, the reason is given in percent only.
        with self.assertRaisesRegex(UserError, r"needs 50% prepaid before Production: 30% paid\.$"):
            deal.with_user(self.user_all).write({"stage_id": self.stage_production.id})
        self.assertEqual(deal.stage_id, self.stage_payment)
        self._pay(deal.invoice_ids, amount=400.0)
        deal.with_user(user).web_save({"stage_id": self.stage_production.id}, {})
        self.assertEqual(deal.stage_id, self.stage_production)

    def test_gate_holds_back_a_trigger_with_one_collection_activity(self):
        self.stage_payment.trigger = "invoice_posted"
        self.stage_production.write(
            {
                "trigger": "down_payment_paid",
                "trigger_percent": 10.0,
                "gate_prepaid_percent": 50.0,
                "gate_activity": True,
                "gate_activity_user_id": self.user_accountant.id,
            }
        )
        deal = self._create_deal()
        invoice = self._down_payment(deal, 50.0)
        self._pay(invoice, amount=300.0)  # 15%: the trigger is met, the gate is not
        self._pay(invoice, amount=300.0)  # 30%: still held back
        self.assertEqual(deal.stage_id, self.stage_payment, "the payment went through; the deal stayed")
        activity = deal.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("erp_crm.mail_activity_type_collection")
        )
        self.assertEqual(len(activity), 1, "held back twice, told once")
        self.assertEqual(activity.user_id, self.user_accountant)
        self._pay(invoice)
        self.assertEqual(deal.stage_id, self.stage_production)

    @freeze_time("2026-03-20")
    def test_overdue_invoices_gate(self):
        self.stage_production.gate_no_overdue_invoices = True
        old = self._overdue_invoice(250.0)
        deal = self._create_deal(stage_id=self.stage_payment.id)
        with self.assertRaisesRegex(UserError, r"has 1 overdue invoice\(s\), \$\s?250.00 due"):
            deal.write({"stage_id": self.stage_production.id})
        self._pay(old)
        deal.write({"stage_id": self.stage_production.id})
        self.assertEqual(deal.stage_id, self.stage_production)
