"""The security review, kept by a test that reads the addon's code (issue 13, item 6).

- every ``sudo()`` carries its reason: a comment on its line or on the line right above it;
- no SQL built by string formatting: ``cr.execute``/``execute_query``/``SQL`` never get an f-string, ``%`` or
  ``+`` on text, or ``str.format``: SQL goes through ``odoo.tools.SQL`` with its parameters;
- nothing the user writes is evaluated as code: no ``eval``/``exec``/``safe_eval`` (conditions and segments are
  parsed as literals, templates rendered by mail's engine as their author);
- every route is reviewed (the website form and the portal's service request, with their protection), and what the
  portal page shows of a deal (``_get_portal_progress``) holds no amount, ranking, nor anything of another deal.
"""

import ast
import importlib
import io
import re
import tokenize
from pathlib import Path

from odoo.tests import tagged

from .common import ErpCrmCommon

ADDON = Path(__file__).resolve().parent.parent
# The addon's runtime code: everything but its tests and benchmarks.
SKIPPED = {"tests", "bench", "scripts", "static", "i18n"}
SQL_CALLS = {"execute", "execute_query", "SQL"}
CODE_CALLS = {"eval", "exec", "safe_eval"}


def addon_python_files():
    return sorted(path for path in ADDON.rglob("*.py") if not SKIPPED & set(path.relative_to(ADDON).parts))


def _source(path):
    return path.relative_to(ADDON), path.read_text(encoding="utf-8")


def sudo_without_reason(name, text):
    """``sudo()`` calls without their reason: a comment on the call's line, on the line above it, or (for a call
    inside a statement spread over several lines) on the statement's lines up to the call or right above it."""
    lines = text.splitlines()
    commented = {
        token.start[0]
        for token in tokenize.generate_tokens(io.StringIO(text).readline)
        if token.type == tokenize.COMMENT
    }
    tree = ast.parse(text, filename=str(name))
    statements = [node for node in ast.walk(tree) if isinstance(node, ast.stmt)]
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "sudo"):
            continue
        line = node.func.end_lineno
        start = max((stmt.lineno for stmt in statements if stmt.lineno <= line <= stmt.end_lineno), default=line)
        above = lines[start - 2].strip() if start > 1 else ""
        if not (commented & set(range(min(start, line - 1), line + 1)) or above.startswith("#")):
            found.append(f"{name}:{line}: {lines[line - 1].strip()}")
    return found


def _is_text(node):
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(node, ast.JoinedStr)


