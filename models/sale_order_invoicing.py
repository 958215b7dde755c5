from odoo import api, models
from odoo.exceptions import ValidationError


class SaleOrder(models.Model):
    """The accountant on the deal: invoicing wizard, payments, the robots' down-payment invoice."""

    _inherit = "sale.order"

    # ------------------------------------------------------------
    # THE ACCOUNTANT
    # ------------------------------------------------------------

    @api.readonly
    def action_open_deal_invoice_wizard(self):
        """The deal's "Invoice" button: down payment (% or fixed) or regular invoice, through Odoo's wizard."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_view_sale_advance_payment_inv")
        method = "percentage"  # the funnel's down payment, proposed by the wizard (see sale.advance.payment.inv)
        if self.invoice_status == "to invoice" and not self._get_proposed_down_payment_percent():
            method = "delivered"
        action["context"] = {
            "active_model": "sale.order",
            "active_ids": self.ids,
            "active_id": self.id,
            "default_advance_payment_method": method,
        }
        return action

    @api.readonly
    def action_view_deal_payments(self):
        self.ensure_one()
        payments = self._get_deal_payments()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_account_payments")
        action["domain"] = [("id", "in", payments.ids)]
        action["context"] = {"create": False}
        if len(payments) == 1:
            action.update(views=[(False, "form")], res_id=payments.id, view_mode="form")
        return action

    def _erp_crm_create_down_payment_invoice(self, percent, post=True):
        """Create (through ``sale.advance.payment.inv``), post and return this deal's down-payment invoice.

        Once per deal: when the deal already has a down-payment invoice (draft or posted, not cancelled),
        that invoice is returned and nothing is created. Meant for robots ("create a 50% down-payment
        invoice and post it") as much as for code.
        """
        self.ensure_one()
        existing = self._get_down_payment_invoices()
        if existing:
            return existing
        if not 0 < percent <= 100:
            raise ValidationError(
                self.env._("A down payment is between 0 and 100%% of the order, not %(percent)s%%.", percent=percent)
            )
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=self.ids)
            .create({"advance_payment_method": "percentage", "amount": percent, "sale_order_ids": self.ids})
        )
        invoice = wizard._create_invoices(self)
        if post:
            # sudo: posting needs accounting rights, which the salesperson whose move ran the robot may lack;
            # this private method is reached from code only (robots set up by an erp_crm manager), not RPC.
            invoice.sudo().action_post()
        return invoice

    def _get_proposed_down_payment_percent(self):
        """The down payment (%) the invoicing wizard proposes for this deal: what the first down-payment robot of
        its funnel whose condition the deal meets invoices, while the deal has no down-payment invoice (draft or
        posted); 0 otherwise (Odoo's regular invoice)."""
        self.ensure_one()
        if not self.funnel_id or self._get_down_payment_invoices():
            return 0.0
        # sudo: only the percentage of the funnel's down-payment robots (sales configuration, which an accountant
        # without sales rights may not read); their conditions are matched below with the user's own rights.
        robots = (
            self.env["sale.funnel.robot"]
            .sudo()
            .search([("funnel_id", "=", self.funnel_id.id), ("kind", "=", "down_payment")])
        )
        for robot in robots:
            try:
                matching = self.filtered_domain(robot._get_condition())  # a parsed domain, matched as the user
            except Exception:  # noqa: BLE001 - a condition the user cannot read: no proposal from that robot
                continue
            if matching:
                return robot.down_payment_percent
        return 0.0

    def _get_down_payment_invoices(self):
        self.ensure_one()
        return self.order_line.filtered("is_downpayment").invoice_lines.move_id.filtered(
            lambda move: move.move_type == "out_invoice" and move.state != "cancel"
        )
