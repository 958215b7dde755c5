"""Every RPC method and route of the addon is read-only or read/write on purpose.

Odoo 19 serves a request on the read replica (``--db_replica_host``) when its route is read-only: for
``/web/dataset/call_kw`` and ``call_button``, when the method called carries ``@api.readonly`` (web's
``_call_kw_readonly`` takes the first class of the model's MRO whose method has ``_readonly``); for a controller, its
route's ``readonly``. A read-only method that writes is replayed on the primary after a ``ReadOnlySqlTransaction``
(twice the work), and a reading screen left unmarked loads the primary for nothing. These tests list what the addon
defines and fail when a new public method or route is marked neither way here; bench/cluster calls each read-only one
through an HTTP node and checks that the standby served it.
"""

import inspect

from odoo.http import _generate_routing_rules
from odoo.tests import TransactionCase, tagged

ADDON_MODULES = "odoo.addons.erp_crm."

# Read-only on purpose: screens and actions that only read (served by the replica).
READ_ONLY = {
    ("mail.activity", "get_activity_data"),  # the activity view of the deals (Odoo's own method, readonly too)
    ("sale.funnel.report", "get_funnel_chart_data"),  # the funnel chart
    ("sale.funnel", "action_open_deals"),
    ("sale.funnel", "action_open_robot_board"),
    ("sale.order", "action_open_deals"),
    ("sale.order", "get_stage_gate_dialog"),  # the stage gate dialog's form, before a move
    ("sale.order", "get_stage_gate_missing_fields"),
    ("sale.order", "action_open_dry_run"),  # opens the dry-run wizard; the wizard's own record is a write
    ("sale.order", "action_open_deal_invoice_wizard"),
    ("sale.order", "action_open_service_request"),
    ("sale.order", "action_view_deal_payments"),
    ("sale.order", "action_view_service_requests"),
    ("res.partner", "action_view_service_requests"),
    ("res.partner.segment", "action_open_partners"),
    ("sale.lost.reason", "action_open_lost_deals"),
    ("sale.funnel.robot", "action_open_copy_wizard"),
}

# Read/write on purpose, whatever the model: the ORM's writes and the chatter's.
WRITE_METHODS = {"create", "write", "unlink", "copy_data", "message_post", "message_new"}
# Read/write on purpose, per model: what they change.
WRITE = {
    ("sale.advance.payment.inv", "default_get"): "none: Odoo's own default_get, routed as Odoo routes it (primary)",
    ("sale.funnel.setup", "action_create"): "creates the funnel of a line of business and all it holds",
    ("mrp.production", "button_mark_done"): "tells the deal that production is done (a stage move)",
    ("res.config.settings", "action_erp_crm_recompute_ranking"): "recomputes and stores the customer ranking",
    ("res.partner.ranking", "action_recompute"): "recomputes and stores the customer ranking",
    ("res.partner.segment", "action_sync_mailing_list"): "writes the segment's mailing list",
    ("sale.funnel", "action_generate_intake_token"): "stores a new intake token",
    ("sale.funnel", "action_revoke_intake_token"): "clears the intake token",
    ("sale.funnel.robot.copy", "action_copy"): "creates robots",
    ("sale.order", "action_confirm"): "confirms the order (and moves the deal)",
    ("sale.order", "action_draft"): "resets the order",
    ("sale.order", "action_erp_crm_dismiss_matched_customer"): "clears the matched customer",
    ("sale.order", "action_erp_crm_use_matched_customer"): "sets the customer",
    ("sale.order", "action_mark_lost"): "moves the deal to lost",
    ("sale.order", "action_mark_won"): "moves the deal to won",
    ("sale.order", "action_quotation_sent"): "marks the quotation sent (an ERP trigger)",
    ("sale.order", "action_restore"): "moves the deal back",
    ("sale.order.lost", "action_mark_lost"): "moves the deals to lost",
}


def public_methods(env):
    """{(model, method): read-only as Odoo routes it} for the public methods (RPC-callable: no leading underscore,
    no ``@api.private`` anywhere in the MRO) that the addon's classes define, overrides included."""
    found = {}
    for model_name in env.registry:
        cls = type(env[model_name])
        for klass in cls.__mro__:
            if not klass.__module__.startswith(ADDON_MODULES):
                continue
            for name, member in vars(klass).items():
                if name.startswith("_") or not callable(member) or inspect.isclass(member):
                    continue
                if any(getattr(getattr(k, name, None), "_api_private", False) for k in cls.__mro__):
                    continue
                found[model_name, name] = routed_readonly(cls, name)
    return found


