"""Shared start-up of the benchmarks: Odoo options from the command line, one registry cursor."""

import statistics
import sys
import time
from contextlib import contextmanager

import odoo
from odoo.modules.registry import Registry
from odoo.tools import config


@contextmanager
def admin_env(commit=False):
    """An environment of the database given on the command line, as its administrator; rolled back at the end
    (committed with ``commit=True``, for a benchmark that serves its data to a server of its own)."""
    config.parse_config(sys.argv[1:])
    db_name = config["db_name"]
    registry = Registry(db_name[0] if isinstance(db_name, list) else db_name)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        yield env(user=env.ref("base.user_admin"))
        if not commit:
            cr.rollback()


def measure(env, func, repeat):
    """Median seconds and fewest queries of func over ``repeat`` runs with cold record caches."""
    times, queries = [], []
    for _run in range(repeat):
        env.invalidate_all()
        before = env.cr.sql_log_count
        start = time.perf_counter()
        func()
        env.flush_all()
        times.append(time.perf_counter() - start)
        queries.append(env.cr.sql_log_count - before)
    return statistics.median(times), min(queries)
