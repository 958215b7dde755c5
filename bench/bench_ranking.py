"""Customer ranking (issue 10): the full set-based ranking against the floor, a bare SQL aggregate.

Generates, inside one transaction that is rolled back at the end, ERP_CRM_BENCH_CUSTOMERS customers (default
100,000) and ERP_CRM_BENCH_LINES posted invoice lines (default 1,000,000; 4 lines per invoice, one invoice in 20
is a credit note) straight in PostgreSQL. The generator is deterministic (no random(): a multiplicative hash of
the row number), so two runs rank the same data:

- invoice k belongs to customer floor(N * u^3), u = (k * 2654435761 mod 1000003) / 1000003: a few customers
  buy a lot, most buy little (a Pareto-like base);
- its date is today - (k * 31 mod 730) days (two years: half of it before the 12-month period);
- line j of invoice k is worth 10 + (k * 4 + j) * 37 mod 990, untaxed.

Prints, from one run: the full ranking time (`res.partner.ranking._compute_ranking`; best of 3 runs on unchanged
invoices, as the daily cron finds them: every customer is ranked again, only changed rows are written), the time of
the very first ranking (every row inserted), the time of the first ranking of a month (the previous ranking kept
as the previous month's snapshot: every row copied), the time of the floor (`SUM` of the invoiced amount of the
same lines grouped by partner), their ratio (goal <= 3), the number of queries of the ranking (constant), the
peak memory of this Odoo process (goal < 500 MB) and the machine's load average at the end (the figures depend on it).
Run through bench/run, which passes the Odoo options (-d, --addons-path, --db_*).
"""

import os
import resource
import sys
import time

from benchlib import admin_env

from odoo.tools import SQL

CUSTOMERS = int(os.environ.get("ERP_CRM_BENCH_CUSTOMERS", "100000"))
LINES = int(os.environ.get("ERP_CRM_BENCH_LINES", "1000000"))
LINES_PER_INVOICE = 4
REPEAT = 3


