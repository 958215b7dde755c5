"""The cluster run: two HTTP nodes and a cron node on a primary and its hot standby, measured, then faults.

Started by bench/cluster, which made the primary, the standby and the shared data dir (ERP_CRM_CLUSTER_* variables)
and stops everything at the end. Here, bounded in time:

1. one HTTP node against two, the same users and the same work (kanban reads, report reads, stage moves); the
   replica lag sampled meanwhile (a commit on the primary until the standby replayed it);
2. every read-only RPC method of the addon (``@api.readonly``, the list tests/test_rpc_readonly.py keeps) and the
   screens Odoo sends to the replica, called one at a time through an HTTP node: served by the standby when the
   standby logged statements during the call and the node logged the request with a read-only cursor (``ro``);
3. the faults, each checked in SQL on the primary: (a) the cron node SIGKILLed in the middle of a batch of background
   robots, then started again; (b) an HTTP node SIGKILLed under stage moves (clients retry on the other one); (c)
   the standby stopped (read-only screens: answered from the primary, or failed); (d) the primary restarted under
   moves. Prints the fault table: runs expected, done, duplicated, lost, client errors retried.
"""

import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

os.environ.setdefault("ERP_CRM_LOAD_USERS", "4")

import psycopg2
from bench_load import FUNNELS, KANBAN_SPEC, PASSWORD, Rpc, add_robots, free_port, make_funnel, percentile, setup
from benchlib import admin_env

import odoo
from odoo.tools import SQL, config

TMP = os.environ["ERP_CRM_CLUSTER_TMP"]
PG_BIN = os.environ["ERP_CRM_CLUSTER_PG_BIN"]
PRIMARY_DIR = os.environ["ERP_CRM_CLUSTER_PRIMARY"]
STANDBY_DIR = os.environ["ERP_CRM_CLUSTER_STANDBY"]
STANDBY_PORT = int(os.environ["ERP_CRM_CLUSTER_STANDBY_PORT"])
DATA_DIR = os.environ["ERP_CRM_CLUSTER_DATA"]
SECONDS = float(os.environ.get("ERP_CRM_CLUSTER_SECONDS", "20"))
THINK = 0.2  # seconds between two actions of a user
BULK_DEALS = int(os.environ.get("ERP_CRM_CLUSTER_BULK_DEALS", "300"))  # deals entering a stage of background robots
START_TIMEOUT = 180
DRAIN_TIMEOUT = 240
CALL_TIMEOUT = 30
STANDBY_LOG = os.path.join(TMP, "standby.log")
REQUEST_LINE = re.compile(r'"POST (/web/dataset/call_\w+/[^\s#]+)\S* HTTP/[\d.]+" (\d+) - \d+ [\d.]+ [\d.]+ (\S+)')


def db_name():
    name = config["db_name"]
    return name[0] if isinstance(name, list) else name


def log(message):
    print(f"[cluster] {message}", file=sys.stderr, flush=True)


