#!/usr/bin/env python3
"""Data safety of erp_crm on a throw-away database: upgrade in place, update, uninstall.

    python3 scripts/data_safety.py --odoo-addons=<Odoo's addons> [--from-commit=SHA] [--db-arg=--db_host=...] [--keep]

1. installs erp_crm as it was at the previous release (``git archive`` of the commit that set PREVIOUS_VERSION in
   __manifest__.py, exposed as erp_crm in a temporary directory) into a new database, and makes data there: deals
   moved through stages, a funnel of the user's own, and user changes to the shipped funnel, stages, lost reasons;
2. upgrades it to the current code (``-u erp_crm``, migrations/ run): the data and the user changes are kept, and the
   upgrade's effects are there; then configures what the current version has (robots, roles, SLA policies,
   segments, settings, changes to shipped service types, activity type, email template, scheduled action) and makes
   business documents (confirmed order, posted invoice, task);
3. updates the module again (``-u erp_crm``): everything users configured is kept;
4. uninstalls erp_crm (``button_immediate_uninstall``): every sale order, order line, invoice, task, project and
   partner is still there.

Each step is an Odoo process of its own (``--step``); facts go from one step to the next in a JSON file. Prints
one line per step and "data safety: N checks passed"; exits non-zero at the first failed check.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREVIOUS_VERSION = "19.0.1.0.0"  # the release databases are upgraded from; move it on at each release
TIME_LIMIT = 900  # seconds, per Odoo process
NO_HISTORY = 77  # exit code: the previous release is not in this checkout's history


class CheckFailed(Exception):
    pass


CHECKS = []


def check(condition, what):
    if not condition:
        raise CheckFailed(what)
    CHECKS.append(what)


# ----------------------------------------------------------------------------------------------------------------
# Steps (run inside an Odoo process: ``env`` is the database's, as superuser; committed at the end)
# ----------------------------------------------------------------------------------------------------------------


def step_old_data(env, facts):
    """On the previous release: deals, history and user changes to shipped records."""
    funnel = env.ref("erp_crm.sale_funnel_default")
    funnel.name = "Our pipeline"
    stage_new = env.ref("erp_crm.sale_funnel_default_stage_new")
    stage_new.write({"name": "Inbox", "probability": 5})
    env.ref("erp_crm.sale_lost_reason_price").name = "Too expensive"
    own = env["sale.funnel"].create(
        {
            "name": "Own funnel",
            "stage_ids": [(5, 0, 0)]
            + [(0, 0, {"name": name, "sequence": i, "kind": kind}) for i, (name, kind) in
               enumerate([("Lead", "open"), ("Offer", "open"), ("Won", "won"), ("Lost", "lost")])],
        }
    )  # fmt: skip
    partner = env["res.partner"].create({"name": "Safety customer", "email": "safety@example.com"})
    stages = funnel.stage_ids.filtered(lambda s: s.kind == "open").sorted("sequence")
    deals = env["sale.order"].create(
        [{"partner_id": partner.id, "funnel_id": funnel.id, "stage_id": stages[0].id} for _i in range(3)]
    )
    deals[0].write({"stage_id": stages[1].id})
    deals[0].write({"stage_id": stages[2].id})
    deals[1].write({"stage_id": stages[1].id})
    own_deal = env["sale.order"].create({"partner_id": partner.id, "funnel_id": own.id})
    own_deal.write({"stage_id": own.stage_ids[1].id})
    env.flush_all()
    facts.update(
        partner_id=partner.id,
        own_funnel_id=own.id,
        own_stage_names=own.stage_ids.mapped("name"),
        deal_stages={str(d.id): d.stage_id.id for d in deals | own_deal},
        history_count=env["sale.funnel.stage.history"].search_count([("order_id", "in", (deals | own_deal).ids)]),
    )
    print(f"  previous release: {len(deals | own_deal)} deals, {facts['history_count']} history rows, user changes")


def step_after_upgrade(env, facts):
    """On the current code, right after the upgrade: nothing lost, the upgrade's effects; then new configuration."""
    check(env.ref("erp_crm.sale_funnel_default").name == "Our pipeline", "upgrade keeps the renamed funnel")
    stage_new = env.ref("erp_crm.sale_funnel_default_stage_new")
    check((stage_new.name, stage_new.probability) == ("Inbox", 5), "upgrade keeps the edited stage")
    check(env.ref("erp_crm.sale_lost_reason_price").name == "Too expensive", "upgrade keeps the lost reason")
    own = env["sale.funnel"].browse(facts["own_funnel_id"])
    check(own.exists() and own.stage_ids.mapped("name") == facts["own_stage_names"], "upgrade keeps own funnel")
    deals = env["sale.order"].browse(int(i) for i in facts["deal_stages"])
    check({str(d.id): d.stage_id.id for d in deals} == facts["deal_stages"], "upgrade keeps every deal's stage")
    history = env["sale.funnel.stage.history"].search([("order_id", "in", deals.ids)])
    check(len(history) == facts["history_count"], "upgrade keeps the stage history")
    closed = history.filtered("date_out")
    check(closed and all(closed.mapped("to_stage_id")), "upgrade fills 'Left To' of rows closed before it existed")
    check(all(d.won_status == "pending" for d in deals), "upgrade computes the new stored fields of old deals")
    template = env.ref("erp_crm.mail_template_payment_request")
    check("Amount due now" in str(template.body_html), "migration 19.0.1.1.0: the payment request's new email")
    rule = env.ref("erp_crm.sale_funnel_robot_run_rule_salesman_all")
    check("order_id" in rule.domain_force, "migration 19.0.1.2.0: the salespeople's robot log keeps to deal runs")
    # Deals still move through the door after the upgrade, robots included.
    _configure(env, facts)
    _business_documents(env, facts)
    facts["counts"] = _counts(env)
    print(f"  after upgrade: checks passed; configured; business rows {facts['counts']}")


