from collections import defaultdict

from odoo import api, fields, models

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


def _percent(part, whole):
    return 100.0 * part / whole if whole else 0.0


class SaleOrder(models.Model):
    """Fulfilment of the deal: invoiced, paid, produced and delivered, stored and computed set-based.

    Bookkeeping fields: only their computations write them (see ``sale_order.py``'s write guard).
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
        # Each deal's orders keep the prefetch of the whole search: what they compute (their state), they compute
        # for all of them at once, not order by order.
        for order_id, order_productions in result.items():
            result[order_id] = order_productions.with_prefetch(productions._prefetch_ids)
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