def as_pg(cmd):
    """PostgreSQL's own tools run as the owner of its clusters (postgres when we are root)."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.getuid() == 0 else cmd


def pg_ctl(datadir, action, *extra):
    subprocess.run(  # noqa: S603 - our own clusters
        as_pg([os.path.join(PG_BIN, "pg_ctl"), "-D", datadir, "-w", "-t", "60", *extra, action]),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def connect(port):
    return psycopg2.connect(host="127.0.0.1", port=port, user=config["db_user"], dbname=db_name(), connect_timeout=5)


# ------------------------------------------------------------
# The nodes
# ------------------------------------------------------------


class Node:
    """One Odoo process (with its workers): an HTTP node (2 workers, no cron thread, reads on the standby) or the
    cron node (no HTTP, one cron thread). Its own process group, written down for bench/cluster's trap."""

    def __init__(self, name, http):
        self.name, self.http = name, http
        self.logfile = os.path.join(TMP, f"{name}.log")
        self.port = free_port() if http else None
        self.url = f"http://127.0.0.1:{self.port}" if http else None
        self.process = None

    def command(self):
        db = db_name()
        addons = config["addons_path"]
        odoo_bin = os.path.join(os.path.dirname(list(odoo.__path__)[0]), "odoo-bin")
        launcher = [odoo_bin] if os.path.isfile(odoo_bin) else ["-m", "odoo"]
        cmd = [
            sys.executable, *launcher, "-d", db, f"--db-filter=^{re.escape(db)}$",
            f"--addons-path={','.join(addons) if isinstance(addons, list) else addons}", f"--data-dir={DATA_DIR}",
            f"--db_host={config['db_host']}", f"--db_port={config['db_port']}", f"--db_user={config['db_user']}",
            f"--logfile={self.logfile}", "--log-level=info", "--limit-time-real=120", "--limit-time-cpu=60",
        ]  # fmt: skip
        if self.http:
            cmd += [
                "--http-interface=127.0.0.1", f"--http-port={self.port}", f"--gevent-port={free_port()}",
                "--workers=2", "--max-cron-threads=0",
                f"--db_replica_host={config['db_host']}", f"--db_replica_port={STANDBY_PORT}",
            ]  # fmt: skip
        else:
            cmd += ["--no-http", "--workers=0", "--max-cron-threads=1"]
        return cmd

    def start(self):
        self.process = subprocess.Popen(self.command(), start_new_session=True, stderr=subprocess.DEVNULL)  # noqa: S603
        with open(os.path.join(TMP, "nodes.pids"), "a") as pids:
            pids.write(f"{self.process.pid}\n")
        if not self.http:
            return self
        until = time.monotonic() + START_TIMEOUT
        while time.monotonic() < until:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} stopped at start (exit {self.process.returncode}), see {self.logfile}")
            try:
                with urllib.request.urlopen(f"{self.url}/web/health", timeout=5) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        raise SystemExit(f"{self.name} did not answer within {START_TIMEOUT} s, see {self.logfile}")

    def kill(self):
        """SIGKILL to the whole node (the master and its workers): a machine that dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_size(self):
        return os.path.getsize(self.logfile) if os.path.exists(self.logfile) else 0

    def requests(self, start):
        """(path, status, cursor mode) of the requests logged since offset ``start``."""
        with open(self.logfile, errors="replace") as logfile:
            logfile.seek(start)
            return [match.groups() for match in REQUEST_LINE.finditer(logfile.read())]


# ------------------------------------------------------------
# Users: reads and moves, retried on the other node when one fails
# ------------------------------------------------------------


def login(url, db, login_name):
    """The session id of a login (the password checked once: its hashing would be measured on every user and phase);
    sessions live in the shared data dir, so that one is valid on every node."""
    rpc = Rpc(url, db)
    rpc.login(login_name, PASSWORD)
    jar = next(h.cookiejar for h in rpc.opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor))
    return next(cookie.value for cookie in jar if cookie.name == "session_id")


class Client:
    """A user of the web client on several nodes, on one session: a call that fails (node gone, database
    restarting, an error) is retried on the next node, up to ``tries`` times."""

    def __init__(self, urls, db, session_id, first=0):
        self.urls, self.db, self.session_id, self.turn = urls, db, session_id, first
        self.retried = 0
        self.errors = []

    def rpc(self):
        rpc = Rpc(self.urls[self.turn % len(self.urls)], self.db)
        rpc.opener = urllib.request.build_opener()
        rpc.opener.addheaders = [("Cookie", f"session_id={self.session_id}")]
        return rpc

    def call(self, model, method, args, kwargs=None, tag="", tries=8):
        for attempt in range(tries):
            try:
                return self.rpc().execute(model, method, args, kwargs, tag=tag)
            except (OSError, RuntimeError, urllib.error.URLError, json.JSONDecodeError) as error:
                if attempt == tries - 1:
                    raise
                self.retried += 1
                self.errors.append(str(error)[:120])
                self.turn += 1
                time.sleep(0.5)
        return None


def user_loop(urls, db, user, plan, deadline, queue, index):
    """Kanban read, report read, move of the user's next deal (to Quote, then back to Offer), each timed; every move
    acknowledged by the server is reported, so that the run can check that each was applied exactly once."""
    client = Client(urls, db, user["session_id"], first=index)
    samples, errors, moves = [], [], []
    turn = 0
    try:
        while time.monotonic() < deadline:
            key = FUNNELS[turn % 2]  # robots inside the move, then background robots
            deal = user["deals"][key][(turn // 2) % len(user["deals"][key])]
            # always the other stage than the deal's: every move changes its stage (one history row each)
            offer, quote = plan["stages"][key]
            stage = offer if plan["current"].get(deal) == quote else quote
            domain = [["funnel_id", "=", plan[key]]]
            for name, model, method, args, kwargs in (
                ("kanban read", "sale.order", "web_search_read", [domain], {"specification": KANBAN_SPEC, "limit": 80}),
                ("report read", "sale.funnel.report", "formatted_read_group", [domain, ["stage_id"], ["__count"]], {}),
                ("move", "sale.order", "write", [[deal], {"stage_id": stage}], {}),
            ):
                start = time.perf_counter()
                try:
                    client.call(model, method, args, kwargs, tag="/" + name.split()[0])
                except Exception as error:  # noqa: BLE001 - counted: a call that failed on every node
                    errors.append((name, str(error)[:200]))
                    continue
                samples.append((name, time.perf_counter() - start))
                if name == "move":
                    moves.append((deal, stage))
                    plan["current"][deal] = stage
                time.sleep(THINK)
            turn += 1
    finally:
        queue.put((samples, errors, moves, client.retried, client.errors))


def run_users(urls, db, plan, seconds, during=None):
    """All users at once for ``seconds``; ``during()`` is called in the meantime (a fault). Each user starts from the
    stages its deals are in now (``plan["current"]``, read on the primary)."""
    plan["current"] = {deal: stage for deal, (_count, stage) in history_counts(plan["all_deals"]).items()}
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start = time.monotonic()
    deadline = start + seconds
    users = [
        context.Process(target=user_loop, args=(urls, db, user, plan, deadline, queue, i))
        for i, user in enumerate(plan["users"])
    ]
    for process in users:
        process.start()
    if during:
        during()
    results = [queue.get(timeout=seconds + 20 * CALL_TIMEOUT) for _process in users]
    for process in users:
        process.join(CALL_TIMEOUT)
        if process.is_alive():
            process.kill()
    return {
        "samples": [s for r in results for s in r[0]],
        "errors": [e for r in results for e in r[1]],
        "moves": [m for r in results for m in r[2]],
        "retried": sum(r[3] for r in results),
        "retry_errors": [e for r in results for e in r[4]],
        "elapsed": time.monotonic() - start,
    }


class LagProbe(threading.Thread):
    """Replica lag: every half second, a commit's position on the primary (pg_current_wal_lsn) until the standby
    replayed it (pg_last_wal_replay_lsn), in seconds."""

    def __init__(self, primary_port):
        super().__init__(daemon=True)
        self.primary_port, self.lags, self.stopping = primary_port, [], threading.Event()

    def run(self):
        primary, standby = connect(self.primary_port), connect(STANDBY_PORT)
        primary.autocommit = standby.autocommit = True
        with primary.cursor() as pcr, standby.cursor() as scr:
            while not self.stopping.wait(0.5):
                pcr.execute("SELECT pg_current_wal_lsn()")
                [lsn] = pcr.fetchone()
                start = time.perf_counter()
                while time.perf_counter() - start < 10:
                    scr.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
                    if scr.fetchone()[0]:
                        self.lags.append(time.perf_counter() - start)
                        break
                    time.sleep(0.005)
        primary.close()
        standby.close()


# ------------------------------------------------------------
# Checks in SQL on the primary
# ------------------------------------------------------------


def query(statement, tries=10):
    """Rows of ``statement`` on the primary, through a new cursor; retried while the primary restarts."""
    for attempt in range(tries):
        try:
            with admin_env() as env:
                return env.execute_query(statement)
        except psycopg2.OperationalError:
            if attempt == tries - 1:
                raise
            time.sleep(2)
    return []


def history_counts(deal_ids):
    """{deal: (stage-history rows, current stage)}."""
    rows = query(
        SQL(
            """SELECT o.id, (SELECT count(*) FROM sale_funnel_stage_history h WHERE h.order_id = o.id), o.stage_id
                 FROM sale_order o WHERE o.id = ANY(%s)""",
            list(deal_ids),
        )
    )
    return {deal: (count, stage) for deal, count, stage in rows}


def check_moves(plan, moves, before):
    """Every acknowledged move applied exactly once: per deal, one history row per move that changed its stage (a
    move retried after it was applied is a no-op: same stage), the deal in the stage of its last move, one open
    history row, in the deal's stage."""
    expected = {}
    last = {deal: stage for deal, (_count, stage) in before.items()}
    for deal, stage in moves:
        if last.get(deal) != stage:
            expected[deal] = expected.get(deal, 0) + 1
        last[deal] = stage
    after = history_counts(last)
    duplicated = lost = 0
    for deal, count in expected.items():
        delta = after[deal][0] - before[deal][0]
        duplicated += max(0, delta - count)
        lost += max(0, count - delta)
    wrong = query(
        SQL(
            """SELECT o.id FROM sale_order o
                WHERE o.id = ANY(%s) AND (
                    (SELECT count(*) FROM sale_funnel_stage_history h
                      WHERE h.order_id = o.id AND h.date_out IS NULL) != 1
                    OR NOT EXISTS (SELECT 1 FROM sale_funnel_stage_history h
                                    WHERE h.order_id = o.id AND h.date_out IS NULL AND h.stage_id = o.stage_id))""",
            list(last),
        )
    )
    misplaced = sum(after[deal][1] != stage for deal, stage in last.items())
    return {
        "expected": sum(expected.values()),
        "done": sum(expected.values()) - lost,
        "duplicated": duplicated,
        "lost": lost + misplaced,
        "inconsistent": len(wrong),
    }


