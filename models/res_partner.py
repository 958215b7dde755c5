from odoo import api, fields, models
from odoo.fields import Domain

from ..tools import restricted_search
from .res_partner_ranking import ABC_CLASSES, REVENUE_GROUPS, RFM_SEGMENTS

RANKING_GROUP = "sales_team.group_sale_salesman"
# partner field: field of its current company's ranking row
RANKING_FIELDS = {
    "erp_crm_abc_class": "abc_class",
    "erp_crm_rfm_segment": "rfm_segment",
    "erp_crm_last_invoice_date": "last_invoice_date",
    "erp_crm_rfm_score": "rfm_score",
    "erp_crm_ranking_currency_id": "currency_id",
    "erp_crm_revenue": "revenue",
    "erp_crm_lifetime_revenue": "lifetime_revenue",
    "erp_crm_first_invoice_date": "first_invoice_date",
    "erp_crm_invoice_count": "invoice_count",
    "erp_crm_avg_days_between": "avg_days_between",
    "erp_crm_conversion": "conversion",
    "erp_crm_ranking_date": "date_computed",
    "erp_crm_first_deal_source_id": "first_deal_source_id",
}


class ResPartner(models.Model):
    _name = "res.partner"
    # the guard first: erp_crm's fields (and NUL characters) refused by name before Odoo's own create or write works
    _inherit = ["erp.crm.input.guard", "res.partner"]
    _erp_crm_refuse_unknown_fields = False  # Odoo's create and write still get values of their own

    erp_crm_ranking_ids = fields.One2many("res.partner.ranking", "partner_id", string="Rankings", groups=RANKING_GROUP)
    erp_crm_ranking_id = fields.Many2one(
        "res.partner.ranking",
        string="Ranking",
        compute="_compute_erp_crm_ranking_id",
        groups=RANKING_GROUP,
        help="The ranking of the customer (of its commercial partner) in the current company.",
    )
    erp_crm_abc_class = fields.Selection(
        ABC_CLASSES,
        string="Customer Class",
        compute="_compute_erp_crm_ranking_id",
        search="_search_erp_crm_abc_class",
        groups=RANKING_GROUP,
    )
    erp_crm_rfm_segment = fields.Selection(
        RFM_SEGMENTS,
        string="Customer Segment",
        compute="_compute_erp_crm_ranking_id",
        search="_search_erp_crm_rfm_segment",
        groups=RANKING_GROUP,
    )
    erp_crm_last_invoice_date = fields.Date(
        string="Last Purchase",
        compute="_compute_erp_crm_ranking_id",
        search="_search_erp_crm_last_invoice_date",
        groups=RANKING_GROUP,
    )
    erp_crm_rfm_score = fields.Char(compute="_compute_erp_crm_ranking_id", string="RFM Score", groups=RANKING_GROUP)
    erp_crm_ranking_currency_id = fields.Many2one(
        "res.currency", compute="_compute_erp_crm_ranking_id", string="Ranking Currency", groups=RANKING_GROUP
    )
    erp_crm_revenue = fields.Monetary(
        compute="_compute_erp_crm_ranking_id",
        string="Revenue (period)",
        currency_field="erp_crm_ranking_currency_id",
        groups=REVENUE_GROUPS,
    )
    erp_crm_lifetime_revenue = fields.Monetary(
        compute="_compute_erp_crm_ranking_id",
        string="Lifetime Revenue",
        currency_field="erp_crm_ranking_currency_id",
        groups=REVENUE_GROUPS,
    )
    erp_crm_first_invoice_date = fields.Date(
        compute="_compute_erp_crm_ranking_id", string="First Purchase", groups=RANKING_GROUP
    )
    erp_crm_invoice_count = fields.Integer(
        compute="_compute_erp_crm_ranking_id", string="Posted Invoices", groups=RANKING_GROUP
    )
    erp_crm_avg_days_between = fields.Float(
        compute="_compute_erp_crm_ranking_id", string="Days Between Invoices", groups=RANKING_GROUP
    )
    erp_crm_conversion = fields.Float(
        compute="_compute_erp_crm_ranking_id", string="Deal Conversion (%)", groups=RANKING_GROUP
    )
    erp_crm_ranking_date = fields.Datetime(
        compute="_compute_erp_crm_ranking_id", string="Ranked On", groups=RANKING_GROUP
    )
    erp_crm_first_deal_source_id = fields.Many2one(
        "utm.source",
        string="Source of First Deal",
        compute="_compute_erp_crm_ranking_id",
        search="_search_erp_crm_first_deal_source_id",
        groups=RANKING_GROUP,
        help="Where the customer's first deal in the current company came from (ranked customers).",
    )

    @api.depends_context("company")
    @api.depends("commercial_partner_id")
    def _compute_erp_crm_ranking_id(self):
        rankings = self.env["res.partner.ranking"].search(
            [("partner_id", "in", self.commercial_partner_id.ids), ("company_id", "=", self.env.company.id)]
        )
        # sudo: read the revenue figures too, of the rows found with the user's rights above; the partner fields
        # holding them carry the same groups as the ranking's (REVENUE_GROUPS)
        rankings = rankings.sudo()
        by_partner = {ranking.partner_id: ranking for ranking in rankings}
        for partner in self:
            ranking = by_partner.get(partner.commercial_partner_id, rankings.browse())
            partner.erp_crm_ranking_id = ranking.with_env(self.env)
            for field_name, ranking_field in RANKING_FIELDS.items():
                partner[field_name] = ranking[ranking_field]

    def _search_erp_crm_ranking(self, field_name, operator, value):
        """Partners (and their contacts) whose current company's ranking matches ``field_name operator value``;
        unranked partners match "not set" and the negative operators."""
        if operator == "not in":
            return ~self._search_erp_crm_ranking(field_name, "in", value)
        if operator == "any":  # a many2one's sub-domain, e.g. ('erp_crm_first_deal_source_id.name', '=', 'Fair')
            matching = self.env["res.partner.ranking"]._search(
                Domain("company_id", "=", self.env.company.id) & Domain(field_name, "any", value)
            )
            return Domain("commercial_partner_id", "in", matching.subselect("partner_id"))
        if operator not in ("in", "<", "<=", ">", ">="):
            return NotImplemented
        Ranking = self.env["res.partner.ranking"]
        company = Domain("company_id", "=", self.env.company.id)
        domain = Domain.FALSE
        values = [v for v in value if v is not False] if operator == "in" else value
        if operator != "in" or values:
            matching = Ranking._search(company & Domain(field_name, operator, values))
            domain = Domain("commercial_partner_id", "in", matching.subselect("partner_id"))
        if operator == "in" and False in value:
            ranked = Ranking._search(company)
            domain |= ~Domain("commercial_partner_id", "in", ranked.subselect("partner_id"))
        return domain

    @restricted_search("erp_crm_abc_class")
    def _search_erp_crm_abc_class(self, operator, value):
        return self._search_erp_crm_ranking("abc_class", operator, value)

    @restricted_search("erp_crm_rfm_segment")
    def _search_erp_crm_rfm_segment(self, operator, value):
        return self._search_erp_crm_ranking("rfm_segment", operator, value)

    @restricted_search("erp_crm_last_invoice_date")
    def _search_erp_crm_last_invoice_date(self, operator, value):
        return self._search_erp_crm_ranking("last_invoice_date", operator, value)

    @restricted_search("erp_crm_first_deal_source_id")
    def _search_erp_crm_first_deal_source_id(self, operator, value):
        return self._search_erp_crm_ranking("first_deal_source_id", operator, value)
