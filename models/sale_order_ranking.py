from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import restricted_search
from .res_partner_ranking import ABC_CLASSES, RFM_SEGMENTS

# The deal's priority defaults from its customer's class (A: high, B: medium, C or unranked: normal).
PRIORITIES = [("0", "Normal"), ("1", "Medium"), ("2", "High"), ("3", "Very High")]
PRIORITY_BY_CLASS = {"a": "2", "b": "1", "c": "0"}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    erp_crm_abc_class = fields.Selection(
        ABC_CLASSES,
        string="Customer Class",
        compute="_compute_erp_crm_customer_ranking",
        search="_search_erp_crm_abc_class",
        groups="sales_team.group_sale_salesman",  # staff only: a portal customer never reads their own class
        help="Class of the customer in the deal's company (usable in robot conditions).",
    )
    erp_crm_rfm_segment = fields.Selection(
        RFM_SEGMENTS,
        string="Customer Segment",
        compute="_compute_erp_crm_customer_ranking",
        search="_search_erp_crm_rfm_segment",
        groups="sales_team.group_sale_salesman",
        help="RFM segment of the customer in the deal's company (usable in robot conditions).",
    )
    erp_crm_rfm_segment_badge = fields.Char(
        string="Customer's Segment",
        compute="_compute_erp_crm_rfm_segment_badge",
        groups="sales_team.group_sale_salesman",
        help='The badge of the customer\'s RFM segment on the deal ("Customer: Lost"): it tells how the customer '
        "buys, not how the deal stands.",
    )
    priority = fields.Selection(
        PRIORITIES,
        compute="_compute_priority",
        store=True,
        readonly=False,
        index=True,
        groups="base.group_user",  # staff only: the default tells the customer's class
        help="Defaults from the customer's class when the customer is set.",
    )
    erp_crm_is_reengagement = fields.Boolean(
        string="Re-engagement Deal",
        copy=False,
        readonly=True,
        groups="base.group_user",  # staff only: it tells the customer that they are slipping away
        help="Created to win back a slipping customer.",
    )

    @api.depends("partner_id", "company_id")
    def _compute_erp_crm_customer_ranking(self):
        rankings = self._erp_crm_customer_rankings()
        for order in self:
            abc_class, rfm_segment = rankings.get((order.partner_id.id, order.company_id.id), (False, False))
            order.erp_crm_abc_class = abc_class
            order.erp_crm_rfm_segment = rfm_segment

    @api.depends("erp_crm_rfm_segment")
    def _compute_erp_crm_rfm_segment_badge(self):
        labels = dict(self._fields["erp_crm_rfm_segment"]._description_selection(self.env))
        for order in self:
            segment = order.erp_crm_rfm_segment
            order.erp_crm_rfm_segment_badge = (
                self.env._("Customer: %(segment)s", segment=labels[segment]) if segment else False
            )

    @api.depends("partner_id", "company_id")
    def _compute_priority(self):
        rankings = self._erp_crm_customer_rankings()
        for order in self:
            abc_class = rankings.get((order.partner_id.id, order.company_id.id), (False, False))[0]
            order.priority = PRIORITY_BY_CLASS.get(abc_class, "0")

    def _erp_crm_customer_rankings(self):
        """{(customer id, company id): (class, segment)} of the deals' customers (the ranking of their commercial
        partner in the deal's company), in one query for any number of deals: the pipeline shows them on every card.

        SQL joining the partner to its ranking row: reading the commercial partners through the ORM would cost the
        board a second query. Only the class and segment of the customer of a deal the user sees are read.
        """
        partner_ids = [pid for pid in self.partner_id._ids if isinstance(pid, int)]
        company_ids = [cid for cid in self.company_id._ids if isinstance(cid, int)]
        if not partner_ids or not company_ids:
            return {}
        rows = self.env.execute_query(
            SQL(
                """SELECT p.id, r.company_id, r.abc_class, r.rfm_segment
                     FROM res_partner p
                     JOIN res_partner_ranking r ON r.partner_id = p.commercial_partner_id
                    WHERE p.id = ANY(%s) AND r.company_id = ANY(%s)""",
                partner_ids,
                company_ids,
                to_flush=self.env["res.partner"]._fields["commercial_partner_id"],
            )
        )
        return {(partner_id, company_id): (abc_class, segment) for partner_id, company_id, abc_class, segment in rows}

    def _search_erp_crm_customer_ranking(self, column, operator, value):
        """Deals whose customer's ranking in the deal's company matches (a join on partner and company)."""
        if operator == "not in":
            return ~self._search_erp_crm_customer_ranking(column, "in", value)
        if operator != "in":
            return NotImplemented
        values = [v for v in value if v is not False]
        matching = SQL(
            """SELECT so.id FROM sale_order so
                 JOIN res_partner p ON p.id = so.partner_id
                 JOIN res_partner_ranking r ON r.partner_id = p.commercial_partner_id AND r.company_id = so.company_id
                WHERE %s = ANY(%s)""",
            SQL.identifier("r", column),
            values,
        )
        domain = Domain("id", "in", matching)
        if False in value:
            ranked = SQL(
                """SELECT so.id FROM sale_order so
                     JOIN res_partner p ON p.id = so.partner_id
                     JOIN res_partner_ranking r
                       ON r.partner_id = p.commercial_partner_id AND r.company_id = so.company_id"""
            )
            domain |= Domain("id", "not in", ranked)
        return domain

    @restricted_search("erp_crm_abc_class")
    def _search_erp_crm_abc_class(self, operator, value):
        return self._search_erp_crm_customer_ranking("abc_class", operator, value)

    @restricted_search("erp_crm_rfm_segment")
    def _search_erp_crm_rfm_segment(self, operator, value):
        return self._search_erp_crm_customer_ranking("rfm_segment", operator, value)

    # ------------------------------------------------------------
    # RE-ENGAGEMENT
    # ------------------------------------------------------------

    @api.model
    def _erp_crm_reengage_candidates(self, company):
        """Commercial partners of ``company`` to re-engage now: they entered 'At risk' or 'Can't lose' (or bought
        nothing for the company's number of days) since their last re-engagement deal, and have no open one."""
        return [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
SELECT r.partner_id
  FROM res_partner_ranking r
 WHERE r.company_id = %(company)s
   AND (
        (r.rfm_segment IN ('at_risk', 'cant_lose') AND NOT EXISTS (
            SELECT 1 FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
             WHERE so.erp_crm_is_reengagement AND so.company_id = r.company_id
               AND p.commercial_partner_id = r.partner_id AND so.create_date::date >= r.rfm_segment_since))
     OR (%(days)s > 0 AND r.last_invoice_date <= %(today)s::date - %(days)s AND NOT EXISTS (
            SELECT 1 FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
             WHERE so.erp_crm_is_reengagement AND so.company_id = r.company_id
               AND p.commercial_partner_id = r.partner_id AND so.create_date::date > r.last_invoice_date))
   )
   AND NOT EXISTS (
        SELECT 1 FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
         WHERE so.erp_crm_is_reengagement AND so.company_id = r.company_id
           AND p.commercial_partner_id = r.partner_id
           AND so.state != 'cancel' AND so.won_status = 'pending')
 ORDER BY r.partner_id
""",
                    company=company.id,
                    days=company.erp_crm_reengage_days,
                    today=fields.Date.context_today(self),
                )
            )
        ]

    @api.model
    def _erp_crm_reengage(self, company):
        """Create the reactivation deals of ``company`` (in its re-engagement funnel, through the deal's create:
        history and robots follow) with a call activity for each customer's salesperson."""
        partner_ids = self._erp_crm_reengage_candidates(company)
        if not partner_ids:
            return self.browse()
        funnel = company.erp_crm_reengage_funnel_id
        partners = self.env["res.partner"].browse(partner_ids)
        Deal = self.with_company(company)
        deals = Deal.create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "funnel_id": funnel.id,
                    "user_id": partner.user_id.id or funnel.user_id.id or False,
                    "title": self.env._("Win back %(customer)s", customer=partner.name),
                    "erp_crm_is_reengagement": True,
                }
                for partner in partners
            ]
        )
        for user, user_deals in deals.grouped("user_id").items():
            user_deals.activity_schedule(
                "mail.mail_activity_data_call",
                summary=self.env._("Call the customer back: they are slipping away"),
                user_id=user.id or self.env.user.id,
            )
        return deals

    # ------------------------------------------------------------
    # GATE: CUSTOMER CLASS (extends the door's gate hook, see sale_order_gate.py)
    # ------------------------------------------------------------

    @api.model
    def _get_stage_move_fields(self):
        return [*super()._get_stage_move_fields(), "gate_customer_class"]

    def _get_stage_gate_blockers(self, stage, vals=None):
        blockers = super()._get_stage_gate_blockers(stage, vals)
        if not stage or not stage.gate_customer_class:
            return blockers
        allowed = {"a": ("a",), "b": ("a", "b")}[stage.gate_customer_class]
        labels = dict(self._fields["erp_crm_abc_class"].selection)
        for deal in self:
            if deal.erp_crm_abc_class in allowed:
                continue
            message = self.env._(
                "Deal %(deal)s cannot enter %(stage)s: its customer %(customer)s is %(current)s, "
                "the stage takes class %(required)s customers only.",
                deal=deal.name,
                stage=stage.name,
                customer=deal.partner_id.commercial_partner_id.name,
                current=self.env._("class %(cls)s", cls=labels[deal.erp_crm_abc_class])
                if deal.erp_crm_abc_class
                else self.env._("not ranked"),
                required=" or ".join(labels[c] for c in allowed),
            )
            blockers[deal] = f"{blockers[deal]}\n{message}" if deal in blockers else message
        return blockers