def check_runs(funnel_ids, quote_stage_ids):
    """Background and in-move robot runs of the funnels' entries: per entry into a stage with robots, each robot
    run once and done, one 'Call back' activity and one note per entry."""
    [[entries, runs_expected, runs_done, runs_left, dup_runs]] = query(
        SQL(
            """WITH e AS (
                   SELECT h.id, (SELECT count(*) FROM sale_funnel_robot r WHERE r.stage_id = h.stage_id
                                  AND r.active) AS robots
                     FROM sale_funnel_stage_history h WHERE h.funnel_id = ANY(%s)),
               r AS (SELECT run.history_id, count(*) AS n, count(*) FILTER (WHERE run.state = 'done') AS done,
                            count(*) FILTER (WHERE run.state = 'planned') AS planned,
                            count(*) - count(DISTINCT run.robot_id) AS dup
                       FROM sale_funnel_robot_run run JOIN e ON e.id = run.history_id GROUP BY run.history_id)
               SELECT count(*) FILTER (WHERE e.robots > 0), COALESCE(sum(e.robots), 0),
                      COALESCE(sum(r.done), 0), COALESCE(sum(r.planned), 0), COALESCE(sum(r.dup), 0)
                 FROM e LEFT JOIN r ON r.history_id = e.id""",
            funnel_ids,
        )
    )
    # activities: the robots' 'Call back' per entry into Quote, against the entries into Quote
    [[quote_entries, activities, deals_over]] = query(
        SQL(
            """WITH q AS (SELECT h.order_id, count(*) AS entries FROM sale_funnel_stage_history h
                               WHERE h.funnel_id = ANY(%s) AND h.stage_id = ANY(%s) GROUP BY h.order_id),
                    a AS (SELECT res_id, count(*) AS n FROM mail_activity
                           WHERE res_model = 'sale.order' AND summary = 'Call back' GROUP BY res_id)
               SELECT COALESCE(sum(q.entries), 0), COALESCE(sum(a.n), 0),
                      count(*) FILTER (WHERE COALESCE(a.n, 0) > q.entries)
                 FROM q LEFT JOIN a ON a.res_id = q.order_id""",
            funnel_ids,
            quote_stage_ids,
        )
    )
    return {
        "entries": entries,
        "expected": int(runs_expected),
        "done": int(runs_done),
        "planned": int(runs_left),
        "duplicated": int(dup_runs) + max(0, int(activities) - int(quote_entries)),
        "lost": max(0, int(runs_expected) - int(runs_done) - int(runs_left))
        + max(0, int(quote_entries) - int(activities)),
        "activities": int(activities),
        "quote_entries": int(quote_entries),
        "deals_with_extra_activities": deals_over,
    }


