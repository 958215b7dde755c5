import logging
from datetime import timedelta

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    """The deal's expected closing date, for the weighted forecast."""

    _inherit = "sale.order"

    date_expected_close = fields.Date(
        string="Expected Closing",
        compute="_compute_date_expected_close",
        store=True,
        readonly=False,
        precompute=True,
        copy=False,
        tracking=True,
        groups="base.group_user",
        help="When the deal should be won; by default its order date plus the funnel's average cycle. "
        "The weighted forecast counts open deals in this month.",
    )

    @api.depends("funnel_id")
    def _compute_date_expected_close(self):
        for order in self:
            if not order.funnel_id:
                order.date_expected_close = order.date_expected_close
                continue
            start = fields.Datetime.to_datetime(order.date_order) or fields.Datetime.now()
            try:
                order.date_expected_close = (start + timedelta(days=order.funnel_id.cycle_days)).date()
            except (OverflowError, ValueError):  # a legacy cycle past any calendar: the deal still arrives, undated
                _logger.warning("Funnel %s: its average cycle is out of range", order.funnel_id.id)
                order.date_expected_close = order.date_expected_close