def _configure(env, facts):
    funnel = env.ref("erp_crm.sale_funnel_default")
    stage = env.ref("erp_crm.sale_funnel_default_stage_qualified")
    user = env["res.users"].create({"name": "Safety surveyor", "login": "safety_surveyor"})
    role = env["sale.funnel.role"].create(
        {"name": "Surveyor", "funnel_id": funnel.id, "assignment": "user", "user_id": user.id}
    )
    robot = env["sale.funnel.robot"].create(
        {"name": "Measure", "stage_id": stage.id, "kind": "activity", "role_id": role.id, "summary": "Measure",
         "delay_amount": 2, "delay_unit": "hours", "filter_domain": "[('amount_total', '>=', 0)]"}
    )  # fmt: skip
    stage.write({"max_hours": 16, "requirements": "Visit the customer"})
    desk = env["project.project"].create({"name": "Safety desk", "is_service_desk": True})
    desk_stage = env["project.task.type"].create({"name": "Solved", "project_ids": [(4, desk.id)]})
    policy = env["project.sla.policy"].create(
        {"name": "Solve in 8 h", "project_id": desk.id, "stage_id": desk_stage.id, "working_hours": 8}
    )
    segment = env["res.partner.segment"].create({"name": "Safety segment", "domain": "[('email', '!=', False)]"})
    env.company.write({"erp_crm_ranking_months": 6, "erp_crm_ranking_threshold_a": 70.0})
    env.ref("erp_crm.project_service_type_question").name = "Our question"
    env.ref("erp_crm.mail_activity_type_collection").summary = "Collect it"
    env.ref("erp_crm.mail_template_payment_request").subject = "Please pay {{ object.name }}"
    env.ref("erp_crm.ir_cron_run_due_robots").interval_number = 10
    facts["config"] = _config_facts(robot, role, stage, policy, segment)


def _config_now(env, config):
    return _config_facts(
        env["sale.funnel.robot"].browse(config["robot"][0]),
        env["sale.funnel.role"].browse(config["role"][0]),
        env["sale.funnel.stage"].browse(config["stage"][0]),
        env["project.sla.policy"].browse(config["policy"][0]),
        env["res.partner.segment"].browse(config["segment"][0]),
    )