def _formatted_text(node):
    """Whether ``node`` builds text by formatting: f-string, ``%``/``+`` on text, or ``.format()``."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return _is_text(node.left) or _is_text(node.right) or _formatted_text(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _is_text(node.func.value)
    return False


def _call_name(node):
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def formatted_sql_and_eval(name, text):
    """SQL calls whose first argument is formatted text, and calls that evaluate code."""
    tree = ast.parse(text, filename=str(name))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        where = f"{name}:{node.lineno}"
        if name in SQL_CALLS and node.args and _formatted_text(node.args[0]):
            found.append(f"{where}: {name}() of text built by formatting: use odoo.tools.SQL and its parameters")
        if name in CODE_CALLS:
            found.append(f"{where}: {name}() evaluates code")
    return found


@tagged("erp_crm", "erp_crm_security")
class TestSecurityReview(ErpCrmCommon):
    def test_the_scanner_finds_what_it_forbids(self):
        """The rules catch the bad forms (so that a green test means something)."""
        sample = (
            "x = env['sale.order'].sudo()\n"
            "# sudo: the reason\n"
            "y = env['sale.order'].sudo()\n"
            "z = env['sale.order'].sudo()  # sudo: the reason\n"
            "# sudo: the reason, above a statement over two lines\n"
            "w = (env['sale.order']\n"
            "     .sudo())\n"
            "v = (env['sale.order']\n"
            "     .sudo())\n"
            "cr.execute(f'SELECT {x}')\n"
            "cr.execute('SELECT %s' % x)\n"
            "env.execute_query('SELECT ' + x)\n"
            "cr.execute('SELECT {}'.format(x))\n"
            "SQL(f'SELECT {x}')\n"
            "cr.execute(SQL('SELECT %s', x))\n"
            "safe_eval(x)\n"
        )
        self.assertEqual([f.split(":")[1] for f in sudo_without_reason("sample", sample)], ["1", "9"])
        self.assertEqual(
            [int(f.split(":")[1]) for f in formatted_sql_and_eval("sample", sample)],
            [10, 11, 12, 13, 14, 16],
            "line 15 is SQL with parameters",
        )

    def test_every_sudo_has_its_reason(self):
        files = addon_python_files()
        self.assertGreater(len(files), 40, "the addon's Python files were found")
        missing = [line for path in files for line in sudo_without_reason(*_source(path))]
        self.assertFalse(missing, "sudo() without its reason (a comment on the line or above):\n" + "\n".join(missing))

    def test_no_sql_built_by_string_formatting_nor_evaluated_code(self):
        found = [line for path in addon_python_files() for line in formatted_sql_and_eval(*_source(path))]
        self.assertFalse(found, "\n".join(found))

    def test_every_route_is_reviewed(self):
        """The addon's routes are the two reviewed ones, with their protection: a new route, or a route losing its
        CSRF check or gaining a session, fails here until it is reviewed (and tested as its attacker would call it).

        - ``/erp_crm/intake``: the website form (public, no CSRF since external sites cannot hold Odoo's token):
          the funnel's secret token, a rate limit per address held in PostgreSQL, the same answer whatever
          happened (``tests/test_intake_web.py``);
        - ``/my/orders/<id>/service_request``: Odoo's portal (CSRF checked), the order's own customer only, 404 for
          anyone else (``tests/test_service_portal.py``).
        """
        reviewed = {
            "/erp_crm/intake": {"auth": "public", "csrf": False, "methods": ["POST"], "save_session": False},
            "/my/orders/<int:order_id>/service_request": {"auth": "public", "csrf": True, "methods": ["POST"]},
        }
        routes = {}
        for path in sorted((ADDON / "controllers").glob("*.py")):
            module = importlib.import_module(f"odoo.addons.erp_crm.controllers.{path.stem}")
            for cls in vars(module).values():
                if isinstance(cls, type) and cls.__module__ == module.__name__:
                    for method in vars(cls).values():
                        routing = getattr(method, "original_routing", None)
                        if routing:
                            for url in routing["routes"]:
                                routes[url] = routing
        self.assertEqual(set(routes), set(reviewed), "routes of the addon")
        for url, expected in reviewed.items():
            self.assertEqual({key: routes[url].get(key, True) for key in expected}, expected, url)
        outside = [
            f"{path.relative_to(ADDON)}"
            for path in addon_python_files()
            if "http.route" in path.read_text("utf-8") and path.parent.name != "controllers"
        ]
        self.assertFalse(outside, "routes live in controllers/")

    def test_portal_page_shows_no_amount_ranking_nor_other_deals(self):
        """What the portal order page adds (the progress) names stages and dates of this deal only."""
        self.stage_call.customer_note = "We call you within a day."
        deal = self._create_deal(user_id=self.user_sales.id)
        other = self._create_deal(title="Secret neighbour deal")
        other.stage_id = self.stage_measure
        progress = deal.sudo()._get_portal_progress()  # the portal controller renders the order as sudo
        self.assertEqual(set(progress), {"stages", "next_step", "dates"})
        self.assertEqual({key for step in progress["stages"] for key in step}, {"name", "note", "state"})
        text = repr(progress)
        for secret in (str(deal.amount_total), "Secret neighbour deal", other.name, "abc_class", "probability"):
            self.assertNotIn(secret, text)
        templates = (ADDON / "views" / "sale_order_portal_templates.xml").read_text("utf-8")
        self.assertFalse(
            re.findall(r"amount|erp_crm_abc|rfm|ranking|probability|user_id", templates),
            "the portal template shows only the progress",
        )