def planned_runs(funnel_ids):
    [[planned, done]] = query(
        SQL(
            """SELECT count(*) FILTER (WHERE run.state = 'planned'), count(*) FILTER (WHERE run.state = 'done')
                 FROM sale_funnel_robot_run run JOIN sale_funnel_stage_history h ON h.id = run.history_id
                WHERE h.funnel_id = ANY(%s)""",
            funnel_ids,
        )
    )
    return planned, done


def drain(funnel_ids, timeout=DRAIN_TIMEOUT):
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        planned, _done = planned_runs(funnel_ids)
        if not planned:
            return True
        time.sleep(1)
    return False


# ------------------------------------------------------------
# Read-only calls: served by the standby?
# ------------------------------------------------------------


def readonly_methods(env):
    """{(model, method): called on the model (``@api.model``)} of the addon's public methods that Odoo routes to the
    replica: the listing of tests/test_rpc_readonly.py (as web's ``_call_kw_readonly`` decides)."""
    from odoo.addons.erp_crm.tests.test_rpc_readonly import public_methods  # noqa: PLC0415 - once Odoo's path is set

    methods = {}
    for (model, name), readonly in public_methods(env).items():
        if readonly:
            methods[model, name] = getattr(getattr(type(env[model]), name), "_api_model", False)
    return methods