def _config_facts(robot, role, stage, policy, segment):
    """What a user configured, as compared before and after an update."""
    return {
        "robot": [robot.id, robot.summary, robot.delay_amount, robot.filter_domain],
        "role": [role.id, role.user_id.id],
        "stage": [stage.id, stage.max_hours, stage.requirements],
        "policy": [policy.id, policy.working_hours],
        "segment": [segment.id, segment.domain],
    }


def _business_documents(env, facts):
    partner = env["res.partner"].browse(facts["partner_id"])
    product = env["product.product"].create(
        {"name": "Safety window", "type": "service", "list_price": 500.0, "invoice_policy": "order"}
    )
    order = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "funnel_id": env.ref("erp_crm.sale_funnel_default").id,
            "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 2})],
        }
    )
    order.write({"stage_id": env.ref("erp_crm.sale_funnel_default_stage_qualified").id})  # the robot plans its run
    order.action_confirm()
    invoice = order._create_invoices()
    invoice.action_post()
    project = env["project.project"].create({"name": "Safety installations"})
    env["project.task"].create({"name": "Install the windows", "project_id": project.id, "partner_id": partner.id})
    check(invoice.state == "posted" and order.robot_run_ids, "business documents made on the upgraded database")


def _counts(env):
    from odoo.tools import SQL  # noqa: PLC0415 - the driver does not import Odoo

    tables = ("sale_order", "sale_order_line", "account_move", "account_move_line", "project_task",
              "project_project", "res_partner", "product_template")  # fmt: skip
    env.flush_all()
    counts = {}
    for table in tables:
        [[counts[table]]] = env.execute_query(SQL("SELECT count(*) FROM %s", SQL.identifier(table)))
    return counts


def step_after_update(env, facts):
    """After ``-u erp_crm``: what users configured is kept, shipped records they changed included."""
    check(_config_now(env, facts["config"]) == facts["config"], "update keeps robots, roles, stages, SLA, segments")
    check(env.company.erp_crm_ranking_months == 6, "update keeps the ranking settings")
    check(env.company.erp_crm_ranking_threshold_a == 70.0, "update keeps the A threshold")
    check(env.ref("erp_crm.project_service_type_question").name == "Our question", "update keeps the service type")
    check(env.ref("erp_crm.mail_activity_type_collection").summary == "Collect it", "update keeps the activity type")
    template = env.ref("erp_crm.mail_template_payment_request")
    check(template.subject == "Please pay {{ object.name }}", "update keeps the email template")
    check(env.ref("erp_crm.ir_cron_run_due_robots").interval_number == 10, "update keeps the scheduled action")
    check(env.ref("erp_crm.sale_funnel_default").name == "Our pipeline", "update keeps the renamed funnel")
    check(_counts(env) == facts["counts"], "update keeps every business row")
    print("  after update: checks passed")


def step_uninstall(env, facts):
    """Uninstall erp_crm: business documents and partners stay."""
    from odoo.tools import SQL  # noqa: PLC0415 - the driver does not import Odoo

    module = env["ir.module.module"].search([("name", "=", "erp_crm")])
    module.button_immediate_uninstall()
    [[state]] = env.execute_query(SQL("SELECT state FROM ir_module_module WHERE name = %s", "erp_crm"))
    check(state == "uninstalled", "erp_crm is uninstalled")
    [[gone]] = env.execute_query(SQL("SELECT to_regclass(%s) IS NULL", "sale_funnel"))
    check(gone, "its tables are gone")
    counts = _counts(env)
    for table, count in facts["counts"].items():
        check(counts[table] == count, f"uninstall keeps every row of {table} ({count})")
    print(f"  after uninstall: {counts}")


STEPS = {
    "old_data": step_old_data,
    "after_upgrade": step_after_upgrade,
    "after_update": step_after_update,
    "uninstall": step_uninstall,
}


def run_step(name, facts_file, odoo_args):
    import odoo  # noqa: PLC0415 - only the step processes import Odoo, with their own addons path
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(odoo_args)
    with open(facts_file) as f:
        facts = json.load(f)
    db_name = config["db_name"]
    registry = Registry(db_name[0] if isinstance(db_name, list) else db_name)
    try:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            STEPS[name](env, facts)
    except CheckFailed as failure:
        print(f"data safety: FAILED: {failure}")
        sys.exit(1)
    with open(facts_file, "w") as f:
        json.dump(facts, f)
    print(f"  ({len(CHECKS)} checks)")


