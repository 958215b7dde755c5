"""Service requests (issue 12): the SLA cron and the service kanban on 100,000 open requests.

Generates, inside one transaction that is rolled back at the end, ERP_CRM_BENCH_REQUESTS open service requests
(default 100,000) in a service desk, their 2 SLA lines each and their assignees, straight in PostgreSQL, and the
same tasks again in a plain project (Odoo's task kanban). The generator is deterministic; request i (from 0):

- is in stage New, In Progress or Waiting for Customer (i mod 3), of customer i mod 200, request type i mod 4
  (its priority from the type), assigned to technician (i div 60) mod 10, and arrived (i mod 60) minutes before
  the bench's start T0 (so that every batch of the cron, taken in deadline order, reminds all ten technicians:
  the cron sends one digest per assignee and batch);
- has a first response SLA (2.5 h) and a resolution SLA (4 h), at risk after half the time; deadlines are clock
  time (the cron compares stored instants: working time is computed when the lines are written, not here).
  Requests past New have their first response reached 30 minutes after arrival; waiting ones have their
  resolution paused since then.

At T0 nothing is due: the cron's idle run (every five minutes, all day) is measured first. Then every instant is
moved 3 hours into the past (as if the clock had moved on): the first response of every New request is at risk
and failed, the resolution of every running request at risk. The cron then works in batches of 500 SLA lines,
committing its progress after each; here ``ir.cron._commit_progress`` is replaced by a probe that records the
time and queries of each batch and stops the cron after ERP_CRM_BENCH_SLA_BATCHES batches (default 10), as an
exhausted time budget does (nothing is committed). The at-risk phase is measured first; then the remaining due
lines are marked at risk in SQL (as if that phase had finished) and the failed phase is measured.

The kanban: the service kanban (``erp_crm.project_task_view_kanban_service``) of the desk against Odoo's task
kanban (``project.view_task_kanban``) of the plain project holding the same tasks, as a technician opens them
(web_read_group grouped by stage, every column unfolded with 80 cards, then read_progress_bar); fewest queries
and median time over 5 openings with cold caches.

Run through bench/run, which passes the Odoo options (-d, --addons-path, --db_*).
"""

import os
import statistics
import sys
import time
from unittest.mock import patch

from benchlib import admin_env, measure

from odoo.fields import Command
from odoo.tools import SQL

REQUESTS = int(os.environ.get("ERP_CRM_BENCH_REQUESTS", "100000"))
SLA_BATCHES = int(os.environ.get("ERP_CRM_BENCH_SLA_BATCHES", "10"))
TECHNICIANS = 10
CUSTOMERS = 200
REPEAT = 5
CARDS_PER_COLUMN = 80


def setup(env):
    """The desk, a plain project with the same stages, technicians, customers and request types (ORM)."""
    group = env.ref("project.group_project_user")
    techs = env["res.users"].create(
        [
            {"name": f"Bench tech {i}", "login": f"bench_service_tech_{i}", "group_ids": [Command.link(group.id)]}
            for i in range(TECHNICIANS)
        ]
    )
    manager = env["res.users"].create(
        {
            "name": "Bench service manager",
            "login": "bench_service_manager",
            "group_ids": [Command.link(env.ref("project.group_project_manager").id)],
        }
    )
    desk, plain = env["project.project"].create(
        [
            {"name": "Bench service desk", "is_service_desk": True, "user_id": manager.id},
            {"name": "Bench installations", "user_id": manager.id},
        ]
    )
    stages = env["project.task.type"].create(
        [
            {"name": "Bench new", "sequence": 1},
            {"name": "Bench in progress", "sequence": 2},
            {"name": "Bench waiting", "sequence": 3, "is_customer_wait": True},
            {"name": "Bench solved", "sequence": 4, "fold": True},
        ]
    )
    stages.project_ids = desk | plain
    policies = env["project.sla.policy"].create(
        [
            {
                "name": "Bench first answer",
                "project_id": desk.id,
                "kind": "first_response",
                "stage_id": stages[1].id,
                "working_hours": 2.5,
            },
            {
                "name": "Bench resolution",
                "project_id": desk.id,
                "kind": "resolution",
                "stage_id": stages[3].id,
                "working_hours": 4,
            },
        ]
    )
    customers = env["res.partner"].create([{"name": f"Bench service customer {i}"} for i in range(CUSTOMERS)])
    types = env["project.service.type"].search([], limit=4)
    return desk, plain, stages, policies, techs, customers, types