def readonly_calls(plan):
    """The calls of the run: the addon's read-only methods (each with its arguments) and the screens of the addon
    that Odoo's own read-only methods serve (kanban, list of each report, the ranking list)."""
    funnel, deal = plan["robots"], plan["users"][0]["deals"]["robots"][0]
    own = {
        ("mail.activity", "get_activity_data"): (["sale.order", [["funnel_id", "=", funnel]]], {}),
        ("sale.funnel.report", "get_funnel_chart_data"): ([], {"funnel_id": funnel}),
    }
    # the others open a window on one record of their model (or on the model)
    for (model, method), on_model in plan["readonly_methods"].items():
        if (model, method) not in own and (on_model or plan["records"].get(model)):
            own[model, method] = ([] if on_model else [[plan["records"][model]]], {})
    screens = [
        ("sale.order", "web_read_group", [[["funnel_id", "=", funnel]], ["stage_id"]],
         {"aggregates": ["amount_total:sum"], "auto_unfold": True, "unfold_read_specification": KANBAN_SPEC}),
        ("sale.order", "web_read", [[deal]], {"specification": {"name": {}, "stage_id": {}}}),
        ("sale.funnel.report", "formatted_read_group", [[], ["stage_id"], ["__count"]], {}),
        ("sale.forecast.report", "web_search_read", [[]], {"specification": {"order_id": {}}, "limit": 80}),
        ("sale.kpi.report", "formatted_read_group", [[], ["kind"], ["__count"]], {}),
        ("sale.source.report", "web_search_read", [[]], {"specification": {"order_id": {}}, "limit": 80}),
        ("project.service.report", "web_search_read", [[]], {"specification": {"task_id": {}}, "limit": 80}),
        ("res.partner.ranking", "web_search_read", [[]], {"specification": {"partner_id": {}}, "limit": 80}),
        ("sale.funnel.stage.history", "web_search_read", [[]], {"specification": {"stage_id": {}}, "limit": 80}),
    ]  # fmt: skip
    return own, screens


def served_by_standby(node, client, model, method, args, kwargs, tag):
    """Call once through ``node``; served by the standby when the standby logged statements meanwhile and the node
    logged the request with a read-only cursor."""
    standby_start = os.path.getsize(STANDBY_LOG)
    node_start = node.log_size()
    error = None
    try:
        client.call(model, method, args, kwargs, tag=tag, tries=1)
    except Exception as exc:  # noqa: BLE001 - reported
        error = str(exc)[:200]
    time.sleep(0.5)  # the servers' log writes
    with open(STANDBY_LOG, errors="replace") as standby_log:
        standby_log.seek(standby_start)
        statements = sum("statement:" in line for line in standby_log.read().splitlines())
    modes = [mode for path, _status, mode in node.requests(node_start) if path.endswith(tag)]
    return {"error": error, "standby_statements": statements, "mode": modes[-1] if modes else "?"}


