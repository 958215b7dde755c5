"""Deals kanban and stage moves, against Odoo's quotation kanban and a plain field write.

Run through bench/run, which passes the Odoo options (-d, --addons-path, --db_*).
"""

import os
import sys

from benchlib import admin_env, measure

from odoo.fields import Command

DEALS = int(os.environ.get("ERP_CRM_BENCH_DEALS", "20000"))
REPEAT = 7
BATCH = 1000


def ensure_data(env):
    """Generate the bench funnel and its deals once; later runs reuse them."""
    funnel = env["sale.funnel"].search([("name", "=", "Bench funnel")], limit=1)
    if not funnel:
        funnel = env["sale.funnel"].create(
            {
                "name": "Bench funnel",
                "stage_ids": [Command.clear()]
                + [
                    Command.create({"name": name, "sequence": i, "kind": kind})
                    for i, (name, kind) in enumerate(
                        [
                            ("Call", "open"),
                            ("Measure", "open"),
                            ("Quote", "open"),
                            ("Pay", "open"),
                            ("Make", "open"),
                            ("Install", "open"),
                            ("Won", "won"),
                            ("Lost", "lost"),
                        ]
                    )
                ],
            }
        )
    existing = env["sale.order"].search_count([("funnel_id", "=", funnel.id)])
    if existing < DEALS:
        partners = env["res.partner"].create([{"name": f"Bench customer {i}"} for i in range(200)])
        open_stages = funnel.stage_ids.filtered(lambda s: s.kind == "open")
        users = env["res.users"].search([("share", "=", False)], limit=5)
        print(f"generating {DEALS - existing} deals...", file=sys.stderr)
        for start in range(existing, DEALS, BATCH):
            env["sale.order"].with_context(tracking_disable=True).create(
                [
                    {
                        "partner_id": partners[i % len(partners)].id,
                        "funnel_id": funnel.id,
                        "stage_id": open_stages[i % len(open_stages)].id,
                        "user_id": users[i % len(users)].id,
                        "title": f"Bench deal {i}",
                    }
                    for i in range(start, min(start + BATCH, DEALS))
                ]
            )
            env.cr.commit()  # bench data is kept for the next runs
    return funnel


def main():
    with admin_env() as env:
        # importable once the registry has set up the addons path
        from odoo.addons.erp_crm.tests.kanban import kanban_read_spec, open_stage_kanban  # noqa: PLC0415

        funnel = ensure_data(env)
        ours_spec = kanban_read_spec(env, "erp_crm.sale_order_view_kanban")
        odoo_spec = kanban_read_spec(env, "sale.view_sale_order_kanban")
        deals = env["sale.order"].search([("funnel_id", "=", funnel.id)], limit=2)
        stages = funnel.stage_ids.filtered(lambda s: s.kind == "open")[:2]
        state = {"i": 0}
        domain = [("funnel_id", "=", funnel.id)]

        def move_stage():
            state["i"] += 1
            deals[0].write({"stage_id": stages[state["i"] % 2].id})

        def write_title():
            state["i"] += 1
            deals[1].write({"title": f"Bench title {state['i']}"})

        results = [
            (
                "kanban: Deals vs Odoo quotation kanban (grouped by stage, 80 cards/column)",
                measure(env, lambda: open_stage_kanban(env["sale.order"], domain, ours_spec), REPEAT),
                measure(env, lambda: open_stage_kanban(env["sale.order"], domain, odoo_spec), REPEAT),
            ),
            (
                "write: stage move vs tracked title write (one deal)",
                measure(env, move_stage, REPEAT),
                measure(env, write_title, REPEAT),
            ),
        ]
    print(f"erp_crm bench on {DEALS} deals, median of {REPEAT} runs")
    for label, (ours_s, ours_q), (ref_s, ref_q) in results:
        print(f"{label}")
        print(
            f"  ours {ours_s * 1000:8.1f} ms {ours_q:4d} queries | reference {ref_s * 1000:8.1f} ms {ref_q:4d} queries"
            f" | time ratio {ours_s / ref_s:5.2f} | extra queries {ours_q - ref_q:+d}"
        )


if __name__ == "__main__":
    main()
