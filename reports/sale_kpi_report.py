from odoo import fields, models
from odoo.tools import SQL

from .sale_deal_report import DEAL_DEPENDS, HISTORY_DEPENDS

KPI_KINDS = [
    ("activity_done", "Activity Done"),
    ("activity_open", "Open Activity"),
    ("created", "Deal Created"),
    ("won", "Deal Won"),
    ("lost", "Deal Lost"),
]

COUNTS = ["activity", "call", "open_activity", "overdue", "created", "won", "lost"]


def _counts(**values):
    """The count columns of one branch of the view: ``values`` by count name, 0 for the others."""
    return SQL(", ").join(SQL("%s AS %s", values.get(name, 0), SQL.identifier(f"{name}_count")) for name in COUNTS)


class SaleKpiReport(models.Model):
    """Salesperson KPIs: one row per event of a deal (activity done, open activity, deal created, won, lost).

    Activities done come from the chatter messages that marking an activity done posts (``mail.message`` with
    an activity type), counted for their author; open activities for their assignee; deals for their
    salesperson. Only deals (sale orders with a funnel) count.
    """

    _name = "sale.kpi.report"
    _description = "Salesperson KPIs"
    _inherit = "sale.deal.report"
    _auto = False
    _rec_name = "kind"
    _order = "date desc, id desc"
    # Flushed before the view is read
    _depends = {
        "sale.funnel.stage.history": HISTORY_DEPENDS,
        "sale.order": DEAL_DEPENDS,
        "mail.message": ["model", "res_id", "date", "author_id", "mail_activity_type_id"],
        "mail.activity": ["res_model", "res_id", "user_id", "date_deadline", "activity_type_id", "active"],
    }

    kind = fields.Selection(KPI_KINDS, readonly=True)
    date = fields.Datetime(
        readonly=True, help="When it happened: activity done, activity due, deal created, won or lost."
    )
    source_id = fields.Many2one("utm.source", string="Source", readonly=True)
    activity_type_id = fields.Many2one("mail.activity.type", string="Activity Type", readonly=True)
    activity_count = fields.Integer(string="Activities Done", readonly=True)
    call_count = fields.Integer(string="Calls Done", readonly=True)
    open_activity_count = fields.Integer(string="Open Activities", readonly=True)
    overdue_count = fields.Integer(string="Overdue Activities", readonly=True)
    created_count = fields.Integer(string="Deals Created", readonly=True)
    won_count = fields.Integer(string="Deals Won", readonly=True)
    lost_count = fields.Integer(string="Deals Lost", readonly=True)
    won_amount = fields.Monetary(string="Won Amount", readonly=True, help="Untaxed, in company currency.")
    conversion_rate = fields.Float(
        string="Conversion (%)", readonly=True, aggregator="avg", help="Deals won / deals created in the period."
    )
    cycle_days = fields.Float(
        string="Avg Deal Cycle (days)",
        readonly=True,
        aggregator="avg",
        help="Days from a won deal's first stage to its won stage.",
    )

    def _query(self):
        amount = SQL("so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1.0)")
        deal = SQL("so.team_id, so.funnel_id, so.company_id, so.id AS order_id, so.source_id, so.partner_id")
        return SQL(
            """
            SELECT m.id * 8 + 1 AS id, 'activity_done' AS kind, m.date AS date, author.id AS user_id,
                   %(deal)s, m.mail_activity_type_id AS activity_type_id,
                   %(done)s, 0.0 AS won_amount, NULL::float AS conversion_rate, NULL::float AS cycle_days
              FROM mail_message m
              JOIN sale_order so ON m.model = 'sale.order' AND so.id = m.res_id
              LEFT JOIN mail_activity_type t ON t.id = m.mail_activity_type_id
              LEFT JOIN LATERAL (SELECT u.id FROM res_users u WHERE u.partner_id = m.author_id
                                  ORDER BY u.id LIMIT 1) author ON TRUE
             WHERE m.mail_activity_type_id IS NOT NULL AND so.funnel_id IS NOT NULL
            UNION ALL
            SELECT a.id * 8 + 2, 'activity_open', a.date_deadline::timestamp, a.user_id,
                   %(deal)s, a.activity_type_id,
                   %(open)s, 0.0, NULL::float, NULL::float
              FROM mail_activity a
              JOIN sale_order so ON a.res_model = 'sale.order' AND so.id = a.res_id
             WHERE a.active AND so.funnel_id IS NOT NULL
            UNION ALL
            SELECT h.id * 8 + 3, 'created', h.date_in, so.user_id,
                   %(deal)s, NULL::int,
                   %(created)s, 0.0, NULL::float, NULL::float
              FROM sale_funnel_stage_history h
              JOIN sale_order so ON so.id = h.order_id
             WHERE h.from_stage_id IS NULL
            UNION ALL
            SELECT so.id * 8 + 4, 'won', so.date_stage, so.user_id,
                   %(deal)s, NULL::int,
                   %(won)s, %(amount)s, NULL::float,
                   EXTRACT(EPOCH FROM (so.date_stage - (SELECT MIN(h.date_in) FROM sale_funnel_stage_history h
                                                         WHERE h.order_id = so.id))) / 86400.0
              FROM sale_order so
             WHERE so.won_status = 'won' AND so.funnel_id IS NOT NULL
            UNION ALL
            SELECT so.id * 8 + 5, 'lost', COALESCE(so.date_stage, so.write_date), so.user_id,
                   %(deal)s, NULL::int,
                   %(lost)s, 0.0, NULL::float, NULL::float
              FROM sale_order so
             WHERE so.won_status = 'lost' AND so.funnel_id IS NOT NULL
            """,
            deal=deal,
            amount=amount,
            done=_counts(activity=1, call=SQL("CASE WHEN t.category = 'phonecall' THEN 1 ELSE 0 END")),
            open=_counts(open_activity=1, overdue=SQL("CASE WHEN a.date_deadline < CURRENT_DATE THEN 1 ELSE 0 END")),
            created=_counts(created=1),
            won=_counts(won=1),
            lost=_counts(lost=1),
        )

    def _read_group_select(self, aggregate_spec, query):
        def column(fname):
            return self._field_to_sql(self._table, fname, query)

        if aggregate_spec == "conversion_rate:avg":
            # A ratio of sums, right for any grouping.
            return SQL("100.0 * SUM(%s) / NULLIF(SUM(%s), 0)", column("won_count"), column("created_count"))
        if aggregate_spec == "overdue_count:sum":
            # Overdue against the user's today (the view's own column uses the server's date).
            return SQL(
                "SUM(CASE WHEN %s = 'activity_open' AND %s < %s THEN 1 ELSE 0 END)",
                column("kind"),
                column("date"),
                fields.Date.context_today(self),
            )
        return super()._read_group_select(aggregate_spec, query)
