from contextlib import contextmanager

from odoo import fields, models
from odoo.tools import SQL, drop_view_if_exists

ANALYSIS_WORK_MEM = "32MB"  # sorts and hashes of an analysis of 500,000 history rows stay in memory


@contextmanager
def one_core(env):
    """Run an analysis on one core, with the memory to group in it: PostgreSQL would otherwise give a large
    grouping parallel workers, which take the cores the people moving deals need (see bench/bench_analytics.py
    and the README's figures). Both settings are local to the transaction and restored after."""
    previous = env.execute_query(
        SQL(
            """SELECT current_setting('max_parallel_workers_per_gather'), current_setting('work_mem'),
                      set_config('max_parallel_workers_per_gather', '0', true),
                      set_config('work_mem', %s, true)""",
            ANALYSIS_WORK_MEM,
        )
    )[0]
    yield
    # Restored on success only: after an error, the rollback that follows undoes these local settings too.
    env.execute_query(
        SQL(
            """SELECT set_config('max_parallel_workers_per_gather', %s, true), set_config('work_mem', %s, true)""",
            previous[0],
            previous[1],
        )
    )


# What the deal reports read of the stage history and of the deals: flushed before a report is read.
HISTORY_DEPENDS = [
    "order_id",
    "funnel_id",
    "from_stage_id",
    "stage_id",
    "to_stage_id",
    "company_id",
    "date_in",
    "date_out",
    "duration_hours",
]
DEAL_DEPENDS = [
    "user_id",
    "team_id",
    "partner_id",
    "company_id",
    "funnel_id",
    "stage_id",
    "source_id",
    "medium_id",
    "campaign_id",
    "won_status",
    "state",
    "date_stage",
    "amount_untaxed",
    "currency_rate",
]


class SaleDealReport(models.AbstractModel):
    """What the deal reports share: an SQL view made from ``_query()``, read on one core (see ``one_core``), and
    the deal's dimensions every such view selects (``order_id``, ``funnel_id``, ``user_id``, ``team_id``,
    ``partner_id``, ``company_id``)."""

    _name = "sale.deal.report"
    _description = "Deal Report (shared)"

    order_id = fields.Many2one("sale.order", string="Deal", readonly=True)
    funnel_id = fields.Many2one("sale.funnel", string="Funnel", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")

    def _query(self):
        """The view's SELECT, as an ``SQL``."""
        raise NotImplementedError

    def init(self):
        if self._abstract:
            return
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))

    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        with one_core(self.env):
            return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)
