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
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.service.model import call_kw
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import ErpCrmCommon
from .ranking_common import TODAY, RankingCommon
from .service_common import ServiceCommon
from .test_robot_cron import T0, run_cron
from .test_robots import RobotCommon

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
        cls.template = cls.env.ref("erp_crm.sale_funnel_template_heat_pump")
        template = {"template_id": cls.template.id, "name": "T"}
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
            "sale.funnel.template": {"name": "T"},
            "sale.funnel.template.stage": template,
            "sale.funnel.template.role": template,
            "sale.funnel.template.robot": template,
            "sale.funnel.template.task.stage": template,
            "sale.funnel.template.sla": {
                **template,
                "stage_id": cls.template.task_stage_ids[:1].id,
                "working_hours": 2,
            },
        }
        cls.refusals = {}  # model: the first refusal met (what the log shows of the sweep)
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
            self.env.cr.clear()  # what the refused call left in the cache is dropped, as its transaction would be
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

    def test_too_big_values_are_refused_naming_the_field(self):
        """The saves of the issue: each refused with the field's name and its bound; nothing written."""
        admin = self.admin
        Settings = self.env["res.config.settings"].with_user(admin)
        cases = [
            (
                self.policy,
                {"working_hours": 1e9},
                r"Within \(Working Hours\): 1000000000.0 is not between 0 and 8,784 \(a year\)",
            ),
            (self.stage_measure, {"max_hours": 1e12}, r"Time Limit \(working hours\): .* is not between 0 and 8,784"),
            (self.robot, {"delay_amount": 2147483647}, r"Delay: 2147483647 is not between 0 and 527,040 \(a year\)"),
            (
                self.robot,
                {"delay_amount": 400, "delay_unit": "working_days"},
                "Delay: robot “Note” waits at most a year",
            ),
            (self.robot, {"deadline_amount": 9000, "deadline_unit": "hours"}, "Deadline: robot “Note” waits at most"),
            (self.funnel, {"cycle_days": 1e300}, r"Average Cycle \(days\): 1e\+300 is not a number within"),
            (
                self.funnel,
                {"cycle_days": 4000},
                r"Average Cycle \(days\): 4000 is not between 0 and 3,660 \(ten years\)",
            ),
            (
                self.funnel,
                {"escalation_minutes": 2147483647},
                r"Escalation Grace \(minutes\): 2147483647 is not between",
            ),
            (self.env.company, {"erp_crm_reengage_days": 2147483647}, r"Re-engage After \(days\): 2147483647 is not"),
            (self.target, {"target_won_count": 10**7}, "Deals Won Target: 10000000 is not between 0 and 1,000,000"),
        ]
        for record, vals, message in cases:
            before = record.read(list(vals))[0]
            with self.subTest(vals=vals), self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
                record.with_user(admin).write(vals)
            self.assertEqual(record.read(list(vals))[0], before, "nothing written")
        with self.assertRaisesRegex(ValidationError, r"Ranking Period \(months\): 100000 is not between 1 and 120"):
            Settings.create({"erp_crm_ranking_months": 100000}).execute()
        self.assertEqual(self.env.company.erp_crm_ranking_months, 12)
        # what a business does configure still saves
        self.robot.with_user(admin).write({"delay_amount": 260, "delay_unit": "working_days"})
        self.stage_measure.with_user(admin).write({"max_hours": 8784})
        Settings.create({"erp_crm_ranking_months": 120}).execute()
        self.assertEqual(self.env.company.erp_crm_ranking_months, 120)

    def test_nul_characters_are_refused_in_any_text(self):
        """NUL characters (which PostgreSQL never stores) in erp_crm's text fields and in Odoo's own fields of the
        models erp_crm extends, in lines created with a record too: a clean refusal naming the field."""
        models_ = sorted(
            name
            for name in self.env.registry
            if not self.env[name]._abstract and hasattr(self.env[name], "_erp_crm_check_values")
        )
        problems, calls = [], 0
        for model in models_:
            record = self._record(model)
            if not record:
                continue
            Model = self.env[model]
            fnames = [
                fname
                for fname, field in Model._fields.items()
                if field.type in ("char", "text", "html")
                and ("erp_crm" in field._modules or fname == "name")
                # not the values Odoo's mixins take out before the guard (a funnel's alias settings)
                and not (
                    field.related and not hasattr(self.env[field.related_field.model_name], "_erp_crm_check_values")
                )
            ]
            for fname in fnames:
                calls += 1
                outcome = self._call(model, "write", [record.ids, {fname: "<p>a\x00b</p>"}])
                if outcome != "refused":
                    problems.append(f"{model}.write {fname}: {outcome}")
        self.assertGreater(calls, 30)
        self.assertFalse(problems, "\n".join(problems))
        with self.assertRaisesRegex(ValidationError, r"Customer Reference: 'x\\x00' is not text without NUL"):
            self.deal.with_user(self.user_sales).write({"client_order_ref": "x\x00"})
        with self.assertRaisesRegex(ValidationError, "without NUL characters"):
            self.env["sale.order"].with_user(self.user_sales).create(
                {
                    "partner_id": self.partner.id,
                    "order_line": [Command.create({"product_id": self.product.id, "name": "Window\x00"})],
                }
            )

    def test_team_keeps_its_funnel_on_malformed_input(self):
        team = self.sale_team.with_user(self.admin)
        for value in ("abc", [1], 2**40, 1.5, "1\x00"):
            with self.subTest(value=value), self.assertRaisesRegex(ValidationError, "Default Funnel: .* is not"):
                team.write({"funnel_id": value})
        self.assertEqual(self.sale_team.funnel_id, self.funnel)
        for value in ("abc", [1], 2**40):
            with self.subTest(value=value), self.assertRaisesRegex(ValidationError, "Default Funnel"):
                self.env["crm.team"].with_user(self.admin).create({"name": "T", "funnel_id": value})
            with (
                self.subTest(value=value),
                self.assertRaisesRegex(ValidationError, "Service Desk|Default Request Type"),
            ):
                self.desk.with_user(self.admin).write({"service_type_id": value})

    def test_funnel_chart_refuses_malformed_arguments(self):
        Report = self.env["sale.funnel.report"].with_user(self.user_manager)
        for kwargs in (
            {"funnel_id": "abc"},
            {"funnel_id": [self.funnel.id]},
            {"funnel_id": 2**40},
            {"funnel_id": -1},
            {"funnel_id": True},
            {"funnel_id": {"id": 1}},
            {"period": "abc"},
            {"period": [30]},
            {"period": 10**30},
            {"period": 1e300},
            {"period": math.nan},
            {"period": -5},
            {"period": "30\x00"},
        ):
            with self.subTest(kwargs=kwargs), self.assertRaisesRegex(UserError, "funnel chart"):
                call_kw(Report, "get_funnel_chart_data", [], kwargs)
        data = call_kw(Report, "get_funnel_chart_data", [], {"funnel_id": self.funnel.id, "period": "30"})
        self.assertEqual(data["funnel_id"], self.funnel.id)
        self.assertEqual(call_kw(Report, "get_funnel_chart_data", [], {"funnel_id": 2**31 - 1})["funnel_id"], False)


