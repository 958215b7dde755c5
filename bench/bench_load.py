"""Load on a real server: users moving deals and opening the kanban over JSON-RPC, robots against automation rules.

Starts Odoo on the loopback (127.0.0.1, a free port) with ``--workers=4 --max-cron-threads=1`` on the bench
database, and drives it from ERP_CRM_LOAD_USERS processes (default 8), one user each, in two phases of
ERP_CRM_LOAD_SECONDS each (default 60) or ERP_CRM_LOAD_OPS operations per user (default 5,000), whichever comes first:

- *paced*: each user thinks between two actions, a random 0.5 to 1.5 times ERP_CRM_LOAD_THINK (default 0.3 s), as
  people clicking do: the server is busy but not saturated, and a call's time is its own work (the goal's phase);
- *saturated*: no pause at all: 8 users keep 4 workers on 2 cores busy, every call also waits for a free worker
  and a core, whatever it does, which brings every ratio closer to 1 (printed for comparison).

Each user loops over
its own deals of three funnels built alike (stages Offer, Quote, Won):

- *robots*: entering Quote runs three stage robots (an activity for a role, a field update, a chatter note) inside
  the move;
- *background*: the same three robots, set to run in the background (right after the move, in the cron worker);
- *rules*: entering Quote runs three standard automation rules actions (base_automation, "Stage is set to": an
  activity, a field update, a note), the same three things;

and does, in turn for each funnel: open its kanban (``web_read_group`` unfolded + ``web_search_read``) and move a
deal into its Quote; then moves the three deals back to Offer. Robots re-run on every entry (as rules do). It prints
throughput, p50 and p95 per operation, errors, the serialization retries the server logged, duplicate robot runs
and the work done per entry (SQL after the run, once the cron worker has done the background robots' work), and how
long after the move the background work was done. Goal: the p95 of the move into a stage with 3 robots at most
half that of the same move with automation rules. The funnels, deals, rules and server actions it made are deleted
at the end (the 8 users are kept for reruns). Run through bench/run.
"""

import http.cookiejar
import json
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from benchlib import admin_env

import odoo
from odoo.fields import Command
from odoo.tools import SQL, config

USERS = int(os.environ.get("ERP_CRM_LOAD_USERS", "8"))
SECONDS = float(os.environ.get("ERP_CRM_LOAD_SECONDS", "60"))
MAX_OPS = int(os.environ.get("ERP_CRM_LOAD_OPS", "5000"))  # per user
THINK = float(os.environ.get("ERP_CRM_LOAD_THINK", "0.3"))  # seconds, mean pause of the paced phase
PHASES = (("paced", THINK), ("saturated", 0.0))
DEALS_PER_USER = 6  # per funnel
DRAIN_TIMEOUT = 120  # seconds for the cron worker to finish the background robots' work after the users stop
FUNNELS = ("robots", "background", "rules")
ROBOT_FUNNELS = ("robots", "background")
START_TIMEOUT = 180  # seconds for the server to answer
CALL_TIMEOUT = 60  # seconds for one JSON-RPC call
PASSWORD = "load-bench-password"
REQUEST_LINE = re.compile(r'"POST /web/dataset/call_kw/([^\s#]+)\S* HTTP/[\d.]+" \d+ - (\d+) ([\d.]+) ([\d.]+)')
RETRY_LINE = re.compile(r"serializ|SERIALIZATION_FAILURE|DEADLOCK_DETECTED|LOCK_NOT_AVAILABLE", re.IGNORECASE)

