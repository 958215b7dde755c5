from odoo import api, models
from odoo.exceptions import AccessError, UserError

from ..models.res_partner import RANKING_GROUP


class ReportPartnerRankingSheet(models.AbstractModel):
    """The customer ranking sheet (PDF): one page per customer with its ranking in the current company.

    Read with the printing user's rights: sales users only, rankings of their current company only (the
    ranking's company rule), open deals as far as the user may see them."""

    _name = "report.erp_crm.report_partner_ranking"
    _description = "Customer Ranking Sheet"

    @api.model
    def _get_report_values(self, docids, data=None):
        if not self.env.user.has_group(RANKING_GROUP):
            raise AccessError(self.env._("Only sales users can print the customer ranking sheet."))
        company = self.env.company
        partners = self.env["res.partner"].browse(docids)
        partners.check_access("read")
        commercial = partners.commercial_partner_id
        rankings = self.env["res.partner.ranking"].search(
            [("partner_id", "in", commercial.ids), ("company_id", "=", company.id)]
        )
        by_partner = {ranking.partner_id: ranking for ranking in rankings}
        unranked = partners.filtered(lambda p: p.commercial_partner_id not in by_partner)
        if unranked:
            raise UserError(
                self.env._(
                    "No ranking of %(customers)s in %(company)s: the ranking sheet covers the customers your company"
                    " has ranked (Sales ▸ Customers ▸ Customer Ranking).",
                    customers=", ".join(unranked.mapped("display_name")),
                    company=company.name,
                )
            )
        open_deals = dict(
            self.env["sale.order"]._read_group(
                [
                    ("partner_id", "child_of", commercial.ids),
                    ("company_id", "=", company.id),
                    ("funnel_id", "!=", False),
                    ("won_status", "=", "pending"),
                    ("state", "!=", "cancel"),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        deals_by_commercial = {}
        for partner, count in open_deals.items():
            key = partner.commercial_partner_id
            deals_by_commercial[key] = deals_by_commercial.get(key, 0) + count
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "rankings": {partner.id: by_partner[partner.commercial_partner_id] for partner in partners},
            "open_deals": {
                partner.id: deals_by_commercial.get(partner.commercial_partner_id, 0) for partner in partners
            },
        }