def _write_past_the_bounds(record, fname, value):
    """A value saved before the bounds existed (legacy data): written by SQL, past the guard and constraints."""
    record.env.flush_all()
    record.env.execute_query(
        SQL(
            "UPDATE %s SET %s = %s WHERE id = %s",
            SQL.identifier(record._table),
            SQL.identifier(fname),
            value,
            record.id,
        )
    )
    record.invalidate_recordset([fname])


@tagged("erp_crm", "erp_crm_hostile")
class TestLegacySettingsOutOfRange(RobotCommon):
    """A setting saved before its bounds fails the record it applies to, cleanly and where users see it; the move,
    the other robots and the crons go on for everything else."""

    def test_move_into_a_stage_with_an_endless_time_limit(self):
        _write_past_the_bounds(self.stage_measure, "max_hours", 1e12)
        self.stage_approval.max_hours = 4
        robot = self._robot(self.stage_measure, kind="note", summary="Measure")
        with freeze_time(T0):
            deal, other = self._create_deal(), self._create_deal()
            deal.with_user(self.user_all).write({"stage_id": self.stage_measure.id})
            other.with_user(self.user_all).write({"stage_id": self.stage_approval.id})
        self.assertEqual(deal.stage_id, self.stage_measure, "the move went through")
        self.assertFalse(deal.sla_deadline)
        self.assertTrue(any("No time limit in stage “Measurement”" in body for body in deal.message_ids.mapped("body")))
        self.assertEqual(deal.robot_run_ids.filtered(lambda run: run.robot_id == robot).state, "done")
        self.assertEqual(other.sla_deadline, T0 + timedelta(hours=4), "other stages keep their time limit")

    def test_robot_with_an_endless_delay_fails_alone(self):
        bad = self._activity_robot(self.stage_measure, "Call back much later", name="Later", delay_unit="hours")
        good = self._activity_robot(self.stage_measure, "Call back", name="Now", deadline_amount=15)
        _write_past_the_bounds(bad, "delay_amount", 2147483647)
        _write_past_the_bounds(good, "deadline_amount", 2147483647)
        fine = self._activity_robot(self.stage_measure, "Measure", name="Fine", deadline_amount=15)
        with freeze_time(T0):
            deal = self._create_deal()
            deal.with_user(self.user_all).write({"stage_id": self.stage_measure.id})
        self.assertEqual(deal.stage_id, self.stage_measure)
        runs = {run.robot_id: run for run in deal.robot_run_ids}
        self.assertEqual(runs[fine].state, "done")
        self.assertEqual(runs[bad].state, "failed")
        self.assertIn("Delay", runs[bad].message)
        self.assertIn("out of range", runs[bad].message)
        self.assertEqual(runs[good].state, "failed", "its deadline is past any calendar")
        self.assertIn("out of range", runs[good].message)
        alerts = self._activities(deal, user_id=self.user_manager.id)
        self.assertEqual(len(alerts.filtered(lambda a: "failed" in a.summary)), 2, "the funnel manager is told")
        self.assertEqual(len(self._activities(deal, summary="Measure")), 1)

    def test_dry_run_of_a_robot_with_an_endless_delay(self):
        robot = self._activity_robot(self.stage_measure, "Call back", name="Later", delay_unit="hours")
        _write_past_the_bounds(robot, "delay_amount", 2147483647)
        self.assertIn("Would fail: Delay:", robot._describe(self._create_deal()))

    def test_overdue_cron_goes_on_past_an_endless_escalation_grace(self):
        funnel_b = self.env["sale.funnel"].create({"name": "Heat pumps", "user_id": self.user_manager.id})
        funnel_b.escalation_minutes = 30
        self._activity_robot(self.stage_call, "Call", deadline_amount=15, deadline_unit="minutes")
        self._activity_robot(funnel_b.stage_ids[0], "Call", deadline_amount=15, deadline_unit="minutes")
        _write_past_the_bounds(self.funnel, "escalation_minutes", 2147483647)
        with freeze_time(T0):
            deal_a = self._create_deal(user_id=self.user_sales.id)
            deal_b = self._create_deal(user_id=self.user_sales.id, funnel_id=funnel_b.id)
        activity_a, activity_b = self._activities(deal_a), self._activities(deal_b)
        self.assertTrue(activity_a and activity_b)
        with freeze_time(T0 + timedelta(hours=2)), mute_logger("odoo.addons.erp_crm.models.mail_activity"):
            run_cron(self, "erp_crm.ir_cron_overdue_activities")
            run_cron(self, "erp_crm.ir_cron_overdue_activities")
        self.assertTrue(activity_a.overdue_notified_at and activity_b.overdue_notified_at)
        self.assertTrue(activity_b.escalated_at, "the other funnel's activity is escalated")
        self.assertFalse(activity_a.escalated_at, "nothing is overdue by longer than any calendar")

    def test_deal_of_a_funnel_with_an_endless_cycle_arrives(self):
        _write_past_the_bounds(self.funnel, "cycle_days", 1e300)
        with mute_logger("odoo.addons.erp_crm.models.sale_order_forecast"):
            deal = self._create_deal()
        self.assertTrue(deal.exists())
        self.assertFalse(deal.date_expected_close)


