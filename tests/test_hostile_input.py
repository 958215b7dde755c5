"""Hostile input over RPC, property-based (issue 13, item 2).

``hypothesis`` draws calls of ``create`` and ``write`` on each of erp_crm's models, as a salesperson, a portal
customer and an ERP CRM manager, through Odoo's own RPC entry point (``odoo.service.model.call_kw``), with wrong
types, unknown fields, huge strings, another company's ids, another user's deals, and what the addon evaluates or
renders (robot conditions, task title templates, write values, segment domains, mail templates, server actions,
SLA policies). Each call must end in a clean ``UserError`` (``ValidationError``, ``AccessError``, ``MissingError``)
or succeed with a valid result; never another exception. The database digest (every table of the addon, the deals
and tasks) is the same after each call as before it: refused calls change nothing, and each call runs in a
savepoint rolled back after it, as an RPC call's transaction is when it fails. A database integrity error is
counted clean only as Odoo's RPC layer reports it (``retrying`` turns it into a ``ValidationError``).
"""

import logging
import math
import time
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.service.model import call_kw
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import ErpCrmCommon

_logger = logging.getLogger(__name__)

EXAMPLES = 3000
HUGE = "Ж" * 100_000
# What erp_crm evaluates or renders, written the way an attacker (or a typo) would.
HOSTILE_TEXTS = [
    "",
    " ",
    HUGE,
    "x" * 5000,
    "[('amount_total', '>', 5000)]",
    "[('partner_id.country_id.code', '=', 'DE')]",
    "[('user_id', '=', uid), ('date_order', '<', now)]",
    "[('no_such_field', '=', 1)]",
    "[('amount_total', 'like like', 1)]",
    "[('amount_total', '>')]",
    "['|']",
    "[1, 2, 3]",
    "{'a': 1}",
    "[(",
    "__import__('os').system('id')",
    "[('name', '=', __import__('os').getcwd())]",
    "[('name', '=', object.env)]",
    "[('name', '=', 1 + 1)]",
    "[('name', '=', [].__class__.__base__.__subclasses__())]",
    "lambda: 1",
    "[('erp_crm_abc_class', '=', 'a')]",
    "[('erp_crm_last_invoice_date', '<', today)]",
    "[('sale_order_ids.order_line.product_id', 'in', [1, 2])]",
    "{{ object.name }}",
    "{{ object.partner_id.name }}",
    "{{ object.env.cr.execute('DROP TABLE sale_order') }}",
    "{{ object.sudo().partner_id.bank_ids.acc_number }}",
    "{{ 1/0 }}",
    "{{ object.name",
    "${object.name}",
    "<t t-out='object.env.user.password'/>",
    "{% for x in object %}{{ x }}{% endfor %}",
    "<script>alert(1)</script>",
    "1",
    "0",
    "-1",
    "abc",
    "999999999999999999999",
    "1e400",
    "2026-02-30",
    "2026-01-01 25:61:00",
    "True",
    "None",
    "\x00",
    "'; DROP TABLE sale_order; --",
]
NUMBERS = [0, 1, -1, 2**31, -(2**31) - 1, 2**63, 10**30, 1.5, -0.0, math.nan, math.inf, -math.inf]
JUNK = [None, True, False, "abc", "", [1, 2], {"id": 1}, (), 1.5, [[99]], [(99,)], "[(6, 0, [1])]"]
DATES = ["2026-06-15", "2026-06-15 10:00:00", date(2026, 6, 15), datetime(2026, 6, 15, 10), "yesterday", 20260615]
UNKNOWN_FIELDS = ["no_such_field", "id", "create_uid", "write_date", "__last_update", "display_name", ""]


