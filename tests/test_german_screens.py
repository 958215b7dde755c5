import re

import polib

from odoo.modules.module import get_manifest
from odoo.tests import tagged
from odoo.tools.convert import convert_file
from odoo.tools.misc import file_path

from .tour_common import TourCase

# A term formatted with values or holding markup is never shown as it is written: it cannot be found whole on a page.
NOT_WHOLE = re.compile(r"%\(|%[sd]|\{\{|<|\bt-")
SCREENS = ("pipeline", "deal", "robot_board", "dashboard")


def english_terms(env):
    """The English strings a German user must not see: each msgid of erp_crm's de.po whose German differs, and the
    English label of each of the addon's fields and selection values whose German label differs."""
    terms = {
        entry.msgid.strip()
        for entry in polib.pofile(file_path("erp_crm/i18n/de.po"))
        if entry.msgstr
        and not entry.obsolete
        and entry.msgstr.strip() != entry.msgid.strip()
        and "\n" not in entry.msgid.strip()
        and not NOT_WHOLE.search(entry.msgid)
    }
    data = env["ir.model.data"].search(
        [("module", "=", "erp_crm"), ("model", "in", ("ir.model.fields", "ir.model.fields.selection"))]
    )
    for model, label in (("ir.model.fields", "field_description"), ("ir.model.fields.selection", "name")):
        records = env[model].browse(data.filtered(lambda d, model=model: d.model == model).mapped("res_id")).exists()
        german = dict(zip(records.ids, records.with_context(lang="de_DE").mapped(label), strict=True))
        terms |= {
            english
            for record, english in zip(records, records.with_context(lang="en_US").mapped(label), strict=True)
            if english and english != german[record.id]
        }
    return terms


def english_on_page(text, terms):
    """The strings of ``terms`` found whole on the page whose text (``innerText``) is ``text``: a line, or a cell of
    a line, equal to a term."""
    pieces = {" ".join(piece.split()) for line in text.splitlines() for piece in line.split("\t")}
    return sorted(pieces & terms)


@tagged("post_install", "-at_install", "erp_crm", "erp_crm_german")
class TestGermanScreens(TourCase):
    """Issue 21: a German salesperson of the demo sees no English string of erp_crm on the pipeline, a deal, the
    robot board and the Deals dashboard: each page's text, collected in the browser, holds none of the addon's
    English terms that have a German translation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        idref = {}
        for filename in get_manifest("erp_crm")["demo"]:  # the demo activates German
            convert_file(cls.env, "erp_crm", filename, idref, mode="init", noupdate=False)
        # Installing German loads the terms of every installed module (as Settings > Languages does).
        installed = cls.env["ir.module.module"].search([("state", "=", "installed")]).mapped("name")
        cls.env["ir.module.module"]._load_module_terms(installed, ["de_DE"])
        cls.anna = cls.env.ref("erp_crm.res_users_demo_sales_anna")
        cls.funnel = cls.env.ref("erp_crm.sale_funnel_windows")
        cls.deal = cls.env.ref("erp_crm.sale_order_demo_26")  # Anna's, in Approval: robots ran, the chatter tells

    def test_the_check_finds_english(self):
        """The check can fail: English terms of the addon on a German page are found, German ones are not."""
        terms = english_terms(self.env)
        self.assertIn("Lost Reasons", terms)
        self.assertIn("Funnel", terms, "a field label")
        page = "Verkauf\tTrichter\nLost Reasons\n  Erstanruf  \nFunnel\t3\nDeal S00012 for the Lost Reasons menu"
        self.assertEqual(english_on_page(page, terms), ["Funnel", "Lost Reasons"])
        self.assertEqual(english_on_page("Verkauf\nVerlustgründe\nTrichter", terms), [])

    def test_german_salesperson_sees_no_english(self):
        self.assertEqual(self.anna.lang, "de_DE")
        self.assertEqual(self.deal.user_id, self.anna)
        urls = {
            "pipeline": "/odoo/deals",
            "deal": f"/odoo/deals/{self.deal.id}",
            "robot_board": f"/odoo/action-erp_crm.sale_funnel_action/{self.funnel.id}",
            "dashboard": "/odoo/action-spreadsheet_dashboard.ir_actions_dashboard_action",
        }
        for screen in SCREENS:
            self.start_tour(urls[screen], f"erp_crm_german_text_{screen}_tour", login=self.anna.login)
        terms = english_terms(self.env)
        for screen in SCREENS:
            text = self.env["ir.attachment"].search([("name", "=", f"erp_crm_page_text_{screen}")]).description
            with self.subTest(screen=screen):
                self.assertTrue(text)
                self.assertEqual(english_on_page(text, terms), [], f"English on the {screen}:\n{text}")
