from odoo.fields import Command
from odoo.tests import new_test_user

from .common import ErpCrmCommon


class ErpTriggerCommon(ErpCrmCommon):
    """The window funnel with real accounting: an accountant, a bank journal, helpers to invoice and pay."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_accountant = new_test_user(
            cls.env, login="erp_crm_accountant", groups="account.group_account_invoice", name="Anna Accountant"
        )
        cls.product.write({"list_price": 1000.0, "invoice_policy": "order"})

    @classmethod
    def _create_deal(cls, **values):
        values.setdefault("order_line", [Command.create({"product_id": cls.product.id, "product_uom_qty": 2})])
        return super()._create_deal(**values)

    def _set_trigger(self, stage, trigger, **values):
        stage.write({"trigger": trigger, **values})

    def _down_payment(self, deal, percent=50.0, post=True):
        return deal._erp_crm_create_down_payment_invoice(percent, post=post)

    def _pay(self, invoices, amount=None, user=None, **values):
        """Register a payment on ``invoices`` as the accountant would (one payment for all of them)."""
        Register = self.env["account.payment.register"].with_user(user or self.user_accountant)
        vals = {"group_payment": True, **values}
        if amount is not None:
            vals["amount"] = amount
        wizard = Register.with_context(active_model="account.move", active_ids=invoices.ids).create(vals)
        return wizard._create_payments()
