from odoo import fields, models
from odoo.tools import format_datetime


class SaleOrder(models.Model):
    """The deal's progress as its customer sees it on the portal order page."""

    _inherit = "sale.order"

    def _get_portal_progress(self):
        """Customer-visible stages (open and won, not internal) with their state, the next step and the planned
        dates; False when there is nothing to show (no funnel, lost deal).

        Called by the portal template on the order the portal controller checked (token or own order).
        """
        self.ensure_one()
        if not self.funnel_id or not self.stage_id or self.won_status == "lost":
            return False
        visible = self.funnel_id.stage_ids.filtered(lambda s: s.kind != "lost" and not s.internal)
        if not visible:
            return False
        current = self.stage_id
        if current not in visible:
            # An internal stage shows as the last visible stage before it (or the first one).
            before = visible.filtered(lambda s: (s.sequence, s.id) < (current.sequence, current.id))
            current = before[-1:] or visible[:1]
        index = list(visible).index(current)
        won = self.won_status == "won"
        stages = [
            {
                "name": stage.portal_name or stage.name,
                "note": stage.customer_note,
                "state": "done" if won or i < index else "current" if i == index else "todo",
            }
            for i, stage in enumerate(visible)
        ]
        next_stage = visible[index + 1 : index + 2] if not won else visible.browse()
        tz = self.partner_id.tz or self.env.user.tz or "UTC"
        # Planned work, as the customer can act on it: a date already past (e.g. a production start Odoo planned
        # backwards from the delivery date, before the order existed) is not shown.
        now = fields.Datetime.now()
        dates = [
            (label, format_datetime(self.env, value, tz=tz, dt_format="short"))
            for label, value in (
                (self.env._("Production starts"), self.production_date_start),
                (self.env._("Production ends"), self.production_date_finished),
                (self.env._("Installation"), self.installation_date),
            )
            if value and value >= now
        ]
        return {
            "stages": stages,
            "next_step": next_stage
            and {"name": next_stage.portal_name or next_stage.name, "note": next_stage.customer_note},
            "dates": dates,
        }