@tagged("erp_crm", "erp_crm_security", "erp_crm_hostile")
class TestHostileInput(ErpCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Command_ = Command
        cls.company_b = cls.env["res.company"].create({"name": "Windows North"})
        cls.env.user.company_ids += cls.company_b
        cls.user_b = new_test_user(
            cls.env,
            login="hostile_b",
            groups="erp_crm.erp_crm_group_manager",
            company_id=cls.company_b.id,
            company_ids=[Command_.set(cls.company_b.ids)],
        )
        cls.customer = cls.env["res.partner"].create({"name": "Carla Customer", "email": "carla@example.com"})
        cls.customer_b = cls.env["res.partner"].create({"name": "North Customer", "company_id": cls.company_b.id})
        cls.portal = new_test_user(
            cls.env, login="hostile_portal", groups="base.group_portal", partner_id=cls.customer.id
        )
        cls.funnel_b = cls.env["sale.funnel"].create({"name": "North funnel", "company_id": cls.company_b.id})
        cls.stage_b = cls.funnel_b.stage_ids[:1]
        cls.role = cls.env["sale.funnel.role"].create({"name": "Surveyor", "funnel_id": cls.funnel.id})
        cls.role_b = cls.env["sale.funnel.role"].create({"name": "Surveyor", "funnel_id": cls.funnel_b.id})
        cls.desk = cls.env["project.project"].create(
            {"name": "Window service", "is_service_desk": True, "allow_billable": True}
        )
        cls.desk_b = cls.env["project.project"].create(
            {"name": "North service", "is_service_desk": True, "company_id": cls.company_b.id}
        )
        cls.task_stage = cls.env["project.task.type"].create(
            {"name": "New", "project_ids": [Command_.link(cls.desk.id)]}
        )
        cls.task_stage_b = cls.env["project.task.type"].create(
            {"name": "New", "project_ids": [Command_.link(cls.desk_b.id)]}
        )
        cls.robot = cls.env["sale.funnel.robot"].create(
            {"name": "Note", "stage_id": cls.stage_measure.id, "kind": "note", "summary": "Measure"}
        )
        cls.robot_task = cls.env["sale.funnel.robot"].create(
            {
                "name": "Task",
                "stage_id": cls.stage_installation.id,
                "kind": "task",
                "project_id": cls.desk.id,
                "summary": "Install for {{ object.partner_id.name }}",
            }
        )
        cls.deal_own = cls._create_deal(user_id=cls.user_sales.id, partner_id=cls.customer.id)
        cls.deal_other = cls._create_deal(user_id=cls.user_sales_2.id)
        cls.deal_b = cls._create_deal(
            user_id=cls.user_b.id,
            company_id=cls.company_b.id,
            team_id=False,
            funnel_id=cls.funnel_b.id,
            partner_id=cls.customer_b.id,
        )
        cls.request = cls.env["project.task"].create(
            {
                "name": "Leak",
                "project_id": cls.desk.id,
                "partner_id": cls.customer.id,
                "service_order_id": cls.deal_own.id,
            }
        )
        cls.segment = cls.env["res.partner.segment"].create(
            {"name": "Best", "domain": "[('erp_crm_abc_class', '=', 'a')]"}
        )
        cls.policy = cls.env["project.sla.policy"].create(
            {"name": "2 h", "project_id": cls.desk.id, "stage_id": cls.task_stage.id, "working_hours": 2}
        )
        cls.target = cls.env["sale.target"].create(
            {"user_id": cls.user_sales.id, "date_from": "2026-01-01", "date_to": "2026-12-31", "target_won_count": 3}
        )
        cls.service_type = cls.env.ref("erp_crm.project_service_type_question")
        partner_template = cls.env["mail.template"].create(
            {"name": "Partner", "model_id": cls.env["ir.model"]._get_id("res.partner")}
        )
        admin_action = cls.env["ir.actions.server"].create(
            {
                "name": "Admin only",
                "model_id": cls.env["ir.model"]._get_id("sale.order"),
                "state": "code",
                "code": "records.write({'note': 'x'})",
                "group_ids": [Command_.set(cls.env.ref("base.group_system").ids)],
            }
        )
        Fields = cls.env["ir.model.fields"]
        # Ids an attacker would pass for each comodel: another company's, another user's, the wrong model's...
        cls.foreign_ids = {
            "sale.funnel": [cls.funnel.id, cls.funnel_b.id],
            "sale.funnel.stage": [cls.stage_measure.id, cls.stage_b.id, cls.stage_won.id, cls.stage_lost.id],
            "sale.order": [cls.deal_own.id, cls.deal_other.id, cls.deal_b.id],
            "sale.funnel.role": [cls.role.id, cls.role_b.id],
            "sale.funnel.robot": [cls.robot.id, cls.robot_task.id],
            "res.users": [cls.user_sales.id, cls.user_b.id, cls.portal.id, cls.env.ref("base.public_user").id],
            "res.partner": [cls.customer.id, cls.customer_b.id],
            "res.company": [cls.company_b.id],
            "project.project": [cls.desk.id, cls.desk_b.id],
            "project.task.type": [cls.task_stage.id, cls.task_stage_b.id],
            "mail.template": [partner_template.id, cls.env.ref("erp_crm.mail_template_payment_request").id],
            "ir.actions.server": [admin_action.id],
            "ir.model.fields": [
                Fields._get("res.users", "password").id,
                Fields._get("sale.order", "stage_id").id,
                Fields._get("sale.order", "amount_total").id,
                Fields._get("sale.order", "user_id").id,
                Fields._get("sale.order", "commitment_date").id,
            ],
            "sale.lost.reason": [cls.lost_reason.id],
            "project.service.type": [cls.service_type.id],
        }
        cls.users = {"salesperson": cls.user_sales, "portal": cls.portal, "manager": cls.user_manager}
        # model: (values of a create that would be valid for a manager, records to write on)
        cls.targets = {
            "sale.funnel": ({"name": "F"}, [cls.funnel, cls.funnel_b]),
            "sale.funnel.stage": ({"name": "S", "funnel_id": cls.funnel.id}, [cls.stage_measure, cls.stage_b]),
            "sale.lost.reason": ({"name": "R"}, [cls.lost_reason]),
            "sale.funnel.role": ({"name": "Role", "funnel_id": cls.funnel.id}, [cls.role, cls.role_b]),
            "sale.funnel.robot": (
                {"name": "Rb", "stage_id": cls.stage_measure.id, "kind": "note"},
                [cls.robot, cls.robot_task],
            ),
            "sale.order.role.user": (
                {"order_id": cls.deal_own.id, "role_id": cls.role.id, "user_id": cls.user_sales.id},
                [],
            ),
            "project.service.type": ({"name": "T"}, [cls.service_type]),
            "project.sla.policy": (
                {"name": "P", "project_id": cls.desk.id, "stage_id": cls.task_stage.id, "working_hours": 1},
                [cls.policy],
            ),
            "res.partner.segment": ({"name": "Seg", "domain": "[]"}, [cls.segment]),
            "sale.target": (
                {"user_id": cls.user_sales.id, "date_from": "2026-01-01", "date_to": "2026-03-31"},
                [cls.target],
            ),
            "sale.order": (
                {"partner_id": cls.customer.id, "funnel_id": cls.funnel.id},
                [cls.deal_own, cls.deal_other, cls.deal_b],
            ),
            "project.task": ({"name": "Req", "project_id": cls.desk.id}, [cls.request]),
            "sale.order.lost": (
                {"order_ids": [Command_.set(cls.deal_own.ids)], "lost_reason_id": cls.lost_reason.id},
                [],
            ),
            "sale.order.dry.run": ({"order_id": cls.deal_own.id, "stage_id": cls.stage_measure.id}, []),
            "sale.funnel.robot.copy": (
                {"robot_ids": [Command_.set(cls.robot.ids)], "stage_ids": [Command_.set(cls.stage_approval.ids)]},
                [],
            ),
            "sale.funnel.stage.history": ({}, [cls.deal_own.stage_history_ids[:1]]),
            "sale.funnel.robot.run": ({}, []),
            "project.task.sla": ({}, []),
            "res.partner.ranking": ({"partner_id": cls.customer.id, "company_id": cls.env.company.id}, []),
            "res.partner.ranking.snapshot": ({}, []),
            "sale.funnel.report": ({}, []),
            "sale.forecast.report": ({}, []),
            "sale.kpi.report": ({}, []),
            "res.partner.ranking.migration": ({}, []),
        }
        cls.env.flush_all()
        cls.tables = cls._digest_tables()
        cls.figures = {"calls": 0, "clean_refusals": 0, "successes": 0, "integrity": 0, "crashes": [], "changed": []}

    @classmethod
    def _digest_tables(cls):
        tables = {"sale_order", "sale_order_line", "project_task", "mail_activity", "account_move", "ir_cron_trigger"}
        for name in cls.targets:
            model = cls.env[name]
            if model._auto and not model._abstract:
                tables.add(model._table)
        return sorted(tables)

    def _digest(self):
        """One md5 over every row of the addon's tables, the deals, tasks, activities and invoices."""
        self.env.flush_all()
        parts = SQL(" || ").join(
            SQL(
                "COALESCE((SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM %s t), '-')",
                SQL.identifier(table),
            )
            for table in self.tables
        )
        return self.env.execute_query(SQL("SELECT md5(%s)", parts))[0][0]

    # ------------------------------------------------------------------
    # strategies
    # ------------------------------------------------------------------

    def _field_names(self, model):
        Model = self.env[model]
        names = [
            fname
            for fname, field in Model._fields.items()
            if fname not in ("id", "display_name")
            and not fname.startswith("__")
            and (model not in ("sale.order", "project.task") or "erp_crm" in field._modules)
        ]
        return sorted(names)

    def _value_strategy(self, model, fname):
        field = self.env[model]._fields[fname]
        junk = st.sampled_from(JUNK)
        if field.type in ("char", "text", "html"):
            return st.one_of(st.sampled_from(HOSTILE_TEXTS), st.text(max_size=40), junk)
        if field.type in ("integer", "float", "monetary"):
            return st.one_of(
                st.sampled_from(NUMBERS), st.integers(), st.floats(), st.sampled_from(HOSTILE_TEXTS[30:40])
            )
        if field.type == "boolean":
            return st.one_of(st.booleans(), junk, st.sampled_from(NUMBERS))
        if field.type == "selection":
            keys = [key for key, _label in field._description_selection(self.env)] if field.selection else []
            return st.one_of(st.sampled_from(keys or ["x"]), junk, st.sampled_from(["nope", 1, 2**40]))
        if field.type in ("date", "datetime"):
            return st.one_of(st.sampled_from(DATES), st.sampled_from(HOSTILE_TEXTS[37:42]), junk)
        ids = st.sampled_from(self.foreign_ids.get(field.comodel_name, [1]) + [0, -1, 10**9, 2**31, 2**70])
        if field.type == "many2one":
            return st.one_of(ids, junk, st.sampled_from(["1", "abc"]))
        if field.type in ("one2many", "many2many"):
            commands = st.one_of(
                ids.map(lambda i: [Command.link(i)]),
                st.lists(ids, max_size=3).map(lambda some: [Command.set(some)]),
                ids.map(lambda i: [Command.delete(i)]),
                ids.map(lambda i: [Command.unlink(i)]),
                st.just([Command.clear()]),
                st.just([Command.create({"name": HUGE})]),
                st.just([Command.create({"no_such_field": 1})]),
                st.lists(ids, max_size=3),
                st.just([(99, 0, 0)]),
                st.just([(6, 0, "abc")]),
            )
            return st.one_of(commands, junk)
        return junk

    @st.composite
    def _call(draw, self):  # noqa: N805 - hypothesis' composite passes draw first
        model = draw(st.sampled_from(sorted(self.targets)))
        base, records = self.targets[model]
        user = draw(st.sampled_from(sorted(self.users)))
        method = draw(st.sampled_from(["create", "write"] if records else ["create"]))
        fnames = self._field_names(model)
        chosen = draw(st.lists(st.sampled_from(fnames), min_size=1, max_size=3, unique=True))
        vals = {fname: draw(self._value_strategy(model, fname)) for fname in chosen}
        if draw(st.integers(0, 9)) == 0:
            vals[draw(st.sampled_from(UNKNOWN_FIELDS))] = draw(st.sampled_from(JUNK + [HUGE]))
        if method == "create":
            return model, user, "create", [{**base, **vals}]
        record = draw(st.sampled_from(records))
        return model, user, "write", [record.ids, vals]

    # ------------------------------------------------------------------
    # the property
    # ------------------------------------------------------------------

    def _rpc(self, model, user, method, args):
        """``model.method(*args)`` as ``user`` calls it over RPC, in a savepoint always rolled back.

        Returns "ok" or "refused"; records a crash (any other exception) or a change left behind."""
        figures = self.figures
        figures["calls"] += 1
        outcome = "refused"
        savepoint = self.env.cr.savepoint()
        try:
            result = call_kw(self.env[model].with_user(self.users[user]), method, args, {})
            self.env.flush_all()
            self._check_result(model, method, args, result)
            outcome = "ok"
        except UserError:
            pass
        except IntegrityError:
            # Odoo's RPC layer (odoo.service.model.retrying) answers a ValidationError naming the constraint
            figures["integrity"] += 1
        except Exception as error:  # noqa: BLE001 - what the test counts: any other exception is a crash
            figures["crashes"].append(
                f"{user} {model}.{method}{tuple(args)!r:.300}: {type(error).__name__}: {error!s:.300}"
            )
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all(flush=False)
        if outcome == "ok":
            figures["successes"] += 1
        else:
            figures["clean_refusals"] += 1
        if self._digest() != self.baseline:
            figures["changed"].append(f"{user} {model}.{method}{tuple(args)!r:.300}")
            self.baseline = self._digest()
        return outcome

    def _check_result(self, model, method, args, result):
        """A call that succeeded left valid records: they exist, read back, and hold their constraints."""
        ids = [result] if method == "create" else args[0]
        records = self.env[model].sudo().browse(ids)
        self.assertTrue(records.exists(), f"{model}.{method} returned records that do not exist")
        stored = [fname for fname, field in records._fields.items() if field.store and field.type != "binary"]
        records.read(stored)
        vals = args[0] if method == "create" else args[1]
        records._validate_fields([fname for fname in vals if fname in records._fields])

    def test_hostile_calls_end_cleanly_and_change_nothing(self):
        self.baseline = self._digest()
        started = time.monotonic()

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(self._call())
        def property_(call):
            self._rpc(*call)

        with mute_logger(
            "odoo.models",
            "odoo.models.unlink",
            "odoo.addons.base.models.ir_rule",
            "odoo.sql_db",
            "odoo.addons.mail.models.mail_render_mixin",
            "odoo.fields",
        ):
            property_()
        figures = self.figures
        summary = (
            f"hostile input: {figures['calls']} calls in {time.monotonic() - started:.0f} s, "
            f"{figures['clean_refusals']} refused cleanly ({figures['integrity']} integrity errors, which RPC "
            f"answers as ValidationError), {figures['successes']} legitimate successes, "
            f"{len(figures['crashes'])} crashes, {len(figures['changed'])} changes left behind"
        )
        print(summary)  # noqa: T201 - the figures the README quotes
        _logger.info(summary)
        self.assertFalse(figures["crashes"], "calls that crashed:\n" + "\n".join(figures["crashes"][:60]))
        self.assertFalse(figures["changed"], "calls that left changes:\n" + "\n".join(figures["changed"][:60]))
        self.assertGreaterEqual(figures["calls"], 1000)
        self.assertGreater(figures["successes"], 0, "some calls are legitimate and succeed")

    def test_malformed_values_are_refused_with_the_field_name(self):
        """The guard's refusals name the field and say what it takes; nothing is written."""
        robot = self.robot.with_user(self.user_manager)
        cases = [
            (robot, {"delay_amount": "abc"}, "Delay: 'abc' is not a whole number"),
            (robot, {"delay_amount": 2**40}, "Delay: 1099511627776 is not a whole number within"),
            (robot, {"kind": ["note"]}, "is not one of"),
            (robot, {"role_id": "abc"}, "Role: 'abc' is not the id of a record"),
            (robot, {"no_such_field": 1}, "has no field “no_such_field”"),
            (self.policy.with_user(self.user_manager), {"working_hours": float("nan")}, "is not a number"),
            (self.deal_own.with_user(self.user_sales), {"role_user_ids": [(99, 0)]}, "a list of ids or of commands"),
            (self.deal_own.with_user(self.user_sales), {"installation_date": "tomorrow"}, "is not a date"),
        ]
        for record, vals, message in cases:
            with self.subTest(vals=vals), self.assertRaisesRegex(ValidationError, message):
                record.write(vals)
        self.assertEqual(self.robot.delay_amount, 0)
        self.assertEqual(self.robot.kind, "note")


# ----------------------------------------------------------------------
# Configuration bounds and NUL characters (issue 18, items 4 and 6)
# ----------------------------------------------------------------------

NUMBER_TYPES = ("integer", "float", "monetary")
# Inputs no number field takes: huge, not finite, of the wrong type, with a NUL character.
REFUSED_NUMBERS = [10**30, 1e300, math.nan, math.inf, -math.inf, "abc", [1], {"a": 1}, "1\x00", b"1", "1e400"]
REFUSED_HUGE = {"integer": [2**31, 2**40, "99999999999"], "float": [1e16], "monetary": [1e16]}


@tagged("erp_crm", "erp_crm_security", "erp_crm_hostile")
class TestConfigurationBounds(ErpCrmCommon):
    """Every number field erp_crm adds (its models and Odoo's), written over the public create/write by a user who may
    configure everything: huge, negative, NaN, infinite, wrong-type and NUL inputs end in a ValidationError or a
    UserError (AccessError included), and a refused call has written nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env,
            login="bounds_admin",
            groups="base.group_system,erp_crm.erp_crm_group_manager,project.group_project_manager,"
            "sales_team.group_sale_manager",
        )
        cls.desk = cls.env["project.project"].create({"name": "Service", "is_service_desk": True})
        cls.task_stage = cls.env["project.task.type"].create(
            {"name": "New", "project_ids": [Command.link(cls.desk.id)]}
        )
        cls.policy = cls.env["project.sla.policy"].create(
            {"name": "4 h", "project_id": cls.desk.id, "stage_id": cls.task_stage.id, "working_hours": 4}
        )
        cls.robot = cls.env["sale.funnel.robot"].create(
            {"name": "Note", "stage_id": cls.stage_measure.id, "kind": "note", "summary": "Measure"}
        )
        cls.deal = cls._create_deal()
        cls.request = cls.env["project.task"].create({"name": "Leak", "project_id": cls.desk.id})
        cls.target = cls.env["sale.target"].create(
            {"user_id": cls.user_sales.id, "date_from": "2026-01-01", "date_to": "2026-12-31"}
        )
        cls.segment = cls.env["res.partner.segment"].create({"name": "All", "domain": "[]"})
        # model: values of a valid create (models users cannot create are called with {} and refused)
        cls.create_base = {
            "sale.funnel": {"name": "F"},
            "sale.funnel.stage": {"name": "S", "funnel_id": cls.funnel.id},
            "sale.funnel.robot": {"name": "R", "stage_id": cls.stage_measure.id, "kind": "note"},
            "sale.funnel.role": {"name": "Role", "funnel_id": cls.funnel.id},
            "sale.lost.reason": {"name": "L"},
            "project.service.type": {"name": "T"},
            "project.sla.policy": {
                "name": "P",
                "project_id": cls.desk.id,
                "stage_id": cls.task_stage.id,
                "working_hours": 2,
            },
            "sale.target": {"user_id": cls.user_sales.id, "date_from": "2026-01-01", "date_to": "2026-03-31"},
            "res.partner.segment": {"name": "Seg", "domain": "[]"},
            "project.project": {"name": "P"},
            "project.task": {"name": "T", "project_id": cls.desk.id},
            "sale.order": {"partner_id": cls.partner.id, "funnel_id": cls.funnel.id},
            "res.partner": {"name": "P"},
            "res.users": {"name": "U", "login": "bounds_new_user"},
            "res.company": {"name": "C"},
            "res.config.settings": {},
        }
        cls.number_fields = [
            (name, fname)
            for name in sorted(cls.env.registry)
            if not cls.env[name]._abstract
            for fname, field in cls.env[name]._fields.items()
            if field.type in NUMBER_TYPES and "erp_crm" in field._modules
        ]

    def _record(self, model):
        """A record of ``model`` to write on (any: the admin may write them all, or is refused by the access rules)."""
        known = {
            "sale.funnel": self.funnel,
            "sale.funnel.stage": self.stage_measure,
            "sale.funnel.robot": self.robot,
            "project.sla.policy": self.policy,
            "project.project": self.desk,
            "project.task": self.request,
            "sale.order": self.deal,
            "sale.target": self.target,
            "res.partner.segment": self.segment,
            "res.company": self.env.company,
            "res.partner": self.partner,
            "res.users": self.user_sales,
        }
        Model = self.env[model].with_context(active_test=False)
        return known.get(model) or (Model.search([], limit=1) if Model._auto else Model.browse())

    def _digest(self, model):
        """md5 of the rows of ``model``'s table (and of the companies', which settings write), read by SQL."""
        self.env.flush_all()
        tables = {"res_company", "res_partner", "mail_alias"}
        if self.env[model]._auto:
            tables.add(self.env[model]._table)
        parts = SQL(" || ").join(
            SQL("COALESCE((SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM %s t), '-')", SQL.identifier(t))
            for t in sorted(tables)
        )
        return self.env.execute_query(SQL("SELECT md5(%s)", parts))[0][0]

    def _call(self, model, method, args):
        """``model.method(*args)`` as the admin calls it over RPC, in a savepoint always rolled back.

        Returns "ok", "refused" (nothing written, checked before the rollback) or the crash."""
        savepoint = self.env.cr.savepoint()
        before = self._digest(model)
        try:
            call_kw(self.env[model].with_user(self.admin), method, args, {})
            self.env.flush_all()
            return "ok"
        except UserError as error:
            self.env.invalidate_all(flush=False)
            self.refusals.setdefault(model, str(error)[:150])
            return "refused" if self._digest(model) == before else "refused, but wrote"
        except Exception as error:  # noqa: BLE001 - what the test counts: any other exception is a crash
            return f"{type(error).__name__}: {error!s:.200}"
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all(flush=False)

    def test_sweep_every_number_field_refuses_bad_input_cleanly(self):
        self.assertGreater(len(self.number_fields), 100, "the registry lists erp_crm's number fields")
        self.assertIn(("res.company", "erp_crm_ranking_months"), self.number_fields)
        self.assertIn(("res.config.settings", "erp_crm_reengage_days"), self.number_fields)
        problems = []
        calls = 0
        self.refusals = {}
        with mute_logger("odoo.models", "odoo.sql_db", "odoo.fields", "odoo.addons.base.models.ir_rule"):
            for model, fname in self.number_fields:
                field = self.env[model]._fields[fname]
                target = field.related_field if field.related else field
                Target = self.env[target.model_name]
                bounds = (
                    Target._erp_crm_number_bounds().get(target.name)
                    if hasattr(Target, "_erp_crm_number_bounds")
                    else None
                )
                refused = REFUSED_NUMBERS + REFUSED_HUGE[field.type]
                if bounds:
                    refused.append(bounds[1] + 1)
                    if bounds[0] >= 0:
                        refused.append(-1)
                record = self._record(model)
                for value in [*refused, -1]:
                    must_refuse = value in refused or (isinstance(value, float) and math.isnan(value))
                    calls_of_value = [("create", [{**self.create_base.get(model, {}), fname: value}])]
                    if record:
                        calls_of_value.append(("write", [record.ids, {fname: value}]))
                    for method, args in calls_of_value:
                        calls += 1
                        outcome = self._call(model, method, args)
                        if outcome == "ok" and not must_refuse:
                            continue
                        if outcome != "refused":
                            problems.append(f"{model}.{method} {fname}={value!r:.40}: {outcome}")
        _logger.info(
            "configuration bounds: %s calls on %s number fields, refusals: %s",
            calls,
            len(self.number_fields),
            self.refusals,
        )
        self.assertGreater(calls, 2000)
        self.assertFalse(problems, f"{len(problems)} of {calls} calls:\n" + "\n".join(problems[:80]))
