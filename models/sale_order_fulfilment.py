from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, formatLang

# Amounts coming from accounting are shown to users with accounting rights only.
ACCOUNTING_GROUPS = "account.group_account_invoice,account.group_account_readonly"
# Invoice payment states where the whole invoice counts as paid ("reversed": settled by a credit note,
# which is itself counted negative, so the pair nets to zero).
SETTLED_PAYMENT_STATES = ("paid", "in_payment", "reversed")
PRODUCTION_STATUS = [
    ("none", "No Manufacturing"),
    ("waiting", "Not Started"),
    ("started", "In Progress"),
    ("done", "Done"),
]
# A trigger threshold is met a hair below it: taxes rounded per line can leave 49.999% for "50%".
PERCENT_TOLERANCE = 0.01


def _percent(part, whole):
    return 100.0 * part / whole if whole else 0.0


class SaleOrder(models.Model):
    """ERP triggers and fulfilment of the deal.

    A separate ``_inherit`` of ``sale.order`` (loaded after ``sale_order.py``) because it *extends* the
    stage-move door's hooks (``_check_stage_move``, ``_before_stage_entry``) with ``super()``, which a second
    definition in the same class could not do.

    - ERP hooks (account.move, account.move.line, stock.picking, mrp.production, project.task) call
      :meth:`_erp_crm_on_event` on the related deals, in batch; the deal decides what it means: it moves
      to the last stage of its funnel whose trigger is met, forward only, through the door.
    - Fulfilment (invoiced, paid, produced, delivered) is stored and computed set-based.
    - Financial gates extend ``_check_stage_move``; entering a stage may confirm the order (the installer's task
      comes from a task robot of the stage, see ``sale_funnel_robot.py``).
    """

    _inherit = "sale.order"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    # Invoicing and payment (posted customer invoices net of credit notes, in the order's currency)
    deal_invoiced_amount = fields.Monetary(
        string="Invoiced Amount", compute="_compute_invoice_fulfilment", store=True, groups=ACCOUNTING_GROUPS
    )
    deal_paid_amount = fields.Monetary(
        string="Paid Amount", compute="_compute_invoice_fulfilment", store=True, groups=ACCOUNTING_GROUPS
    )
    deal_due_amount = fields.Monetary(
        string="Due Amount",
        compute="_compute_invoice_fulfilment",
        store=True,
        groups=ACCOUNTING_GROUPS,
        help="Invoiced and not paid yet.",
    )
    invoiced_percent = fields.Float(
        string="Invoiced (%)", compute="_compute_invoice_fulfilment", store=True, aggregator="avg"
    )
    paid_percent = fields.Float(
        string="Paid (%)",
        compute="_compute_invoice_fulfilment",
        store=True,
        aggregator="avg",
        help="Paid share of the order total. Draft invoices never count; credit notes lower it.",
    )
    # Manufacturing
    produced_percent = fields.Float(
        string="Produced (%)", compute="_compute_production_fulfilment", store=True, aggregator="avg"
    )
    production_status = fields.Selection(
        PRODUCTION_STATUS, compute="_compute_production_fulfilment", store=True, default="none"
    )
    production_date_start = fields.Datetime(
        string="Production Starts",
        compute="_compute_production_fulfilment",
        store=True,
        help="Earliest planned start of the deal's manufacturing orders.",
    )
    production_date_finished = fields.Datetime(
        string="Production Ends",
        compute="_compute_production_fulfilment",
        store=True,
        help="Latest planned end of the deal's manufacturing orders.",
    )
    # Delivery
    delivered_percent = fields.Float(
        string="Delivered (%)", compute="_compute_delivered_percent", store=True, aggregator="avg"
    )
    # Installation
    installation_date = fields.Datetime(
        tracking=True, copy=False, help="Agreed date of the installation: the installer's task is planned on it."
    )
    payment_count = fields.Integer(string="Payments", compute="_compute_payment_count", groups=ACCOUNTING_GROUPS)

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends(
        "amount_total",
        "order_line.invoice_lines.price_total",
        "order_line.invoice_lines.move_id.state",
        "order_line.invoice_lines.move_id.payment_state",
        "order_line.invoice_lines.move_id.amount_residual",
    )
    def _compute_invoice_fulfilment(self):
        invoiced, paid = self._get_invoiced_and_paid_amounts()
        for order in self:
            order_id = order._origin.id
            order.deal_invoiced_amount = invoiced.get(order_id, 0.0)
            order.deal_paid_amount = max(paid.get(order_id, 0.0), 0.0)
            order.deal_due_amount = max(order.deal_invoiced_amount - order.deal_paid_amount, 0.0)
            order.invoiced_percent = _percent(order.deal_invoiced_amount, order.amount_total)
            order.paid_percent = _percent(order.deal_paid_amount, order.amount_total)

    def _get_invoiced_and_paid_amounts(self):
        """({order id: invoiced}, {order id: paid}) from posted customer invoices and credit notes.

        One grouped query on invoice lines (per invoice and sale line); an invoice shared by several orders
        is split by each order's share of its total. A credit note counts negative in full, so it lowers
        both figures at once (and nets out the invoice it reverses).
        """
        order_ids = set(self._origin.ids)
        invoiced, paid = defaultdict(float), defaultdict(float)
        if not order_ids:
            return invoiced, paid
        groups = self.env["account.move.line"]._read_group(
            [
                ("sale_line_ids.order_id", "in", list(order_ids)),
                ("display_type", "=", "product"),
                ("move_id.state", "=", "posted"),
                ("move_id.move_type", "in", ("out_invoice", "out_refund")),
            ],
            ["move_id", "sale_line_ids"],
            ["price_total:sum"],
        )
        for move, sale_line, line_total in groups:
            order_id = sale_line.order_id.id
            if order_id not in order_ids:
                continue
            if move.move_type == "out_refund":
                invoiced[order_id] -= line_total
                paid[order_id] -= line_total
                continue
            invoiced[order_id] += line_total
            if move.payment_state in SETTLED_PAYMENT_STATES:
                settled = move.amount_total
            else:
                settled = move.amount_total - move.amount_residual
            if move.amount_total:
                paid[order_id] += settled * line_total / move.amount_total
        return invoiced, paid

    @api.depends(
        "stock_reference_ids.production_ids.state",
        "stock_reference_ids.production_ids.product_qty",
        "stock_reference_ids.production_ids.date_start",
        "stock_reference_ids.production_ids.date_finished",
    )
    def _compute_production_fulfilment(self):
        productions = self._get_deal_productions()
        for order in self:
            mos = productions.get(order._origin.id, self.env["mrp.production"]).filtered(
                lambda mo: mo.state != "cancel"
            )
            planned = sum(mos.mapped("product_qty"))
            done = mos.filtered(lambda mo: mo.state == "done")
            order.produced_percent = _percent(sum(done.mapped("product_qty")), planned)
            if not mos:
                order.production_status = "none"
            elif done == mos:
                order.production_status = "done"
            elif any(mo.state in ("progress", "to_close", "done") for mo in mos):
                order.production_status = "started"
            else:
                order.production_status = "waiting"
            order.production_date_start = min(mos.mapped("date_start"), default=False)
            order.production_date_finished = max(mos.mapped("date_finished"), default=False)

    def _get_deal_productions(self):
        """{order id: its first-level manufacturing orders (cancelled included)}, in one search."""
        order_ids = set(self._origin.ids)
        result = defaultdict(lambda: self.env["mrp.production"])
        if not order_ids:
            return result
        productions = self.env["mrp.production"].search_fetch(
            [("reference_ids.sale_ids", "in", list(order_ids)), ("production_group_id.parent_ids", "=", False)],
            ["state", "product_qty", "date_start", "date_finished", "reference_ids"],
        )
        for production in productions:
            for order in production.reference_ids.sale_ids:
                if order.id in order_ids:
                    result[order.id] |= production
        return result

    @api.depends("order_line.qty_delivered", "order_line.product_uom_qty", "order_line.price_subtotal")
    def _compute_delivered_percent(self):
        for order in self:
            lines = order.order_line.filtered(
                lambda line: (
                    not line.display_type
                    and not line.is_downpayment
                    and line.product_id.type == "consu"
                    and line.product_uom_qty > 0
                )
            )
            # Each goods line weighs its value (its quantity when the order is free of charge).
            weights = [line.price_subtotal or line.product_uom_qty for line in lines]
            delivered = sum(
                weight * min(line.qty_delivered / line.product_uom_qty, 1.0)
                for line, weight in zip(lines, weights, strict=True)
            )
            order.delivered_percent = _percent(delivered, sum(weights))

    def _compute_payment_count(self):
        for order in self:
            order.payment_count = len(order._get_deal_payments())

    def _get_deal_payments(self):
        self.ensure_one()
        invoices = self.invoice_ids.filtered(lambda move: move.state == "posted")
        return invoices.matched_payment_ids | invoices.reconciled_payment_ids

    # ------------------------------------------------------------
    # THE STAGE-MOVE DOOR: GATES AND ENTRY EFFECTS
    # ------------------------------------------------------------

    def _check_stage_move(self, stage, vals):
        """Financial gates: a move the gates refuse raises, whatever its path (drag and drop included).

        No collection activity here: the refusal rolls back the web client's transaction, so anything
        created here would vanish. Activities are scheduled by the non-interactive paths (ERP triggers,
        :meth:`_move_by_trigger`), which hold the deal back instead of raising.
        """
        result = super()._check_stage_move(stage, vals)
        blockers = self._get_stage_gate_blockers(stage)
        if blockers:
            raise UserError("\n".join(blockers.values()))
        return result

    def _before_stage_entry(self, stage):
        # Confirming an order inside a move must not fire triggers for the deal being moved.
        self = self.with_context(erp_crm_skip_triggers=True)  # noqa: PLW0642
        result = super()._before_stage_entry(stage)
        if stage.confirm_order_on_entry:
            quotations = self.filtered(lambda o: o.state in ("draft", "sent"))
            if quotations:
                quotations.action_confirm()
        return result

    def _get_stage_gate_blockers(self, stage):
        """{deal: why it may not enter ``stage``} for the deals that stage's financial gates keep out."""
        blockers = {}
        if not stage or not (stage.gate_prepaid_percent or stage.gate_no_overdue_invoices):
            return blockers
        # sudo: gates read accounting figures the mover may not be allowed to read; amounts are only named
        # in the refusal for users with accounting rights.
        deals = self.sudo()
        show_amounts = self.env.user.has_group("account.group_account_invoice") or self.env.su
        if stage.gate_prepaid_percent:
            for deal in deals:
                if float_compare(deal.paid_percent, stage.gate_prepaid_percent - PERCENT_TOLERANCE, 2) < 0:
                    blockers[deal] = deal._get_prepaid_gate_message(stage, show_amounts)
        if stage.gate_no_overdue_invoices:
            overdue = deals._get_overdue_invoices()
            for deal in deals:
                count, amount = overdue.get(deal.partner_id.commercial_partner_id, (0, 0.0))
                if count:
                    message = self.env._(
                        "Deal %(deal)s cannot enter %(stage)s: the customer %(customer)s has %(count)s overdue "
                        "invoice(s)%(amount)s.",
                        deal=deal.name,
                        stage=stage.name,
                        customer=deal.partner_id.commercial_partner_id.name,
                        count=count,
                        amount=self.env._(
                            ", %(amount)s due",
                            amount=formatLang(self.env, amount, currency_obj=deal.company_id.currency_id),
                        )
                        if show_amounts
                        else "",
                    )
                    blockers[deal] = f"{blockers[deal]}\n{message}" if deal in blockers else message
        return {deal.with_env(self.env): message for deal, message in blockers.items()}

    def _get_prepaid_gate_message(self, stage, show_amounts):
        self.ensure_one()
        if not show_amounts:
            return self.env._(
                "Deal %(deal)s needs %(required)s%% prepaid before %(stage)s: %(paid)s%% paid.",
                deal=self.name,
                required=f"{stage.gate_prepaid_percent:g}",
                stage=stage.name,
                paid=f"{self.paid_percent:.0f}",
            )
        return self.env._(
            "Deal %(deal)s needs %(required)s%% prepaid before %(stage)s: %(paid)s of %(total)s paid (%(percent)s%%).",
            deal=self.name,
            required=f"{stage.gate_prepaid_percent:g}",
            stage=stage.name,
            paid=formatLang(self.env, self.deal_paid_amount, currency_obj=self.currency_id),
            total=formatLang(self.env, self.amount_total, currency_obj=self.currency_id),
            percent=f"{self.paid_percent:.0f}",
        )

    def _get_overdue_invoices(self):
        """{commercial partner: (count, residual in company currency)} of posted, overdue customer invoices."""
        groups = self.env["account.move"]._read_group(
            [
                ("commercial_partner_id", "in", self.partner_id.commercial_partner_id.ids),
                ("company_id", "in", self.company_id.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<", fields.Date.context_today(self)),
            ],
            ["commercial_partner_id"],
            ["__count", "amount_residual_signed:sum"],
        )
        return {partner: (count, amount) for partner, count, amount in groups}

    # ------------------------------------------------------------
    # ERP TRIGGERS
    # ------------------------------------------------------------

    def action_quotation_sent(self):
        result = super().action_quotation_sent()
        self._erp_crm_on_event("quotation_sent")
        return result

    def message_post(self, **kwargs):
        message = super().message_post(**kwargs)
        if self.env.context.get("mark_so_as_sent"):
            self._erp_crm_on_event("quotation_sent")
        return message

    def action_confirm(self):
        result = super().action_confirm()
        self._erp_crm_on_event("order_confirmed")
        return result

    def write(self, vals):
        result = super().write(vals)
        if vals.get("signature"):
            # Signed on the portal, possibly still waiting for its prepayment: "confirmed or signed" is met.
            self._erp_crm_on_event("order_confirmed")
        return result

    @api.private
    def _erp_crm_on_event(self, event):
        """What the ERP hooks call: ``event`` happened to these deals' documents (an invoice was posted,
        a payment reconciled, a manufacturing order finished...). Deals whose stage triggers are now met
        move forward. Safe to call any number of times: a met trigger of a stage already passed does nothing.
        """
        if self.env.context.get("erp_crm_skip_triggers"):
            return False
        # sudo: ERP events (a payment, a finished MO, a closed task) move deals on the company's behalf;
        # whoever caused them need not have sales rights on the deal.
        deals = self.sudo().filtered(lambda o: o.funnel_id and o.stage_id and o.won_status == "pending")
        # Each company's deals move in their company (confirming an order creates its pickings and MOs there).
        for company, company_deals in deals.grouped("company_id").items():
            company_deals.with_company(company)._apply_stage_triggers()
        return True

    def _apply_stage_triggers(self):
        """Move each deal to the last stage of its funnel whose trigger is met, if ahead of its own stage."""
        trigger_stages = self.env["sale.funnel.stage"].search(
            [("funnel_id", "in", self.funnel_id.ids), ("trigger", "!=", False), ("kind", "!=", "lost")]
        )
        if not trigger_stages:
            return
        stages_by_funnel = trigger_stages.grouped("funnel_id")
        task_facts = {}
        if any(stage.trigger in ("task_stage", "task_closed") for stage in trigger_stages):
            task_facts = self._get_task_trigger_facts()
        targets = defaultdict(list)
        for deal in self:
            here = (deal.stage_id.sequence, deal.stage_id.id)
            for stage in reversed(stages_by_funnel.get(deal.funnel_id, [])):
                if (stage.sequence, stage.id) <= here:
                    break  # forward only
                if deal._is_stage_trigger_met(stage, task_facts.get(deal.id)):
                    targets[stage].append(deal.id)
                    break
        for stage, deal_ids in targets.items():
            self.browse(deal_ids)._move_by_trigger(stage)

    def _is_stage_trigger_met(self, stage, task_facts=None):
        self.ensure_one()
        trigger = stage.trigger
        currency = self.currency_id
        if trigger == "quotation_sent":
            return self.state in ("sent", "sale")
        if trigger == "order_confirmed":
            return self.state == "sale" or bool(self.signed_by)
        if trigger == "invoice_posted":
            return currency.compare_amounts(self.deal_invoiced_amount, 0.0) > 0
        if trigger == "down_payment_paid":
            return currency.compare_amounts(self.deal_paid_amount, 0.0) > 0 and (
                float_compare(self.paid_percent, stage.trigger_percent - PERCENT_TOLERANCE, 2) >= 0
            )
        if trigger == "fully_paid":
            return currency.compare_amounts(self.amount_total, 0.0) > 0 and (
                currency.compare_amounts(self.deal_paid_amount, self.amount_total) >= 0
            )
        if trigger == "production_started":
            return self.production_status in ("started", "done")
        if trigger == "production_done":
            return self.production_status == "done"
        if trigger == "delivered":
            return self.delivery_status == "full"
        task_facts = task_facts or {}
        if trigger == "task_stage":
            return stage.trigger_task_stage_id.id in task_facts.get("stage_ids", ())
        if trigger == "task_closed":
            return task_facts.get("closed", False)
        return False

    def _get_task_trigger_facts(self):
        """{deal id: {"stage_ids": task stages reached, "closed": a linked task is done}}, in one query."""
        facts = defaultdict(lambda: {"stage_ids": set(), "closed": False})
        groups = self.env["project.task"]._read_group(
            [("sale_order_id", "in", self.ids)], ["sale_order_id", "stage_id", "state"], ["__count"]
        )
        for order, task_stage, state, _count in groups:
            facts[order.id]["stage_ids"].add(task_stage.id)
            facts[order.id]["closed"] |= state == "1_done"
        return facts

    def _move_by_trigger(self, stage):
        """Move deals to ``stage`` through the door; deals a gate or a check refuses stay, with a note.

        An ERP event must never fail because a deal cannot move (the accountant's payment is registered
        whatever the funnel says): refused deals are held back and told, the others move in one batch.
        """
        blockers = self._get_stage_gate_blockers(stage)
        held = self.browse([deal.id for deal in blockers])
        if held:
            held._hold_back_at_gate(stage, {deal.id: message for deal, message in blockers.items()})
        movers = self - held
        if not movers:
            return
        try:
            with self.env.cr.savepoint():
                movers._move_to_stage(stage)
        except (UserError, ValidationError):
            # One deal spoils the batch: move them one by one, so only the refused ones stay.
            for deal in movers:
                try:
                    with self.env.cr.savepoint():
                        deal._move_to_stage(stage)
                except (UserError, ValidationError) as error:
                    deal._hold_back_at_gate(stage, {deal.id: str(error)}, activity=False)

    def _hold_back_at_gate(self, stage, messages, activity=True):
        """Tell held-back deals why (chatter note) and, if the stage asks, schedule a collection activity."""
        for deal in self:
            deal.message_post(
                body=self.env._(
                    "Not moved to %(stage)s by its trigger: %(reason)s", stage=stage.name, reason=messages[deal.id]
                )
            )
        if not (activity and stage.gate_activity):
            return
        activity_type = self.env.ref("erp_crm.mail_activity_type_collection")
        already = self.env["mail.activity"].search_fetch(
            [("res_model", "=", self._name), ("res_id", "in", self.ids), ("activity_type_id", "=", activity_type.id)],
            ["res_id"],
        )
        todo = self.browse(set(self.ids) - set(already.mapped("res_id")))
        for user, deals in todo.grouped(lambda deal: stage.gate_activity_user_id or deal.user_id).items():
            deals.activity_schedule(
                "erp_crm.mail_activity_type_collection",
                summary=self.env._("Collect payment before %(stage)s", stage=stage.name),
                user_id=user.id or self.env.uid,
            )

    # ------------------------------------------------------------
    # THE ACCOUNTANT
    # ------------------------------------------------------------

    def action_open_deal_invoice_wizard(self):
        """The deal's "Invoice" button: down payment (% or fixed) or regular invoice, through Odoo's wizard."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_view_sale_advance_payment_inv")
        method = "delivered" if self.invoice_status == "to invoice" else "percentage"
        action["context"] = {
            "active_model": "sale.order",
            "active_ids": self.ids,
            "active_id": self.id,
            "default_advance_payment_method": method,
        }
        return action

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

    def _get_down_payment_invoices(self):
        self.ensure_one()
        return self.order_line.filtered("is_downpayment").invoice_lines.move_id.filtered(
            lambda move: move.move_type == "out_invoice" and move.state != "cancel"
        )