def generate(env, desk, plain, stages, policies, techs, customers, types):
    """Requests, their SLA lines and assignees, and the same tasks in the plain project (see the docstring)."""
    params = {
        "n": REQUESTS,
        "desk": desk.id,
        "plain": plain.id,
        "company": desk.company_id.id or env.company.id,
        "stages": stages[:3].ids,
        "customers": customers.ids,
        "techs": techs.ids,
        "types": types.ids,
        "priorities": [t.default_priority or "normal" for t in types],
        "response": policies[0].id,
        "resolution": policies[1].id,
        "uid": env.uid,
    }
    env.cr.execute(
        SQL(
            """
CREATE TEMP TABLE bench_task ON COMMIT DROP AS
SELECT i AS idx, project, nextval('project_task_id_seq') AS id,
       (now() AT TIME ZONE 'UTC') - make_interval(mins => i %% 60) AS arrived
  FROM generate_series(0, %(n)s - 1) i, unnest(ARRAY[%(desk)s, %(plain)s]) project;
INSERT INTO project_task (id, name, project_id, stage_id, partner_id, company_id, state, active, priority, sequence,
                          display_in_project, is_template, is_service_request, service_type_id, service_priority,
                          create_uid, write_uid, create_date, write_date, date_last_stage_update)
SELECT id, 'Bench request ' || idx, project, (%(stages)s::int[])[1 + idx %% 3],
       (%(customers)s::int[])[1 + idx %% %(ncustomers)s], %(company)s, '01_in_progress', TRUE, '0', 10, TRUE, FALSE,
       project = %(desk)s, (%(types)s::int[])[1 + idx %% 4], (%(priorities)s::varchar[])[1 + idx %% 4],
       %(uid)s, %(uid)s, arrived, arrived, arrived
  FROM bench_task;
INSERT INTO project_task_user_rel (task_id, user_id)
SELECT id, (%(techs)s::int[])[1 + (idx / 60) %% %(ntechs)s] FROM bench_task;
INSERT INTO project_task_sla (task_id, policy_id, kind, project_id, company_id, partner_id, service_type_id,
                              service_priority, user_id, status, start_at, deadline, at_risk_at, reached_at,
                              paused_since, paused_minutes, working_hours_to_reach, success_rate,
                              create_uid, write_uid, create_date, write_date)
SELECT t.id, p.policy, p.kind, t.project_id, t.company_id, t.partner_id, t.service_type_id, t.service_priority,
       (%(techs)s::int[])[1 + (b.idx / 60) %% %(ntechs)s],
       CASE WHEN p.kind = 'first_response' AND b.idx %% 3 > 0 THEN 'reached' ELSE 'ongoing' END,
       b.arrived, b.arrived + make_interval(mins => p.minutes), b.arrived + make_interval(mins => p.minutes / 2),
       CASE WHEN p.kind = 'first_response' AND b.idx %% 3 > 0 THEN b.arrived + interval '30 minutes' END,
       CASE WHEN p.kind = 'resolution' AND b.idx %% 3 = 2 THEN b.arrived + interval '30 minutes' END,
       0,
       CASE WHEN p.kind = 'first_response' AND b.idx %% 3 > 0 THEN 0.5 END,
       CASE WHEN p.kind = 'first_response' AND b.idx %% 3 > 0 THEN 100.0 END,
       %(uid)s, %(uid)s, b.arrived, b.arrived
  FROM bench_task b
  JOIN project_task t ON t.id = b.id
 CROSS JOIN (VALUES (%(response)s, 'first_response', 150), (%(resolution)s, 'resolution', 240))
            AS p(policy, kind, minutes)
 WHERE b.project = %(desk)s;
ANALYZE project_task;
ANALYZE project_task_sla;
ANALYZE project_task_user_rel;
""",
            ncustomers=len(customers),
            ntechs=len(techs),
            **params,
        )
    )
    env.invalidate_all()


def shift_clock(env, hours):
    """Move every SLA instant ``hours`` into the past: the same as running the cron ``hours`` later."""
    env.flush_all()
    env.cr.execute(
        SQL(
            """UPDATE project_task_sla
                  SET start_at = start_at - %(shift)s::interval, deadline = deadline - %(shift)s::interval,
                      at_risk_at = at_risk_at - %(shift)s::interval, reached_at = reached_at - %(shift)s::interval,
                      paused_since = paused_since - %(shift)s::interval""",
            shift=f"{hours} hours",
        )
    )
    env.invalidate_all()