def check_readonly(plan, node):
    own, screens = readonly_calls(plan)
    client = Client([node.url], db_name(), plan["admin_session"])
    results = []
    for i, (model, method) in enumerate(sorted(plan["readonly_methods"])):
        if (model, method) not in own:
            results.append((model, method, {"error": "no arguments known to the cluster run", "mode": "-",
                                            "standby_statements": 0}))  # fmt: skip
            continue
        args, kwargs = own[model, method]
        results.append((model, method, served_by_standby(node, client, model, method, args, kwargs, f"/ro{i}")))
    for i, (model, method, args, kwargs) in enumerate(screens):
        results.append((model, method, served_by_standby(node, client, model, method, args, kwargs, f"/screen{i}")))
    return results


# ------------------------------------------------------------
# Set-up, the run, the report
# ------------------------------------------------------------


def prepare(env):
    """bench_load's users, funnels and deals, the administrator's password for the read-only calls, and the bulk
    funnel: BULK_DEALS deals for a stage with three background robots (the cron node's batch)."""
    plan = setup(env, time.strftime("%H%M%S"))
    env.ref("base.user_admin").password = PASSWORD
    bulk = make_funnel(env, "Cluster bulk")
    add_robots(env, bulk, env["res.users"].search([("login", "=", plan["users"][0]["login"])]), background=True)
    partner = env["res.partner"].create({"name": "Cluster customer"})
    env["project.project"].create({"name": "Cluster service desk", "is_service_desk": True})
    deals = env["sale.order"].create([{"partner_id": partner.id, "funnel_id": bulk.id} for _i in range(BULK_DEALS)])
    plan["bulk"] = bulk.id
    plan["bulk_deals"] = deals.ids
    plan["bulk_stages"] = bulk.stage_ids[:2].ids
    plan["readonly_methods"] = readonly_methods(env)
    first_deal = env["sale.order"].browse(plan["users"][0]["deals"]["robots"][0])
    plan["records"] = {
        "sale.order": first_deal.id,
        "sale.funnel": first_deal.funnel_id.id,
        "res.partner": first_deal.partner_id.id,
        "sale.funnel.robot": env["sale.funnel.robot"].search([("funnel_id", "=", bulk.id)], limit=1).id,
        "sale.lost.reason": env["sale.lost.reason"].search([], limit=1).id,
        "res.partner.segment": env["res.partner.segment"].create({"name": "Cluster segment"}).id,
    }
    return plan


def stats(samples, elapsed):
    by_name = {}
    for name, seconds in samples:
        by_name.setdefault(name, []).append(seconds * 1000)
    return {
        name: (len(values), len(values) / elapsed, percentile(values, 0.5), percentile(values, 0.95))
        for name, values in by_name.items()
    }


