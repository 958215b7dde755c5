"""Stage robots against Odoo's automation rules doing the same three things.

1,000 deals enter a stage with three robots (an activity for a role, a field update, a chatter note).
The same three actions are then configured as standard base_automation rules ("Stage is set to") on a copy
of the data (another funnel without robots), and the same 1,000 deals move there. Everything is rolled
back at the end. Run through bench/run.
"""

import os
import time

from benchlib import admin_env

from odoo.fields import Command

DEALS = int(os.environ.get("ERP_CRM_BENCH_ROBOT_DEALS", "1000"))


def make_funnel(env, name):
    return env["sale.funnel"].create(
        {
            "name": name,
            "stage_ids": [Command.clear()]
            + [Command.create({"name": stage, "sequence": i}) for i, stage in enumerate(("Measure", "Quote"))]
            + [Command.create({"name": "Won", "sequence": 9, "kind": "won"})],
        }
    )


def make_deals(env, funnel, salesperson, count):
    partners = env["res.partner"].create([{"name": f"Robot bench customer {i}"} for i in range(50)])
    return env["sale.order"].create(
        [{"partner_id": partners[i % 50].id, "funnel_id": funnel.id, "user_id": salesperson.id} for i in range(count)]
    )


def setup_robots(env, funnel, assignee):
    role = env["sale.funnel.role"].create(
        {"name": "Surveyor", "funnel_id": funnel.id, "assignment": "user", "user_id": assignee.id}
    )
    stage = funnel.stage_ids[1]
    ref_field = env["ir.model.fields"]._get("sale.order", "client_order_ref")
    env["sale.funnel.robot"].create(
        [
            {
                "name": "Call",
                "stage_id": stage.id,
                "kind": "activity",
                "role_id": role.id,
                "summary": "Call back",
                "activity_type_id": env.ref("mail.mail_activity_data_call").id,
                "deadline_amount": 2,
            },
            {
                "name": "Ref",
                "stage_id": stage.id,
                "kind": "write",
                "write_field_id": ref_field.id,
                "write_value": "QUOTE",
            },
            {"name": "Note", "stage_id": stage.id, "kind": "note", "summary": "Measured"},
        ]
    )
    return stage


def setup_automation(env, funnel, assignee):
    stage = funnel.stage_ids[1]
    model = env["ir.model"]._get("sale.order")
    rule = env["base.automation"].create(
        {"name": "Bench rule", "model_id": model.id, "trigger": "on_stage_set", "trg_field_ref": stage.id}
    )
    actions = env["ir.actions.server"].create(
        [
            {
                "name": "Call",
                "model_id": model.id,
                "base_automation_id": rule.id,
                "usage": "base_automation",
                "state": "next_activity",
                "activity_type_id": env.ref("mail.mail_activity_data_call").id,
                "activity_summary": "Call back",
                "activity_user_type": "specific",
                "activity_user_id": assignee.id,
                "activity_date_deadline_range": 2,
                "activity_date_deadline_range_type": "days",
            },
            {
                "name": "Ref",
                "model_id": model.id,
                "base_automation_id": rule.id,
                "usage": "base_automation",
                "state": "object_write",
                "update_path": "client_order_ref",
                "value": "QUOTE",
            },
            {
                "name": "Note",
                "model_id": model.id,
                "base_automation_id": rule.id,
                "usage": "base_automation",
                "state": "code",
                "code": "record.message_post(body='Measured', subtype_xmlid='mail.mt_note')",
            },
        ]
    )
    actions.flush_recordset()
    rule.write({"action_server_ids": [Command.set(actions.ids)]})
    return stage


def measure(env, deals, stage):
    env.flush_all()
    env.invalidate_all()
    before = env.cr.sql_log_count
    start = time.perf_counter()
    deals.write({"stage_id": stage.id})
    env.flush_all()
    env.cr.flush()  # tracking and other precommit work is part of the move
    return time.perf_counter() - start, env.cr.sql_log_count - before


def main():
    with admin_env() as env:
        admin = env.user
        assignee = env["res.users"].create({"name": "Bench surveyor", "login": "bench_surveyor_robots"})
        ours_funnel, rules_funnel = make_funnel(env, "Robots bench"), make_funnel(env, "Rules bench")
        ours_stage = setup_robots(env, ours_funnel, assignee)
        ours_deals = make_deals(env, ours_funnel, admin, DEALS + 2)
        rules_deals = make_deals(env, rules_funnel, admin, DEALS + 2)
        env.cr.flush()
        # Ours first: base_automation adds its own lookups to every write of sale.order once rules exist.
        measure(env, ours_deals[:1], ours_stage)  # warm the registry caches
        ours_one = measure(env, ours_deals[1:2], ours_stage)
        ours_batch = measure(env, ours_deals[2:], ours_stage)
        rules_stage = setup_automation(env, rules_funnel, assignee)
        measure(env, rules_deals[:1], rules_stage)
        rules_one = measure(env, rules_deals[1:2], rules_stage)
        rules_batch = measure(env, rules_deals[2:], rules_stage)
        assert (
            env["mail.activity"].search_count(
                [("res_id", "in", ours_deals.ids), ("res_model", "=", "sale.order"), ("summary", "=", "Call back")]
            )
            == DEALS + 2
        )
    print(f"robots vs automation rules: {DEALS} deals enter a stage with 3 actions (activity, field update, note)")
    for label, (ours_s, ours_q), (rules_s, rules_q), count in (
        ("one deal", ours_one, rules_one, 1),
        (f"batch of {DEALS}", ours_batch, rules_batch, DEALS),
    ):
        print(
            f"  {label:14s} ours {ours_s / count * 1000:7.2f} ms/deal {ours_q / count:6.1f} queries/deal"
            f" | rules {rules_s / count * 1000:7.2f} ms/deal {rules_q / count:6.1f} queries/deal"
            f" | time ratio {ours_s / rules_s:5.2f}"
        )


if __name__ == "__main__":
    main()
