"""Odoo's wizards that open from a method erp_crm hooks, pressed through their buttons as the browser does.

A wizard's action carries the context to the browser as JSON and back with the button's call: anything that is
not JSON comes back as text (issue 20: the Consumption Warning ended in ``'str' object has no attribute 'open'``).
Each test opens the wizard from the action Odoo returns, with the context round-tripped through JSON, presses a
button as Odoo's own user, and checks the document and the deal.
"""

import json

from odoo.tests import Form, new_test_user, tagged
from odoo.tools import json_default

from .erp_common import ErpFulfilmentCommon


def browser_action(action):
    """``action`` as the browser holds it: its context sent as JSON and read back (Odoo's own encoder)."""
    context = json.loads(json.dumps(action.get("context") or {}, default=json_default))
    return {**action, "context": context}


@tagged("erp_crm", "erp_crm_odoo_flows")
class TestOdooWizards(ErpFulfilmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_production.write({"confirm_order_on_entry": True})
        cls.stage_installation.write({"trigger": "production_done"})
        # Accounting read-only: when it splits an order (backorder), Odoo's mrp_account reads the moves' analytic
        # lines and the order's WIP entries, which a manufacturing user alone may not (with or without erp_crm).
        cls.user_workshop = new_test_user(
            cls.env,
            login="erp_crm_workshop",
            groups="mrp.group_mrp_user,stock.group_stock_user,account.group_account_readonly",
            name="Walt Workshop",
        )
        cls.user_stock = new_test_user(
            cls.env, login="erp_crm_warehouse", groups="stock.group_stock_user", name="Wilma Warehouse"
        )
        cls.partner.email = "customer@example.com"

    def _press(self, action, user, button):
        """Open the wizard of ``action`` (from the browser) as ``user`` and press ``button``: its result."""
        self.assertEqual(action.get("type"), "ir.actions.act_window", action)
        wizard = Form.from_action(self.env(user=user), browser_action(action)).save()
        return getattr(wizard, button)()

    def _deal_in_production(self, qty=2):
        deal = self._create_window_deal(qty=qty)
        deal.write({"stage_id": self.stage_production.id})
        production = deal.mrp_production_ids
        self.assertEqual(len(production), 1)
        return deal, production.with_user(self.user_workshop)

    def _book(self, production, produced, consumed):
        """The workshop books ``produced`` windows made from ``consumed`` glass units."""
        production.qty_producing = produced
        production.move_raw_ids.write({"quantity": consumed, "picked": True})

    # ------------------------------------------------------------
    # Manufacturing: consumption warning and backorder
    # ------------------------------------------------------------

    def _consumption_warning(self):
        deal, production = self._deal_in_production()
        production.bom_id.sudo().consumption = "warning"
        self._book(production, 2, 3)  # one glass unit broke: 3 used instead of 2
        action = production.button_mark_done()
        self.assertEqual(action.get("res_model"), "mrp.consumption.warning")
        self.assertEqual(deal.stage_id, self.stage_production)
        return deal, production, action

    def test_consumption_warning_confirm(self):
        deal, production, action = self._consumption_warning()
        self._press(action, self.user_workshop, "action_confirm")
        self.assertEqual(production.state, "done")
        self.assertEqual(production.move_raw_ids.quantity, 3, "the booked quantity is kept")
        self.assertEqual(deal.production_status, "done")
        self.assertEqual(deal.stage_id, self.stage_installation, "the deal leaves Production")

    def test_consumption_warning_set_quantities(self):
        deal, production, action = self._consumption_warning()
        self._press(action, self.user_workshop, "action_set_qty")
        self.assertEqual(production.state, "done")
        self.assertEqual(production.move_raw_ids.quantity, 2, "the bill of materials' quantity is set")
        self.assertEqual(deal.stage_id, self.stage_installation)

    def _production_backorder(self):
        deal, production = self._deal_in_production(qty=2)
        self._book(production, 1, 1)
        action = production.button_mark_done()
        self.assertEqual(action.get("res_model"), "mrp.production.backorder")
        return deal, production, action

    def test_production_backorder_create(self):
        deal, production, action = self._production_backorder()
        self._press(action, self.user_workshop, "action_backorder")
        self.assertEqual(production.state, "done")
        backorder = deal.mrp_production_ids - production
        self.assertEqual(backorder.product_qty, 1)
        self.assertEqual(deal.stage_id, self.stage_production, "one window is still to make")
        backorder = backorder.with_user(self.user_workshop)
        self._book(backorder, 1, 1)
        self.assertTrue(backorder.button_mark_done())
        self.assertEqual(deal.stage_id, self.stage_installation)

    def test_production_backorder_none(self):
        deal, production, action = self._production_backorder()
        self._press(action, self.user_workshop, "action_close_mo")
        self.assertEqual(production.state, "done")
        self.assertEqual(deal.mrp_production_ids, production.with_env(self.env), "no backorder")
        self.assertEqual(deal.stage_id, self.stage_installation)

    # ------------------------------------------------------------
    # Delivery: backorder
    # ------------------------------------------------------------

    def _partial_delivery(self):
        self.stage_installation.write({"trigger": "delivered"})
        deal, production = self._deal_in_production(qty=2)
        self._book(production, 2, 2)
        production.button_mark_done()
        delivery = deal.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing").with_user(self.user_stock)
        delivery.move_ids.write({"quantity": 1, "picked": True})
        action = delivery.button_validate()
        self.assertEqual(action.get("res_model"), "stock.backorder.confirmation")
        return deal, delivery, action

    def test_delivery_backorder_create(self):
        deal, delivery, action = self._partial_delivery()
        self._press(action, self.user_stock, "process")
        self.assertEqual(delivery.state, "done")
        self.assertEqual(deal.stage_id, self.stage_production, "a backorder is still to deliver")
        backorder = (deal.picking_ids - delivery).filtered(lambda p: p.picking_type_code == "outgoing")
        backorder = backorder.with_user(self.user_stock)
        backorder.move_ids.write({"quantity": 1, "picked": True})
        self.assertTrue(backorder.button_validate())
        self.assertEqual(deal.delivery_status, "full")
        self.assertEqual(deal.stage_id, self.stage_installation)

    def test_delivery_backorder_none(self):
        deal, delivery, action = self._partial_delivery()
        self._press(action, self.user_stock, "process_cancel_backorder")
        self.assertEqual(delivery.state, "done")
        self.assertEqual(deal.stage_id, self.stage_installation, "nothing more will be delivered")

    # ------------------------------------------------------------
    # Accounting: send the invoice, register the payment
    # ------------------------------------------------------------

    def test_invoice_send_and_payment_register(self):
        self.stage_payment.write({"trigger": "invoice_posted"})
        self.stage_production.write({"trigger": "down_payment_paid", "trigger_percent": 50.0})
        deal = self._create_window_deal(user_id=self.user_sales.id)
        invoice = self._down_payment(deal, 50.0)
        self.assertEqual(deal.stage_id, self.stage_payment)
        invoice = invoice.with_user(self.user_accountant)
        self._press(invoice.action_invoice_sent(), self.user_accountant, "action_send_and_print")
        self.assertTrue(invoice.is_move_sent)
        self.assertIn(self.partner, invoice.message_ids.partner_ids, "the invoice was mailed to the customer")
        self._press(invoice.action_register_payment(), self.user_accountant, "action_create_payments")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(deal.stage_id, self.stage_production, "the paid down payment moves the deal")
        self.assertEqual(deal.state, "sale", "entering Production confirmed the order")
        self.assertTrue(deal.mrp_production_ids)

    # ------------------------------------------------------------
    # Sales: send the quotation
    # ------------------------------------------------------------

    def test_quotation_send(self):
        self.stage_measure.write({"trigger": "quotation_sent"})
        deal = self._create_window_deal(user_id=self.user_sales.id).with_user(self.user_sales)
        self._press(deal.action_quotation_send(), self.user_sales, "action_send_mail")
        self.assertEqual(deal.state, "sent")
        self.assertEqual(deal.stage_id, self.stage_measure)