def run_cron(env, max_batches):
    """Run the SLA cron, its ``_commit_progress`` replaced by a probe: [(seconds, queries, lines)] per batch."""
    batches = []
    mark = {"t": time.perf_counter(), "q": env.cr.sql_log_count}

    def probe(cron, processed=0, **kwargs):
        env.flush_all()
        now, queries = time.perf_counter(), env.cr.sql_log_count
        batches.append((now - mark["t"], queries - mark["q"], processed))
        mark.update(t=time.perf_counter(), q=env.cr.sql_log_count)
        return 0.0 if len(batches) >= max_batches else 3600.0

    env.invalidate_all()
    start, before = time.perf_counter(), env.cr.sql_log_count
    with patch.object(type(env["ir.cron"]), "_commit_progress", probe):
        env["project.task.sla"]._cron_erp_crm_sla()
        env.flush_all()
    return batches, time.perf_counter() - start, env.cr.sql_log_count - before


def report_batches(label, batches):
    steady = batches[1:] or batches  # the first batch also carries the run's start
    queries = [q for _s, q, _n in steady]
    per_batch = statistics.median(s for s, _q, _n in steady)
    lines = statistics.median(n for _s, _q, n in steady)
    print(
        f"  {label}: {len(batches)} batches of {lines:.0f} SLA lines, {per_batch * 1000:7.1f} ms per batch "
        f"({per_batch / lines * 1000:.2f} ms per line), queries per batch {min(queries)}-{max(queries)} "
        f"(first batch {batches[0][1]})"
    )
    print(f"    queries of each batch: {[q for _s, q, _n in batches]}")


def main():
    with admin_env() as env:
        from odoo.addons.erp_crm.tests.task_kanban import (  # noqa: PLC0415 (importable once the registry is up)
            open_task_kanban,
            task_kanban_progress_bar,
            task_kanban_read_spec,
        )

        desk, plain, stages, policies, techs, customers, types = setup(env)
        print(f"generating {REQUESTS} requests and {REQUESTS} plain tasks...", file=sys.stderr)
        start = time.perf_counter()
        generate(env, desk, plain, stages, policies, techs, customers, types)
        generated = time.perf_counter() - start

        # the kanbans, as a technician opens them
        tasks = env["project.task"].with_user(techs[0])
        kanbans = []
        for project, view in ((desk, "erp_crm.project_task_view_kanban_service"), (plain, "project.view_task_kanban")):
            spec = task_kanban_read_spec(env, view)
            bar = task_kanban_progress_bar(env, view)
            kanbans.append(
                measure(
                    env, lambda p=project, s=spec, b=bar: open_task_kanban(tasks, p, s, b, CARDS_PER_COLUMN), REPEAT
                )
            )

        idle, idle_s, idle_q = run_cron(env, SLA_BATCHES)
        shift_clock(env, 3)
        at_risk, at_risk_s, _q = run_cron(env, SLA_BATCHES)
        env.flush_all()
        env.cr.execute(
            """UPDATE project_task_sla SET status = 'at_risk', at_risk_notified_at = now() AT TIME ZONE 'UTC'
                WHERE status = 'ongoing' AND at_risk_at <= now() AT TIME ZONE 'UTC'
                  AND reached_at IS NULL AND paused_since IS NULL"""
        )
        env.invalidate_all()
        failed, failed_s, _q = run_cron(env, SLA_BATCHES)
        env.cr.execute("SELECT count(*) FROM project_task_sla WHERE task_id IN (SELECT id FROM bench_task)")
        (lines,) = env.cr.fetchone()

    print(f"erp_crm service bench: {REQUESTS} open requests, {lines} SLA lines (generated in {generated:.1f} s)")
    print("SLA cron (batches of 500 SLA lines, each committing its progress)")
    print(f"  idle run (nothing due): {idle_s * 1000:.1f} ms, {idle_q} queries")
    report_batches("at risk (assignees reminded)", at_risk)
    report_batches("failed (project manager told)", failed)
    (ours_s, ours_q), (odoo_s, odoo_q) = kanbans
    print("kanban grouped by stage, 80 cards per column, as a technician")
    print(
        f"  service kanban {ours_s * 1000:7.1f} ms {ours_q:3d} queries | Odoo's task kanban {odoo_s * 1000:7.1f} ms"
        f" {odoo_q:3d} queries | time ratio {ours_s / odoo_s:4.2f} | extra queries {ours_q - odoo_q:+d}"
    )


if __name__ == "__main__":
    main()