# ----------------------------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------------------------


def previous_release_commit():
    """The commit that set PREVIOUS_VERSION in the manifest (the oldest one that has it)."""
    out = subprocess.run(
        ["git", "-C", REPO, "log", "--format=%H", f'-S"version": "{PREVIOUS_VERSION}"', "--", "__manifest__.py"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    if not out:
        print(f"data safety: no commit of this checkout sets version {PREVIOUS_VERSION} (a shallow clone?)")
        sys.exit(NO_HISTORY)
    return out[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--odoo-addons", help="Odoo's own addons directories, comma-separated (without erp_crm)")
    parser.add_argument("--from-commit", help="commit of the previous release (default: the one that set "
                        f"{PREVIOUS_VERSION})")  # fmt: skip
    parser.add_argument("--db-arg", action="append", default=[], help="extra Odoo option (--db_host=...)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the temporary directory")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--facts", help=argparse.SUPPRESS)
    args, odoo_args = parser.parse_known_args()
    if args.step:
        return run_step(args.step, args.facts, odoo_args)
    if not args.odoo_addons:
        parser.error("--odoo-addons is required")

    start = time.monotonic()
    commit = args.from_commit or previous_release_commit()
    tmp = tempfile.mkdtemp(prefix="erp_crm_safety_")
    db = f"erp_crm_safety_{os.getpid()}"
    old_dir, new_dir = os.path.join(tmp, "previous"), os.path.join(tmp, "current")
    for directory, ref in ((old_dir, commit), (new_dir, None)):
        os.makedirs(os.path.join(directory, "erp_crm"))
        if ref:
            archive = subprocess.run(["git", "-C", REPO, "archive", ref], capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", os.path.join(directory, "erp_crm")], input=archive, check=True)
        else:
            os.rmdir(os.path.join(directory, "erp_crm"))
            os.symlink(REPO, os.path.join(directory, "erp_crm"))
    facts_file = os.path.join(tmp, "facts.json")
    with open(facts_file, "w") as f:
        json.dump({}, f)
    common = ["-d", db, f"--data-dir={tmp}/data", *args.db_arg]

    def odoo(addons_dir, *extra):
        cmd = [sys.executable, "-m", "odoo", *common, f"--addons-path={addons_dir},{args.odoo_addons}",
               "--stop-after-init", "--no-http", "--log-level=warn", *extra]  # fmt: skip
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=TIME_LIMIT)
        errors = [line for line in result.stderr.splitlines() if " ERROR " in line or " CRITICAL " in line]
        if result.returncode or errors:
            sys.stderr.write(result.stderr[-6000:])
            raise SystemExit(f"data safety: odoo {' '.join(extra)} failed (exit {result.returncode})")

    def step(addons_dir, name):
        cmd = [sys.executable, __file__, "--step", name, "--facts", facts_file,
               *common, f"--addons-path={addons_dir},{args.odoo_addons}", "--log-level=warn"]  # fmt: skip
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=TIME_LIMIT)
        sys.stdout.write(result.stdout)
        if result.returncode:
            sys.stderr.write(result.stderr[-6000:])
            raise SystemExit(f"data safety: step {name} failed (exit {result.returncode})")
        return int(result.stdout.rsplit("(", 1)[1].split()[0])

    checks = 0
    try:
        print(f"data safety: previous release {commit[:10]} ({PREVIOUS_VERSION}) into {db}")
        odoo(old_dir, "-i", "erp_crm")
        step(old_dir, "old_data")
        odoo(new_dir, "-u", "erp_crm")
        checks += step(new_dir, "after_upgrade")
        odoo(new_dir, "-u", "erp_crm")
        checks += step(new_dir, "after_update")
        checks += step(new_dir, "uninstall")
    finally:
        if not args.keep:
            subprocess.run(["dropdb", "--if-exists", db], check=False, capture_output=True)
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"data safety: {checks} checks passed in {time.monotonic() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