def routed_readonly(cls, name):
    """As web's ``DataSet._call_kw_readonly``: the first class of the MRO whose method has ``_readonly``."""
    for klass in cls.__mro__:
        method = getattr(klass, name, None)
        if method is not None and hasattr(method, "_readonly"):
            return method._readonly
    return False


@tagged("erp_crm", "erp_crm_replica")
class TestRpcReadonly(TransactionCase):
    def test_every_public_method_is_marked_on_purpose(self):
        methods = public_methods(self.env)
        self.assertIn(("sale.order", "action_mark_won"), methods, "the listing finds the addon's methods")
        unmarked = sorted(
            key for key in methods if key not in READ_ONLY and key not in WRITE and key[1] not in WRITE_METHODS
        )
        self.assertFalse(
            unmarked,
            "New public methods: add @api.readonly to those that only read, and list each in READ_ONLY or WRITE "
            f"of tests/test_rpc_readonly.py: {unmarked}",
        )
        not_readonly = sorted(key for key in READ_ONLY if not methods.get(key))
        self.assertFalse(not_readonly, f"Listed read-only but routed to the primary (no @api.readonly): {not_readonly}")
        readonly_writes = sorted(key for key, readonly in methods.items() if readonly and key not in READ_ONLY)
        self.assertFalse(readonly_writes, f"Routed to the replica but not listed as read-only: {readonly_writes}")
        gone = sorted(key for key in READ_ONLY | set(WRITE) if key not in methods)
        self.assertFalse(gone, f"Listed here but no longer defined by the addon: {gone}")

    def test_readonly_methods_do_not_write(self):
        """The read-only openers answer on a read-only transaction (as on the standby): none of them writes."""
        partner = self.env["res.partner"].create({"name": "Replica customer"})
        deal = self.env["sale.order"].create({"partner_id": partner.id})
        records = {
            "sale.order": deal,
            "sale.funnel": deal.funnel_id,
            "res.partner": deal.partner_id,
            "sale.lost.reason": self.env["sale.lost.reason"].create({"name": "Too expensive (replica test)"}),
            "res.partner.segment": self.env["res.partner.segment"].search([], limit=1),
            "sale.funnel.robot": self.env["sale.funnel.robot"].search([], limit=1),
        }
        # a stage asking for the appointment: the gate dialog's form is built on the read-only transaction too
        gate_stage = (deal.funnel_id.stage_ids - deal.stage_id).filtered(lambda stage: stage.kind == "open")[:1]
        gate_stage.gate_field_ids = self.env["ir.model.fields"]._get("sale.order", "appointment_at")
        with_stage = {"get_stage_gate_dialog", "get_stage_gate_missing_fields"}
        self.env.flush_all()
        self.env.cr.execute("SET TRANSACTION READ ONLY")
        called = []
        for model, method in sorted(READ_ONLY):
            if model not in records or not records[model]:
                continue
            if (model, method) == ("sale.order", "action_open_service_request") and not deal._erp_crm_service_desk():
                continue
            if method in with_stage:
                result = getattr(records[model], method)(gate_stage.id)
                self.env.flush_all()
                self.assertTrue(result, f"{model}.{method} asks for the appointment")
                called.append((model, method))
                continue
            result = getattr(records[model], method)()
            self.env.flush_all()  # a pending write would fail here, on the read-only transaction
            self.assertEqual(result.get("type"), "ir.actions.act_window", f"{model}.{method} opens a window")
            called.append((model, method))
        self.assertIn(("sale.order", "action_open_deals"), called)
        self.assertIn(("sale.order", "get_stage_gate_dialog"), called)

    def test_every_route_is_marked_on_purpose(self):
        """The addon's controllers: a route that writes (a request, a deal from a form) is read/write on purpose."""
        expected = {
            "erp_crm_intake": False,  # creates a deal from a web form
            "portal_order_service_request": False,  # creates a service request from the portal
        }
        found = {}
        modules = self.env.registry._init_modules
        for _url, endpoint in _generate_routing_rules(modules, nodb_only=False):
            name = endpoint.func.__name__
            owners = [k for k in type(endpoint.func.__self__).mro() if name in vars(k)]
            if owners and owners[0].__module__.startswith(ADDON_MODULES):
                found[name] = endpoint.routing["readonly"]
        self.assertEqual(found, expected, "Routes of the addon: mark each readonly=True/False on purpose here")