def main():
    config.parse_config(sys.argv[1:])
    db = db_name()
    primary_port = int(config["db_port"])
    with admin_env(commit=True) as env:
        plan = prepare(env)
    all_deals = plan["all_deals"] = [d for u in plan["users"] for key in FUNNELS for d in u["deals"][key]]
    move_funnels = [plan["robots"], plan["background"]]
    http_a, http_b, cron = Node("http1", True), Node("http2", True), Node("cron", False)
    nodes = [http_a, http_b, cron]
    report = {"faults": [], "errors": {}}
    try:
        log("starting two HTTP nodes and the cron node")
        http_a.start()
        http_b.start()
        cron.start()
        plan["admin_session"] = login(http_a.url, db, "admin")
        for user in plan["users"]:
            user["session_id"] = login(http_a.url, db, user["login"])
        log("warming the HTTP nodes' workers up (not measured)")
        run_users([http_a.url, http_b.url], db, plan, 10)

        # 1. one HTTP node against two, with the replica lag sampled meanwhile
        for label, urls in (("1 HTTP node", [http_a.url]), ("2 HTTP nodes", [http_a.url, http_b.url])):
            log(f"load: {label}, {SECONDS:.0f} s")
            probe = LagProbe(primary_port)
            probe.start()
            before = history_counts(all_deals)
            result = run_users(urls, db, plan, SECONDS)
            probe.stopping.set()
            probe.join(15)
            report[label] = {**result, "lags": probe.lags, "check": check_moves(plan, result["moves"], before)}

        # 2. the addon's read-only methods and screens, one call at a time, on the standby?
        log(f"read-only calls: {len(plan['readonly_methods'])} methods of the addon and its screens")
        drain(move_funnels, 60)
        report["readonly"] = check_readonly(plan, http_a)

        # 3a. the cron node killed in the middle of a batch of background robots, then started again
        log(f"fault a: {BULK_DEALS} deals into a stage with 3 background robots, cron node killed mid-batch")
        with admin_env(commit=True) as env:
            env["sale.order"].browse(plan["bulk_deals"]).write({"stage_id": plan["bulk_stages"][1]})
        killed_at = None
        until = time.monotonic() + 120
        while time.monotonic() < until:
            planned, done = planned_runs([plan["bulk"]])
            if done and planned:
                cron.kill()
                killed_at = (done, planned)
                break
            if not planned:
                break
            time.sleep(0.1)
        restarted = time.monotonic()
        if killed_at:
            cron.start()
        drained = drain([plan["bulk"]])
        resumed = time.monotonic() - restarted
        runs = check_runs([plan["bulk"]], [plan["bulk_stages"][1]])
        report["faults"].append(("a. cron node SIGKILL mid-batch", runs["expected"], runs["done"], runs["duplicated"],
                                 runs["lost"] + runs["planned"], 0,
                                 f"killed after {killed_at[0]} of {sum(killed_at)} runs, "
                                 f"all done {resumed:.0f} s after the restart" if killed_at
                                 else "NOT killed: the batch ended first", drained))  # fmt: skip

        # 3b. one HTTP node killed under moves: clients retry on the other one
        log("fault b: HTTP node 1 SIGKILLed under moves")
        before = history_counts(all_deals)

        def kill_http_a():
            time.sleep(SECONDS / 3)
            http_a.kill()

        result = run_users([http_a.url, http_b.url], db, plan, SECONDS, during=kill_http_a)
        report["errors"]["b"] = result
        moves = check_moves(plan, result["moves"], before)
        report["faults"].append(("b. HTTP node SIGKILL under moves", moves["expected"], moves["done"],
                                 moves["duplicated"], moves["lost"], result["retried"],
                                 f"{len(result['errors'])} calls failed on every node, "
                                 f"{moves['inconsistent']} deals whose history disagrees", True))  # fmt: skip
        http_a.start()

        # 3c. the standby stopped: read-only screens through both nodes
        log("fault c: standby stopped")
        pg_ctl(STANDBY_DIR, "stop", "-m", "fast")
        own, screens = readonly_calls(plan)
        calls = [(model, method, *own[model, method]) for model, method in sorted(own)] + screens
        answered = failed = 0
        start_a, start_b = http_a.log_size(), http_b.log_size()
        for node in (http_a, http_b):
            client = Client([node.url], db, plan["admin_session"])
            for model, method, args, kwargs in calls:
                try:
                    client.call(model, method, args, kwargs, tag="/nostandby", tries=1)
                    answered += 1
                except Exception:  # noqa: BLE001 - counted
                    failed += 1
        time.sleep(0.5)
        modes = [m for _p, _s, m in http_a.requests(start_a) + http_b.requests(start_b)]
        report["faults"].append(("c. standby stopped", answered + failed, answered, 0, failed, 0,
                                 f"cursor modes: {', '.join(f'{m} {modes.count(m)}' for m in sorted(set(modes)))}",
                                 True))  # fmt: skip
        pg_ctl(STANDBY_DIR, "start", "-l", os.path.join(TMP, "standby.start.log"))
        # back on the standby? Odoo retries a replica that failed after _REPLICA_RETRY_TIME only
        time.sleep(2)
        back = served_by_standby(http_a, Client([http_a.url], db, plan["admin_session"]), *screens[0], "/standbyback")
        report["standby_back"] = back

        # 3d. the primary restarted under moves
        log("fault d: primary restarted under moves")
        before = history_counts(all_deals)

        def restart_primary():
            time.sleep(SECONDS / 3)
            pg_ctl(PRIMARY_DIR, "restart", "-m", "fast", "-l", os.path.join(TMP, "primary.start.log"))

        result = run_users([http_a.url, http_b.url], db, plan, SECONDS, during=restart_primary)
        report["errors"]["d"] = result
        moves = check_moves(plan, result["moves"], before)
        drained = drain(move_funnels)
        runs = check_runs(move_funnels, [plan["stages"][key][1] for key in FUNNELS[:2]])
        report["faults"].append(("d. primary restart under moves: moves", moves["expected"], moves["done"],
                                 moves["duplicated"], moves["lost"], result["retried"],
                                 f"{len(result['errors'])} calls failed on every node, "
                                 f"{moves['inconsistent']} deals whose history disagrees", True))  # fmt: skip
        report["faults"].append(("d. primary restart: robot runs (all phases)", runs["expected"], runs["done"],
                                 runs["duplicated"], runs["lost"] + runs["planned"], 0,
                                 f"{runs['activities']} activities for {runs['quote_entries']} entries into Quote",
                                 drained))  # fmt: skip
    finally:
        for node in nodes:
            node.stop()
    if not print_report(report):
        sys.exit(1)