KANBAN_SPEC = {
    "name": {},
    "title": {},
    "amount_total": {},
    "partner_id": {"fields": {"display_name": {}}},
    "user_id": {"fields": {"display_name": {}}},
    "stage_id": {"fields": {"display_name": {}}},
    "activity_ids": {"fields": {}},
    "activity_state": {},
    "won_status": {},
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------
# Set-up and checks in the database (the bench process's own cursor)
# ------------------------------------------------------------


def make_funnel(env, name):
    return env["sale.funnel"].create(
        {
            "name": name,
            "company_id": False,
            "stage_ids": [Command.clear()]
            + [Command.create({"name": stage, "sequence": i}) for i, stage in enumerate(("Offer", "Quote"))]
            + [Command.create({"name": "Won", "sequence": 9, "kind": "won"})],
        }
    )


def setup(env, tag):
    group = env.ref("erp_crm.erp_crm_group_all_deals")
    users = env["res.users"]
    for i in range(USERS):
        login = f"erp_crm_load_user_{i}"
        user = env["res.users"].search([("login", "=", login)])
        if not user:
            user = env["res.users"].create(
                {"name": f"Load user {i}", "login": login, "group_ids": [Command.link(group.id)]}
            )
        user.write({"password": PASSWORD, "notification_type": "inbox"})
        users |= user
    assignee = users[0]
    funnels = {key: make_funnel(env, f"Load {key} {tag}") for key in FUNNELS}
    # The robots' stage: an activity for a role, a field update, a note, on every entry; inside the move, or in
    # the background.
    for key in ROBOT_FUNNELS:
        add_robots(env, funnels[key], assignee, background=key == "background")
    # The same three things as standard automation rules on the rules funnel's stage.
    call_type = env.ref("mail.mail_activity_data_call")
    rules_stage = funnels["rules"].stage_ids[1]
    model = env["ir.model"]._get("sale.order")
    rule = env["base.automation"].create(
        {"name": f"Load rule {tag}", "model_id": model.id, "trigger": "on_stage_set", "trg_field_ref": rules_stage.id}
    )
    common = {"model_id": model.id, "base_automation_id": rule.id, "usage": "base_automation"}
    actions = env["ir.actions.server"].create(
        [
            {**common, "name": "Call", "state": "next_activity", "activity_type_id": call_type.id,
             "activity_summary": "Call back", "activity_user_type": "specific", "activity_user_id": assignee.id,
             "activity_date_deadline_range": 2, "activity_date_deadline_range_type": "days"},
            {**common, "name": "Ref", "state": "object_write", "update_path": "client_order_ref", "value": "QUOTE"},
            {**common, "name": "Note", "state": "code",
             "code": "record.message_post(body='Quoted', subtype_xmlid='mail.mt_note')"},
        ]
    )  # fmt: skip
    actions.flush_recordset()
    rule.write({"action_server_ids": [Command.set(actions.ids)]})
    partners = env["res.partner"].create([{"name": f"Load customer {tag} {i}"} for i in range(10)])
    plan = {"users": [], "rule": rule.id, **{key: funnel.id for key, funnel in funnels.items()}}
    for i, user in enumerate(users):
        deals = {}
        for key, funnel in funnels.items():
            deals[key] = (
                env["sale.order"]
                .create(
                    [
                        {"partner_id": partners[(i + j) % 10].id, "funnel_id": funnel.id, "user_id": user.id}
                        for j in range(DEALS_PER_USER)
                    ]
                )
                .ids
            )
        plan["users"].append({"login": user.login, "deals": deals})
    plan["stages"] = {key: funnel.stage_ids[:2].ids for key, funnel in funnels.items()}
    return plan


def add_robots(env, funnel, assignee, background):
    stage = funnel.stage_ids[1]
    role = env["sale.funnel.role"].create(
        {"name": "Surveyor", "funnel_id": funnel.id, "assignment": "user", "user_id": assignee.id}
    )
    ref_field = env["ir.model.fields"]._get("sale.order", "client_order_ref")
    call_type = env.ref("mail.mail_activity_data_call")
    common = {"stage_id": stage.id, "run_in_background": background}
    env["sale.funnel.robot"].create(
        [
            {**common, "name": "Call", "kind": "activity", "role_id": role.id, "summary": "Call back",
             "activity_type_id": call_type.id, "deadline_amount": 2, "reentry": "always"},
            {**common, "name": "Ref", "kind": "write", "write_field_id": ref_field.id, "write_value": "QUOTE"},
            {**common, "name": "Note", "kind": "note", "summary": "Quoted"},
        ]
    )  # fmt: skip


def duplicates_and_counts(env, plan):
    """SQL after the run: duplicate robot runs, the work done per stage entry on each side, and how long after
    the entry the background robots' work was done (seconds: both times are stored to the second)."""
    env.invalidate_all()
    [[duplicates]] = env.execute_query(
        SQL(
            """SELECT count(*) FROM (SELECT 1 FROM sale_funnel_robot_run run
                 JOIN sale_funnel_stage_history h ON h.id = run.history_id
                WHERE h.funnel_id = ANY(%s) GROUP BY run.robot_id, run.history_id HAVING count(*) > 1) d""",
            [plan[key] for key in ROBOT_FUNNELS],
        )
    )
    result = {"duplicate_runs": duplicates}
    for key in FUNNELS:
        [[entries]] = env.execute_query(
            SQL(
                "SELECT count(*) FROM sale_funnel_stage_history WHERE funnel_id = %s AND stage_id = %s",
                plan[key],
                plan["stages"][key][1],
            )
        )
        [[activities]] = env.execute_query(
            SQL(
                """SELECT count(*) FROM mail_activity a JOIN sale_order o ON o.id = a.res_id
                    WHERE a.res_model = 'sale.order' AND o.funnel_id = %s AND a.summary = 'Call back'""",
                plan[key],
            )
        )
        result[key] = {"entries": entries, "activities": activities}
    for key in ROBOT_FUNNELS:
        runs = env.execute_query(
            SQL(
                """SELECT run.state, EXTRACT(EPOCH FROM run.done_at - h.date_in)
                     FROM sale_funnel_robot_run run JOIN sale_funnel_stage_history h ON h.id = run.history_id
                    WHERE h.funnel_id = %s""",
                plan[key],
            )
        )
        result[key]["runs_done"] = sum(state == "done" for state, _delay in runs)
        result[key]["runs_left"] = sum(state == "planned" for state, _delay in runs)
        result[key]["delays"] = [float(delay) for state, delay in runs if state == "done"]
    return result


def planned_background_runs(plan):
    """Background runs the cron worker has not done yet."""
    with admin_env() as env:
        [[count]] = env.execute_query(
            SQL(
                """SELECT count(*) FROM sale_funnel_robot_run run
                     JOIN sale_funnel_stage_history h ON h.id = run.history_id
                    WHERE h.funnel_id = %s AND run.state = 'planned'""",
                plan["background"],
            )
        )
    return count


def cleanup(env, plan):
    funnel_ids = [plan[key] for key in FUNNELS]
    orders = env["sale.order"].search([("funnel_id", "in", funnel_ids)])
    env["mail.activity"].search([("res_model", "=", "sale.order"), ("res_id", "in", orders.ids)]).unlink()
    rule = env["base.automation"].browse(plan["rule"])
    rule.action_server_ids.unlink()
    rule.unlink()
    partners = orders.partner_id
    orders.unlink()
    env["sale.funnel"].browse(funnel_ids).unlink()
    partners.unlink()


# ------------------------------------------------------------
# The users (one process each)
# ------------------------------------------------------------


class Rpc:
    """The web client's JSON-RPC: a session cookie from /web/session/authenticate, then /web/dataset/call_kw (a
    password checked on every call, as /jsonrpc does, would measure the password hashing)."""

    def __init__(self, url, db):
        self.url, self.db, self.ids = url, db, 0
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post(self, path, params):
        self.ids += 1
        payload = {"jsonrpc": "2.0", "method": "call", "id": self.ids, "params": params}
        request = urllib.request.Request(
            self.url + path, json.dumps(payload).encode(), {"Content-Type": "application/json"}
        )
        with self.opener.open(request, timeout=CALL_TIMEOUT) as response:
            answer = json.loads(response.read())
        if "error" in answer:
            raise RuntimeError(answer["error"].get("data", {}).get("message") or answer["error"].get("message"))
        return answer["result"]

    def login(self, login, password):
        self.post("/web/session/authenticate", {"db": self.db, "login": login, "password": password})

    def execute(self, model, method, args, kwargs=None, tag=""):
        """Call ``model.method``; ``tag`` ends the URL (free after call_kw/) so that the server log tells apart the
        operations it measures."""
        params = {"model": model, "method": method, "args": args, "kwargs": kwargs or {}}
        return self.post(f"/web/dataset/call_kw/{model}/{method}{tag}", params)


def user_loop(url, db, user, plan, deadline, think, queue):
    """One user: bounded by MAX_OPS operations and the deadline, pausing 0.5 to 1.5 times ``think`` seconds after each
    (a generator seeded by the user: two runs pause alike); reports (operation, seconds, error) tuples."""
    pauses = random.Random(user["login"])
    rpc = Rpc(url, db)
    samples, errors = [], []
    try:
        rpc.login(user["login"], PASSWORD)
    except Exception as error:  # noqa: BLE001 - reported as an error of the run
        queue.put((samples, [("login", repr(error))]))
        return

    def timed(name, method, *args, **kwargs):
        start = time.perf_counter()
        try:
            method(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - counted and reported
            errors.append((name, str(error)[:300]))
            return
        samples.append((name, time.perf_counter() - start))

    def kanban(key):
        domain = [["funnel_id", "=", plan[key]]]
        rpc.execute("sale.order", "web_read_group", [domain, ["stage_id"]], {
            "aggregates": ["amount_total:sum"], "auto_unfold": True,
            "unfold_read_specification": KANBAN_SPEC, "unfold_read_default_limit": 40}, tag=f"/{key}")  # fmt: skip
        rpc.execute("sale.order", "web_search_read", [domain], {"specification": KANBAN_SPEC, "limit": 80}, f"/{key}")

    def move(key, deal, stage_index):
        stage = plan["stages"][key][stage_index]
        where = "in" if stage_index else "back"
        rpc.execute("sale.order", "write", [[deal], {"stage_id": stage}], tag=f"/{key}/{where}")

    ops, turn = 0, 0
    while ops < MAX_OPS and time.monotonic() < deadline:
        deals = {key: user["deals"][key][turn % DEALS_PER_USER] for key in FUNNELS}
        for name, method, args in (
            ("kanban (robots funnel)", kanban, ("robots",)),
            ("move into 3 robots", move, ("robots", deals["robots"], 1)),
            ("kanban (background funnel)", kanban, ("background",)),
            ("move into 3 background robots", move, ("background", deals["background"], 1)),
            ("kanban (rules funnel)", kanban, ("rules",)),
            ("move into 3 rules", move, ("rules", deals["rules"], 1)),
            *[(f"move back ({key})", move, (key, deals[key], 0)) for key in FUNNELS],
        ):
            if ops >= MAX_OPS or time.monotonic() >= deadline:
                break
            timed(name, method, *args)
            ops += 1
            if think:
                time.sleep(pauses.uniform(0.5 * think, 1.5 * think))
        turn += 1
    queue.put((samples, errors))


# ------------------------------------------------------------
# The server and the run
# ------------------------------------------------------------


def start_server(db, logfile):
    port, gevent_port = free_port(), free_port()
    addons = config["addons_path"]
    # odoo-bin where there is one: the prefork server starts its gevent worker as ``python <argv[0]> gevent``
    odoo_bin = os.path.join(os.path.dirname(list(odoo.__path__)[0]), "odoo-bin")
    launcher = [odoo_bin] if os.path.isfile(odoo_bin) else ["-m", "odoo"]
    cmd = [
        sys.executable, *launcher, "-d", db, f"--db-filter=^{re.escape(db)}$",
        f"--addons-path={','.join(addons) if isinstance(addons, list) else addons}",
        "--http-interface=127.0.0.1", f"--http-port={port}", f"--gevent-port={gevent_port}",
        "--workers=4", "--max-cron-threads=1", "--limit-time-real=300", "--limit-time-cpu=120",
        "--limit-request=100000", f"--logfile={logfile}", "--log-level=info",
    ]  # fmt: skip
    for option in ("db_host", "db_port", "db_user", "db_password"):
        if config.get(option):
            cmd.append(f"--{option}={config[option]}")
    # its log goes to the logfile; stderr only carries the gevent worker that cannot start without gevent here
    server = subprocess.Popen(cmd, start_new_session=True, stderr=subprocess.DEVNULL)  # noqa: S603 - our own options
    url = f"http://127.0.0.1:{port}"
    until = time.monotonic() + START_TIMEOUT
    while time.monotonic() < until:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped at start (exit {server.returncode}), see {logfile}")
        try:
            with urllib.request.urlopen(f"{url}/web/health", timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return server, url
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit(f"the server did not answer within {START_TIMEOUT} s, see {logfile}")


def stop_server(server):
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_phase(url, db, plan, think):
    """All users at once for SECONDS (bounded); returns their samples, errors and the elapsed seconds."""
    # fork: the users import nothing of Odoo, and a forked child ends with os._exit (the parent's connections stay)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start = time.monotonic()
    deadline = start + SECONDS
    users = [
        context.Process(target=user_loop, args=(url, db, user, plan, deadline, think, queue)) for user in plan["users"]
    ]
    for process in users:
        process.start()
    results = [queue.get(timeout=SECONDS + 10 * CALL_TIMEOUT) for _process in users]
    for process in users:
        process.join(CALL_TIMEOUT)
        if process.is_alive():
            process.kill()
    samples = [sample for result in results for sample in result[0]]
    errors = [error for result in results for error in result[1]]
    return samples, errors, time.monotonic() - start


def read_server_log(logfile, start, end):
    """Serialization retries and {path: [(queries, ms in the worker)]} of the server log between two offsets."""
    retries, server = 0, {}
    with open(logfile, errors="replace") as log:
        log.seek(start)
        for line in log.read(end - start).splitlines():
            retries += bool(RETRY_LINE.search(line))
            if match := REQUEST_LINE.search(line):
                path, queries, sql_s, python_s = match.groups()
                server.setdefault(path, []).append((int(queries), (float(sql_s) + float(python_s)) * 1000))
    return retries, server


def main():
    tag = time.strftime("%H%M%S")
    with admin_env(commit=True) as env:
        db = env.cr.dbname
        plan = setup(env, tag)
    logdir = tempfile.mkdtemp(prefix="erp_crm_load_")
    logfile = os.path.join(logdir, "server.log")
    server, url = start_server(db, logfile)
    phases = []
    try:
        # warm every worker up (registry, assets of the RPC path) before measuring
        rpc = Rpc(url, db)
        rpc.login(plan["users"][0]["login"], PASSWORD)
        for _i in range(8):
            rpc.execute("sale.order", "search_count", [[["funnel_id", "in", [plan[key] for key in FUNNELS]]]])
        for name, think in PHASES:
            log_start = os.path.getsize(logfile)
            samples, errors, elapsed = run_phase(url, db, plan, think)
            phases.append((name, think, samples, errors, elapsed, log_start, os.path.getsize(logfile)))
        # the cron worker finishes the background robots' work (bounded), before the server stops
        until = time.monotonic() + DRAIN_TIMEOUT
        while planned_background_runs(plan) and time.monotonic() < until:
            time.sleep(1)
    finally:
        stop_server(server)
    for name, think, samples, errors, elapsed, log_start, log_end in phases:
        retries, server_times = read_server_log(logfile, log_start, log_end)
        label = f"{name}: users pause {0.5 * think:.2f}-{1.5 * think:.2f} s between actions" if think else name
        report(label, samples, errors, retries, elapsed, server_times)
    with admin_env(commit=True) as env:
        checks = duplicates_and_counts(env, plan)
        cleanup(env, plan)
    report_checks(checks, logfile)


def report(label, samples, errors, retries, elapsed, server):
    print(
        f"load, {label}: {USERS} users over JSON-RPC for {elapsed:.0f} s against a server with 4 workers and 1 cron "
        f"worker ({len(samples)} calls, {len(samples) / elapsed:.1f} operations/s)"
    )
    by_name = {}
    for name, seconds in samples:
        by_name.setdefault(name, []).append(seconds * 1000)
    for name, values in by_name.items():
        print(
            f"  {name:24s} {len(values):6d} ops {len(values) / elapsed:6.1f}/s"
            f"  p50 {percentile(values, 0.5):7.1f} ms  p95 {percentile(values, 0.95):7.1f} ms"
        )
    rules = by_name.get("move into 3 rules")
    for name, label in (("move into 3 robots", "inside the move"), ("move into 3 background robots", "background")):
        if by_name.get(name) and rules:
            ratio = percentile(by_name[name], 0.95) / percentile(rules, 0.95)
            print(f"  p95 ratio, {name} ({label}) / 3 automation rules: {ratio:.2f} (goal <= 0.5)")
    print("  server side (from its log: queries and time spent in the worker, without the wait for a free worker):")
    for path, values in sorted(server.items()):
        queries = sorted(q for q, _ms in values)[len(values) // 2]
        times = [ms for _q, ms in values]
        print(
            f"    {path:32s} {len(values):5d} calls  {queries:4d} queries (median)"
            f"  p50 {percentile(times, 0.5):7.1f} ms  p95 {percentile(times, 0.95):7.1f} ms"
        )
    print(f"  errors: {len(errors)}")
    for name, message in errors[:10]:
        print(f"    {name}: {message}")
    print(f"  serialization retries (server log): {retries}")


def report_checks(checks, logfile):
    print(f"both phases (server log {logfile}): duplicate robot runs: {checks['duplicate_runs']}")
    for key in FUNNELS:
        done = checks[key]
        runs = f", {done['runs_done']} runs done, {done['runs_left']} not done" if key in ROBOT_FUNNELS else ""
        print(f"    {key}: {done['entries']} entries{runs}, {done['activities']} activities")
    delays = checks["background"]["delays"]
    if delays:
        print(
            f"  background robots' work done after the entry: p50 {percentile(delays, 0.5):.0f} s, "
            f"p95 {percentile(delays, 0.95):.0f} s, max {max(delays):.0f} s (stored to the second)"
        )


if __name__ == "__main__":
    main()