@tagged("erp_crm", "erp_crm_hostile")
class TestLegacySlaOutOfRange(ServiceCommon):
    def test_request_arrives_without_the_endless_sla(self):
        _write_past_the_bounds(self.policy_resolution, "working_hours", 1e9)
        request = self._create_request()
        self.assertEqual(request.sla_ids.policy_id, self.policy_response, "the other policy still applies")
        notes = [body for body in request.message_ids.mapped("body") if "No SLA for this request" in body]
        self.assertEqual(len(notes), 1, "noted on the request")
        self.assertIn("Resolved within 4 h", notes[0])


@tagged("erp_crm", "erp_crm_hostile")
@freeze_time(TODAY)
class TestLegacyRankingOutOfRange(RankingCommon):
    def test_cron_ranks_the_other_companies(self):
        _write_past_the_bounds(self.company_b, "erp_crm_ranking_months", 100000)
        with mute_logger("odoo.addons.erp_crm.models.res_partner_ranking"):
            run_cron(self, "erp_crm.ir_cron_partner_ranking")
        self.assertTrue(self._rankings(self.company), "the company with sensible settings is ranked")
        self.assertFalse(self._rankings(self.company_b))
        _write_past_the_bounds(self.company, "erp_crm_reengage_days", 2147483647)
        _write_past_the_bounds(self.company_b, "erp_crm_ranking_months", 12)
        with mute_logger("odoo.addons.erp_crm.models.res_partner_ranking"):
            run_cron(self, "erp_crm.ir_cron_partner_ranking")
        self.assertTrue(self._rankings(self.company_b))

    def test_recompute_button_names_the_company_left_out(self):
        _write_past_the_bounds(self.company_b, "erp_crm_ranking_months", 100000)
        self.user_manager.company_ids += self.company_b
        Ranking = self.Ranking.with_user(self.user_manager).with_context(
            allowed_company_ids=[self.company.id, self.company_b.id]
        )
        action = Ranking.action_recompute()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn(
            "Windows North: Ranking Period (months): 100000 is not between 1 and 120", action["params"]["message"]
        )
        self.assertTrue(self._rankings(self.company))
        self.assertFalse(self._rankings(self.company_b))
