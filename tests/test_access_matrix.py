"""The access matrix (tests/access_matrix.py), checked cell by cell as each user would call over RPC.

Model rights: ``has_access``/``check_access`` for every user × model × operation of ``MATRIX``.
Record rules: searching, reading, ``formatted_read_group`` totals and ``export_data`` as each user of
``VISIBILITY`` on a scenario of deals, history, robot log, rankings, service requests and the reports.
"""

import re
from pathlib import Path

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .access_matrix import OPERATIONS, USERS, parse_matrix, parse_visibility
from .common import ErpCrmCommon

ADDON = Path(__file__).resolve().parent.parent
MODEL_NAME = re.compile(r"""^\s+_name = ["']([\w.]+)["']""", re.MULTILINE)


def addon_model_names():
    """Every ``_name`` declared in the addon's models/, reports/ and wizard/."""
    names = set()
    for folder in ("models", "reports", "wizard"):
        for path in sorted((ADDON / folder).glob("*.py")):
            names.update(MODEL_NAME.findall(path.read_text(encoding="utf-8")))
    return names


@tagged("erp_crm", "erp_crm_security", "erp_crm_access_matrix")
class TestAccessMatrix(ErpCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Windows North"})
        cls.env.user.company_ids += cls.company_b
        cls.customer = cls.env["res.partner"].create({"name": "Carla Customer", "email": "carla@example.com"})
        cls.users = {"pub": cls.env.ref("base.public_user")}
        for column, groups in USERS.items():
            if column == "pub":
                continue
            existing = {
                "e_usr": cls.user_sales,
                "e_all": cls.user_all,
                "e_mgr": cls.user_manager,
            }.get(column)
            if existing:
                cls.users[column] = existing
            elif column == "ptl":
                cls.users[column] = new_test_user(
                    cls.env, login="matrix_portal", groups=groups, partner_id=cls.customer.id
                )
            elif column == "co_b":
                cls.users[column] = new_test_user(
                    cls.env,
                    login="matrix_other_company",
                    groups=groups,
                    name="Olga North",
                    company_id=cls.company_b.id,
                    company_ids=[Command.set(cls.company_b.ids)],
                )
            else:
                cls.users[column] = new_test_user(cls.env, login=f"matrix_{column}", groups=groups)

        # A robot that logs a note when a deal enters Measurement: runs for the deals moved there.
        cls.env["sale.funnel.robot"].create(
            {"name": "Measurement note", "stage_id": cls.stage_measure.id, "kind": "note", "summary": "Measure"}
        )
        cls.deals = {
            "o1": cls._create_deal(user_id=cls.user_sales.id, partner_id=cls.customer.id),
            "o2": cls._create_deal(user_id=cls.user_sales.id),
            "ot": cls._create_deal(user_id=cls.user_sales_2.id),
            "un": cls._create_deal(user_id=False),
            "b": cls._create_deal(user_id=cls.users["co_b"].id, company_id=cls.company_b.id, team_id=False),
        }
        # Different amounts, so that a sum tells which deals it adds up.
        for quantity, deal in enumerate(cls.deals.values(), start=1):
            deal.order_line.product_uom_qty = quantity * 3
        cls.deals["o1"].message_subscribe(cls.customer.ids)
        (cls.deals["o1"] | cls.deals["ot"]).stage_id = cls.stage_measure
        cls.labels = {deal.id: label for label, deal in cls.deals.items()}

        Ranking = cls.env["res.partner.ranking"]
        cls.rankings = {
            "ra": Ranking.create({"partner_id": cls.customer.id, "company_id": cls.company_a.id, "abc_class": "a"}),
            "rb": Ranking.create({"partner_id": cls.partner.id, "company_id": cls.company_b.id, "abc_class": "b"}),
        }
        desk = cls.env["project.project"].create(
            {"name": "Window service", "is_service_desk": True, "privacy_visibility": "invited_users"}
        )
        desk.message_subscribe(cls.users["svc"].partner_id.ids)
        cls.requests = {
            "r1": cls.env["project.task"].create(
                {
                    "name": "Leaking window",
                    "project_id": desk.id,
                    "partner_id": cls.customer.id,
                    "service_order_id": cls.deals["o1"].id,
                }
            ),
            "r2": cls.env["project.task"].create(
                {"name": "Broken handle", "project_id": desk.id, "service_order_id": cls.deals["ot"].id}
            ),
        }
        cls.requests["r1"].message_subscribe(cls.customer.ids)
        cls.env.flush_all()

    # ------------------------------------------------------------------
    # model rights
    # ------------------------------------------------------------------

    def test_matrix_has_a_row_for_every_model(self):
        _users, models, _cells = parse_matrix()
        # models erp_crm defines (the Odoo models it re-declares to put its input guard first are Odoo's)
        declared = {
            name
            for name in addon_model_names()
            if not self.env[name]._abstract and self.env[name]._original_module == "erp_crm"
        }
        self.assertFalse(declared - set(models), "models of the addon without a row in tests/access_matrix.py")
        self.assertTrue({"sale.funnel", "sale.funnel.robot", "sale.kpi.report", "sale.order.lost"} <= declared)
        for model in models:
            self.assertIn(model, self.env, f"row {model} of the matrix is no model")
        self.assertEqual(set(_users), set(USERS), "the matrix has one column per user of USERS")

    def test_model_access_rights(self):
        """Every cell: the user's right on the model (create, read, write, unlink) is the one in the table."""
        _users, _models, cells = parse_matrix()
        wrong = []
        for (model, column), expected in cells.items():
            records = self.env[model].with_user(self.users[column]).browse()
            for operation in OPERATIONS:
                with self.subTest(model=model, user=column, operation=operation):
                    allowed = records.has_access(operation)
                    if allowed != expected[operation]:
                        wrong.append(
                            f"{model} × {column} × {operation}: "
                            f"{'allowed' if allowed else 'denied'}, the table says "
                            f"{'allowed' if expected[operation] else 'denied'}"
                        )
                    elif not allowed:
                        with self.assertRaises(AccessError):
                            records.check_access(operation)
        self.assertFalse(wrong, "cells of tests/access_matrix.py that do not hold:\n" + "\n".join(wrong))
        self.assertEqual(len(cells), len(_models) * len(USERS), "every cell was checked")

    # ------------------------------------------------------------------
    # record rules
    # ------------------------------------------------------------------

    def _scenario(self, model):
        """(domain, label of a found record) for the scenario's records of ``model``."""
        deal_ids = [deal.id for deal in self.deals.values()]
        if model == "sale.order":
            return [("id", "in", deal_ids)], lambda rec: self.labels[rec.id]
        if model == "res.partner.ranking":
            names = {rec.id: label for label, rec in self.rankings.items()}
            return [("id", "in", list(names))], lambda rec: names[rec.id]
        if model == "project.task":
            names = {rec.id: label for label, rec in self.requests.items()}
            return [("id", "in", list(names))], lambda rec: names[rec.id]
        # rows hanging on a deal: named by their deal (order_id read as superuser)
        return [("order_id", "in", deal_ids)], lambda rec: self.labels[rec.sudo().order_id.id]

    def test_record_visibility(self):
        """Each user reaches, by searching and reading, exactly the records the table gives them."""
        _users, cells = parse_visibility()
        wrong = []
        for (model, column), expected in cells.items():
            with self.subTest(model=model, user=column):
                domain, label = self._scenario(model)
                Model = self.env[model].with_user(self.users[column])
                if expected is None:
                    try:
                        Model.search(domain)
                    except AccessError:
                        continue
                    wrong.append(f"{model} × {column}: searched, the table says denied")
                    continue
                found = Model.search(domain)
                reached = frozenset(label(rec) for rec in found)
                if reached != expected:
                    wrong.append(f"{model} × {column}: reaches {sorted(reached)}, the table says {sorted(expected)}")
                found.read(["display_name"])  # readable, not only searchable
                self.env.invalidate_all()
        self.assertFalse(wrong, "record rules that do not hold:\n" + "\n".join(wrong))

    def test_salesperson_cannot_read_records_beyond_the_table(self):
        """Reading by id (as a crafted RPC call would) what the search does not reach is refused."""
        sally = self.users["e_usr"]
        for record in (self.deals["ot"], self.deals["b"], self.rankings["rb"], self.requests["r2"]):
            with self.subTest(record=record), self.assertRaises(AccessError):
                record.with_user(sally).read(["display_name"])
        with self.assertRaises(AccessError):
            self.deals["ot"].stage_history_ids.with_user(sally).read(["stage_id"])
        with self.assertRaises(AccessError):
            self.deals["o2"].with_user(self.users["ptl"]).read(["name"])

    def test_read_group_totals_are_the_sum_of_the_records_reached(self):
        """What a user sees summed (pivot, graph: formatted_read_group) adds up exactly the deals they reach."""
        _users, cells = parse_visibility()
        checked = 0
        for model, measure in (
            ("sale.order", "amount_untaxed"),
            ("sale.funnel.report", "amount"),
            ("sale.forecast.report", "pipeline_amount"),
            ("sale.kpi.report", "created_count"),
        ):
            domain, label = self._scenario(model)
            rows = self.env[model].search(domain)
            for column in USERS:
                expected = cells[model, column]
                if not expected:
                    continue
                with self.subTest(model=model, user=column):
                    total = sum(row[measure] for row in rows if label(row) in expected)
                    self.assertGreater(total, 0, f"{model} × {column}: the scenario adds something up")
                    groups = (
                        self.env[model]
                        .with_user(self.users[column])
                        .formatted_read_group(domain, [], [f"{measure}:sum", "__count"])
                    )
                    self.assertAlmostEqual(groups[0][f"{measure}:sum"], total, places=2, msg=f"{model} × {column}")
                    checked += 1
        sally_sum = (
            self.env["sale.order"]
            .with_user(self.users["e_usr"])
            .formatted_read_group([], [], ["amount_untaxed:sum"])[0]["amount_untaxed:sum"]
        )
        own = self.deals["o1"] | self.deals["o2"] | self.deals["un"]
        self.assertAlmostEqual(sally_sum, sum(own.mapped("amount_untaxed")), places=2)
        self.assertGreaterEqual(checked, 20)

    def test_export_only_with_the_export_permission(self):
        """export_data: refused without Odoo's export permission; with it, only the records the user reaches."""
        sally = self.users["e_usr"]
        olga = self.users["co_b"]
        for user, records in ((sally, self.deals["o1"]), (olga, self.rankings["rb"])):
            with self.subTest(user=user.login), self.assertRaisesRegex(UserError, "rights to export"):
                records.with_user(user).export_data(["display_name"])
        export_group = self.env.ref("base.group_allow_export")
        (sally | olga).group_ids += export_group
        own = self.deals["o1"] | self.deals["o2"]
        rows = own.with_user(sally).export_data(["name", "amount_untaxed"])["datas"]
        self.assertEqual([row[0] for row in rows], own.mapped("name"))
        rows = self.rankings["rb"].with_user(olga).export_data(["abc_class"])["datas"]
        self.assertEqual(len(rows), 1)
        for user, records in (
            (sally, self.deals["ot"]),
            (sally, self.rankings["rb"]),
            (olga, self.rankings["ra"]),
            (olga, self.deals["o1"]),
        ):
            with self.subTest(user=user.login, records=records), self.assertRaises(AccessError):
                records.with_user(user).export_data(["display_name"])

    def test_portal_customer_reads_no_ranking_nor_internals_of_own_deal(self):
        """The portal customer reads their own order, not their class, segment or the deal's internals."""
        deal = self.deals["o1"].with_user(self.users["ptl"])
        self.assertEqual(deal.read(["name"])[0]["name"], self.deals["o1"].name)
        internals = ("erp_crm_abc_class", "erp_crm_rfm_segment", "priority", "stage_history_ids", "robot_run_ids")
        for fname in (*internals, "date_stage"):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                deal.read([fname])
        with self.assertRaises(AccessError):
            self.customer.with_user(self.users["ptl"]).read(["erp_crm_abc_class"])

    def test_audit_trail_is_read_only_even_for_managers(self):
        """History and robot log are the deal's audit trail: no one deletes a row of them, a manager deleting a
        quotation takes its trail along (the database's cascade)."""
        manager = self.users["e_mgr"]
        deal = self.deals["o1"]
        for rows in (deal.stage_history_ids, deal.robot_run_ids):
            self.assertTrue(rows)
            with self.subTest(model=rows._name), self.assertRaises(AccessError):
                rows.with_user(manager).unlink()
        history, runs = deal.stage_history_ids, deal.robot_run_ids
        deal.with_user(manager).unlink()
        self.assertFalse(history.exists() or runs.exists())