def generate(env, company):
    """Customers, posted invoices and their lines, in SQL (see the module docstring)."""
    journal = env["account.journal"].search([("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
    account = journal.default_account_id
    invoices = LINES // LINES_PER_INVOICE
    params = {
        "customers": CUSTOMERS,
        "invoices": invoices,
        "per": LINES_PER_INVOICE,
        "company": company.id,
        "journal": journal.id,
        "account": account.id,
        "currency": company.currency_id.id,
        "today": time.strftime("%Y-%m-%d"),
    }
    env.cr.execute(
        SQL(
            """
CREATE TEMP TABLE bench_partner ON COMMIT DROP AS
SELECT row_number() OVER () - 1 AS idx, nextval('res_partner_id_seq') AS id
  FROM generate_series(1, %(customers)s);
INSERT INTO res_partner (id, name, complete_name, commercial_partner_id, active, is_company, type,
                         autopost_bills, create_date, write_date)
SELECT id, 'Bench ranked ' || idx, 'Bench ranked ' || idx, id, TRUE, TRUE, 'contact', 'ask', now(), now()
  FROM bench_partner;
CREATE TEMP TABLE bench_move ON COMMIT DROP AS
SELECT s.k, nextval('account_move_id_seq') AS id, p.id AS partner_id,
       (%(today)s::date - ((s.k * 31) %% 730)::int) AS invoice_date,
       CASE WHEN s.k %% 20 = 0 THEN 'out_refund' ELSE 'out_invoice' END AS move_type
  FROM generate_series(1, %(invoices)s) s(k)
  JOIN bench_partner p
    ON p.idx = LEAST(%(customers)s - 1,
                     floor(%(customers)s * power(((s.k * 2654435761) %% 1000003) / 1000003.0, 3))::int);
INSERT INTO account_move (id, name, journal_id, company_id, currency_id, state, move_type, auto_post, date,
                          invoice_date, partner_id, commercial_partner_id, amount_untaxed_signed, amount_untaxed,
                          create_date, write_date)
SELECT m.id, 'BENCH/' || m.k, %(journal)s, %(company)s, %(currency)s, 'posted', m.move_type, 'no', m.invoice_date,
       m.invoice_date, m.partner_id, m.partner_id,
       (CASE WHEN m.move_type = 'out_refund' THEN -1 ELSE 1 END)
         * (SELECT SUM(10 + ((m.k * %(per)s + j) * 37) %% 990) FROM generate_series(0, %(per)s - 1) j),
       (SELECT SUM(10 + ((m.k * %(per)s + j) * 37) %% 990) FROM generate_series(0, %(per)s - 1) j),
       now(), now()
  FROM bench_move m;
INSERT INTO account_move_line (move_id, journal_id, company_id, company_currency_id, currency_id, account_id,
                               partner_id, date, parent_state, display_type, name, quantity, price_unit,
                               price_subtotal, price_total, balance, amount_currency, debit, credit)
SELECT m.id, %(journal)s, %(company)s, %(currency)s, %(currency)s, %(account)s, m.partner_id, m.invoice_date,
       'posted', 'product', 'Bench line', 1, a.amount, a.amount, a.amount,
       a.sign * -a.amount, a.sign * -a.amount,
       CASE WHEN a.sign < 0 THEN a.amount ELSE 0 END, CASE WHEN a.sign > 0 THEN a.amount ELSE 0 END
  FROM bench_move m
  CROSS JOIN generate_series(0, %(per)s - 1) j
  CROSS JOIN LATERAL (
      SELECT 10 + ((m.k * %(per)s + j) * 37) %% 990 AS amount,
             CASE WHEN m.move_type = 'out_refund' THEN -1 ELSE 1 END AS sign
  ) a;
ANALYZE res_partner;
ANALYZE account_move;
ANALYZE account_move_line;
""",
            **params,
        )
    )
    return invoices


def floor_aggregate(env, company):
    """The floor: invoiced amount of the posted lines, summed per partner."""
    return env.execute_query(
        SQL(
            """SELECT partner_id, SUM(CASE WHEN balance < 0 THEN price_subtotal ELSE -price_subtotal END)
                 FROM account_move_line
                WHERE parent_state = 'posted' AND display_type = 'product' AND company_id = %s
                GROUP BY partner_id""",
            company.id,
        )
    )


def timed(func):
    best = None
    for _run in range(REPEAT):
        start = time.perf_counter()
        func()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    with admin_env() as env:
        company = env.company
        start = time.perf_counter()
        invoices = generate(env, company)
        print(
            f"generated {CUSTOMERS} customers, {invoices} invoices, {invoices * LINES_PER_INVOICE} lines in "
            f"{time.perf_counter() - start:.1f} s",
            file=sys.stderr,
        )
        Ranking = env["res.partner.ranking"]
        env.flush_all()
        before = env.cr.sql_log_count
        start = time.perf_counter()
        Ranking._compute_ranking(company)  # first ranking: every row inserted
        first_s = time.perf_counter() - start
        queries = env.cr.sql_log_count - before
        ranking_s = timed(lambda: Ranking._compute_ranking(company))
        # The first ranking of a new month keeps the previous ranking as its month's snapshot (every row copied).
        env.cr.execute(
            SQL(
                "UPDATE res_company SET erp_crm_ranking_date = erp_crm_ranking_date - INTERVAL '1 month' WHERE id = %s",
                company.id,
            )
        )
        start = time.perf_counter()
        Ranking._compute_ranking(company)
        month_s = time.perf_counter() - start
        floor_s = timed(lambda: floor_aggregate(env, company))
        ranked = Ranking.search_count([("company_id", "=", company.id)])
        classes = dict(Ranking._read_group([("company_id", "=", company.id)], ["abc_class"], ["__count"]))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"erp_crm ranking bench: {CUSTOMERS} customers, {invoices * LINES_PER_INVOICE} posted invoice lines "
        f"(load average {load})"
    )
    print(f"  ranked customers {ranked}, classes {classes}")
    print(
        f"  full ranking {ranking_s * 1000:8.0f} ms {queries:3d} queries | floor (SUM per partner) "
        f"{floor_s * 1000:8.0f} ms | ratio {ranking_s / floor_s:5.2f} (goal <= 3) | peak memory {peak_mb:.0f} MB"
    )
    print(f"  first ranking (every row inserted) {first_s * 1000:8.0f} ms | ratio {first_s / floor_s:5.2f}")
    print(
        f"  first ranking of a month (every row copied to the snapshot) {month_s * 1000:8.0f} ms | "
        f"ratio {month_s / floor_s:5.2f}"
    )


if __name__ == "__main__":
    main()
