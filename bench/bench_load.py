"""Load on a real server: users moving deals and opening the kanban over JSON-RPC, robots against automation rules.

Starts Odoo on the loopback (127.0.0.1, a free port) with ``--workers=4 --max-cron-threads=1`` on the bench
database, and drives it from ERP_CRM_LOAD_USERS processes (default 8), one user each, for ERP_CRM_LOAD_SECONDS
(default 60) or ERP_CRM_LOAD_OPS operations per user (default 5,000), whichever comes first. Each user loops over
its own deals of two funnels built alike (stages Offer, Quote, Won):

- *robots*: entering Quote runs three stage robots (an activity for a role, a field update, a chatter note);
- *rules*: entering Quote runs three standard automation rules actions (base_automation, "Stage is set to": an
  activity, a field update, a note), the same three things;

and does, in turn: open the robots funnel's kanban (``web_read_group`` unfolded + ``web_search_read``), move a deal
into the robots' Quote, open the rules funnel's kanban, move a deal into the rules' Quote, and move both back to
Offer. Robots re-run on every entry (as rules do). It prints throughput, p50 and p95 per operation, errors, the
serialization retries the server logged, and duplicate robot runs (SQL after the run). Goal: the p95 of the move
into the robots' stage at most half that of the same move with automation rules. The funnels, deals, rules and
server actions it made are deleted at the end (the 8 users are kept for reruns). Run through bench/run.
"""

import http.cookiejar
import json
import multiprocessing
import os
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
DEALS_PER_USER = 6  # per funnel
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
    robots_funnel, rules_funnel = make_funnel(env, f"Load robots {tag}"), make_funnel(env, f"Load rules {tag}")
    # The robots' stage: an activity for a role, a field update, a note, on every entry.
    robots_stage = robots_funnel.stage_ids[1]
    role = env["sale.funnel.role"].create(
        {"name": "Surveyor", "funnel_id": robots_funnel.id, "assignment": "user", "user_id": assignee.id}
    )
    ref_field = env["ir.model.fields"]._get("sale.order", "client_order_ref")
    call_type = env.ref("mail.mail_activity_data_call")
    env["sale.funnel.robot"].create(
        [
            {"name": "Call", "stage_id": robots_stage.id, "kind": "activity", "role_id": role.id,
             "summary": "Call back", "activity_type_id": call_type.id, "deadline_amount": 2, "reentry": "always"},
            {"name": "Ref", "stage_id": robots_stage.id, "kind": "write", "write_field_id": ref_field.id,
             "write_value": "QUOTE"},
            {"name": "Note", "stage_id": robots_stage.id, "kind": "note", "summary": "Quoted"},
        ]
    )  # fmt: skip
    # The same three things as standard automation rules on the rules funnel's stage.
    rules_stage = rules_funnel.stage_ids[1]
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
    plan = {"users": [], "robots": robots_funnel.id, "rules": rules_funnel.id, "rule": rule.id}
    for i, user in enumerate(users):
        deals = {}
        for key, funnel in (("robots", robots_funnel), ("rules", rules_funnel)):
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
    plan["stages"] = {
        "robots": [robots_funnel.stage_ids[0].id, robots_stage.id],
        "rules": [rules_funnel.stage_ids[0].id, rules_stage.id],
    }
    return plan


def duplicates_and_counts(env, plan):
    """SQL after the run: duplicate robot runs, and the work done per stage entry on each side."""
    env.invalidate_all()
    [[duplicates]] = env.execute_query(
        SQL(
            """SELECT count(*) FROM (SELECT 1 FROM sale_funnel_robot_run run
                 JOIN sale_funnel_stage_history h ON h.id = run.history_id
                WHERE h.funnel_id = %s GROUP BY run.robot_id, run.history_id HAVING count(*) > 1) d""",
            plan["robots"],
        )
    )
    result = {"duplicate_runs": duplicates}
    for key in ("robots", "rules"):
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
    [[runs_done]] = env.execute_query(
        SQL(
            """SELECT count(*) FROM sale_funnel_robot_run run JOIN sale_funnel_stage_history h ON h.id = run.history_id
                WHERE h.funnel_id = %s AND run.state = 'done'""",
            plan["robots"],
        )
    )
    result["robots"]["runs_done"] = runs_done
    return result


def cleanup(env, plan):
    orders = env["sale.order"].search([("funnel_id", "in", [plan["robots"], plan["rules"]])])
    env["mail.activity"].search([("res_model", "=", "sale.order"), ("res_id", "in", orders.ids)]).unlink()
    rule = env["base.automation"].browse(plan["rule"])
    rule.action_server_ids.unlink()
    rule.unlink()
    partners = orders.partner_id
    orders.unlink()
    env["sale.funnel"].browse([plan["robots"], plan["rules"]]).unlink()
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