def print_errors(report):
    for fault, result in report["errors"].items():
        retried = Counter(message[:100] for message in result["retry_errors"])
        failed = Counter(f"{name}: {message[:100]}" for name, message in result["errors"])
        print(f"  fault {fault}: errors the clients met and retried on the other node (most frequent first):")
        for message, count in retried.most_common(4):
            print(f"    {count:4d}  {message}")
        for message, count in failed.most_common(4):
            print(f"    {count:4d}  failed on every try: {message}")


def print_report(report):
    print("erp_crm cluster run: primary + hot standby (streaming), 2 HTTP nodes (2 workers each, reads on the "
          f"standby), 1 cron node; {os.environ['ERP_CRM_LOAD_USERS']} users, {SECONDS:.0f} s per phase")  # fmt: skip
    for label in ("1 HTTP node", "2 HTTP nodes"):
        result = report[label]
        print(f"  {label}: {len(result['samples'])} calls in {result['elapsed']:.0f} s, errors {len(result['errors'])}")
        for name, (count, rate, p50, p95) in sorted(stats(result["samples"], result["elapsed"]).items()):
            print(f"    {name:12s} {count:5d} ({rate:5.1f}/s)  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
        lags = result["lags"]
        if lags:
            print(
                "    replica lag (commit on the primary replayed on the standby):"
                f" p50 {percentile(lags, 0.5) * 1000:.1f} ms, p95 {percentile(lags, 0.95) * 1000:.1f} ms,"
                f" max {max(lags) * 1000:.1f} ms ({len(lags)} samples)"
            )
        check = result["check"]
        print(f"    moves: {check['expected']} acknowledged, duplicated {check['duplicated']}, lost {check['lost']}")
    print("  read-only calls through HTTP node 1 (served by the standby: statements in its log, cursor 'ro'):")
    served = 0
    for model, method, result in report["readonly"]:
        ok = not result["error"] and result["standby_statements"] > 0 and result["mode"] == "ro"
        served += ok
        error = f", {result['error']}" if result["error"] else ""
        print(f"    {'standby' if ok else 'NOT   '}  {model}.{method}: mode {result['mode']}, "
              f"{result['standby_statements']} statements on the standby{error}")  # fmt: skip
    print(f"    {served} of {len(report['readonly'])} served by the standby")
    print("  faults:")
    print(f"    {'fault':44s} {'expected':>8s} {'done':>6s} {'dupl.':>6s} {'lost':>6s} {'retried':>8s}  notes")
    for name, expected, done, duplicated, lost, retried, notes, drained in report["faults"]:
        print(f"    {name:44s} {expected:8d} {done:6d} {duplicated:6d} {lost:6d} {retried:8d}  {notes}"
              f"{'' if drained else ' (cron work not drained in time)'}")  # fmt: skip
    if "standby_back" in report:
        back = report["standby_back"]
        print(
            f"  standby started again: next read-only call served with cursor {back['mode']}, "
            f"{back['standby_statements']} statements on the standby"
        )
    print_errors(report)
    correct = served == len(report["readonly"]) and not any(f[3] or f[4] for f in report["faults"])
    if correct:
        print("  OK: 0 duplicated and 0 lost in every fault, every read-only call served by the standby")
    else:
        print("  FAILED: a fault duplicated or lost work, or a read-only call missed the standby (see above)")
    return correct


if __name__ == "__main__":
    main()