def user_loop(url, db, user, plan, deadline, queue):
    """One user: bounded by MAX_OPS operations and the deadline; reports (operation, seconds, error) tuples."""
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
        robots_deal = user["deals"]["robots"][turn % DEALS_PER_USER]
        rules_deal = user["deals"]["rules"][turn % DEALS_PER_USER]
        for name, method, args in (
            ("kanban (robots funnel)", kanban, ("robots",)),
            ("move into 3 robots", move, ("robots", robots_deal, 1)),
            ("kanban (rules funnel)", kanban, ("rules",)),
            ("move into 3 rules", move, ("rules", rules_deal, 1)),
            ("move back (robots)", move, ("robots", robots_deal, 0)),
            ("move back (rules)", move, ("rules", rules_deal, 0)),
        ):
            if ops >= MAX_OPS or time.monotonic() >= deadline:
                break
            timed(name, method, *args)
            ops += 1
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


def main():
    tag = time.strftime("%H%M%S")
    with admin_env(commit=True) as env:
        db = env.cr.dbname
        plan = setup(env, tag)
    logdir = tempfile.mkdtemp(prefix="erp_crm_load_")
    logfile = os.path.join(logdir, "server.log")
    server, url = start_server(db, logfile)
    try:
        # warm every worker up (registry, assets of the RPC path) before measuring
        rpc = Rpc(url, db)
        rpc.login(plan["users"][0]["login"], PASSWORD)
        for _i in range(8):
            rpc.execute("sale.order", "search_count", [[["funnel_id", "in", [plan["robots"], plan["rules"]]]]])
        # fork: the users import nothing of Odoo, and a forked child ends with os._exit (the parent's connections stay)
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        start = time.monotonic()
        deadline = start + SECONDS
        users = [
            context.Process(target=user_loop, args=(url, db, user, plan, deadline, queue)) for user in plan["users"]
        ]
        for process in users:
            process.start()
        results = [queue.get(timeout=SECONDS + 10 * CALL_TIMEOUT) for _process in users]
        for process in users:
            process.join(CALL_TIMEOUT)
            if process.is_alive():
                process.kill()
        elapsed = time.monotonic() - start
    finally:
        stop_server(server)
    samples = [sample for result in results for sample in result[0]]
    errors = [error for result in results for error in result[1]]
    retries, server = 0, {}
    with open(logfile, errors="replace") as log:
        for line in log:
            retries += bool(RETRY_LINE.search(line))
            if match := REQUEST_LINE.search(line):
                path, queries, sql_s, python_s = match.groups()
                server.setdefault(path, []).append((int(queries), (float(sql_s) + float(python_s)) * 1000))
    with admin_env(commit=True) as env:
        checks = duplicates_and_counts(env, plan)
        cleanup(env, plan)
    report(samples, errors, retries, checks, elapsed, logfile, server)


def report(samples, errors, retries, checks, elapsed, logfile, server):
    print(
        f"load: {USERS} users over JSON-RPC for {elapsed:.0f} s against a server with 4 workers and 1 cron worker "
        f"({len(samples)} calls, {len(samples) / elapsed:.1f} operations/s)"
    )
    by_name = {}
    for name, seconds in samples:
        by_name.setdefault(name, []).append(seconds * 1000)
    for name, values in by_name.items():
        print(
            f"  {name:24s} {len(values):6d} ops {len(values) / elapsed:6.1f}/s"
            f"  p50 {percentile(values, 0.5):7.1f} ms  p95 {percentile(values, 0.95):7.1f} ms"
        )
    robots, rules = by_name.get("move into 3 robots"), by_name.get("move into 3 rules")
    if robots and rules:
        ratio = percentile(robots, 0.95) / percentile(rules, 0.95)
        print(f"  p95 ratio, move into 3 robots / 3 automation rules: {ratio:.2f} (goal <= 0.5)")
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
    print(f"  serialization retries (server log {logfile}): {retries}")
    print(
        f"  duplicate robot runs: {checks['duplicate_runs']}; robots: {checks['robots']['entries']} entries, "
        f"{checks['robots']['runs_done']} runs done, {checks['robots']['activities']} activities; "
        f"rules: {checks['rules']['entries']} entries, {checks['rules']['activities']} activities"
    )


if __name__ == "__main__":
    main()
