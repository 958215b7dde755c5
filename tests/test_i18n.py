import re

import polib

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

from .common import funnel_stage_commands


@tagged("erp_crm")
class TestTranslations(TransactionCase):
    """The addon ships its terms (``i18n/erp_crm.pot``) and a complete German translation (``i18n/de.po``).
    ``scripts/i18n`` re-exports the terms and merges the new ones into de.po, empty, for a translator to fill."""

    def _german(self):
        po = polib.pofile(file_path("erp_crm/i18n/de.po"))
        return {entry.msgid: entry for entry in po if not entry.obsolete}

    def test_every_term_is_translated_in_german(self):
        """Every term Odoo exports for erp_crm now (views, fields, menus, data, Python and JavaScript code) has a
        German translation in de.po: the failure lists each missing or untranslated one."""
        terms = {row[4] for row in TranslationModuleReader(self.env.cr, modules=["erp_crm"])}
        self.assertGreater(len(terms), 800)
        german = self._german()
        missing = sorted(term for term in terms if term not in german)
        untranslated = sorted(
            term for term in terms if term in german and (not german[term].msgstr or german[term].fuzzy)
        )
        problems = [f"missing from de.po: {term!r}" for term in missing]
        problems += [f"untranslated in de.po: {term!r}" for term in untranslated]
        self.assertFalse(
            problems,
            f"{len(problems)} term(s) of erp_crm lack a German translation; run scripts/i18n and fill them:\n"
            + "\n".join(problems),
        )

    def test_translations_keep_their_placeholders(self):
        """A translation keeps the placeholders its term is formatted with, or formatting it fails at run time."""
        placeholders = r"%\([a-z_]+\)[sdr]|%[sdr]|%%|\{\{.*?\}\}"
        wrong = [
            term
            for term, entry in self._german().items()
            if entry.msgstr and sorted(re.findall(placeholders, term)) != sorted(re.findall(placeholders, entry.msgstr))
        ]
        self.assertFalse(wrong, f"translations that change their placeholders: {wrong}")

    def test_german_user_reads_german(self):
        """With German installed (the language activated and erp_crm's terms loaded, as installing a language
        does), a menu, a field label, a stage's board text and an error message raised in Python read German."""
        self.env["res.lang"]._activate_lang("de_DE")
        self.env["ir.module.module"]._load_module_terms(["erp_crm"], ["de_DE"], overwrite=True)
        env = self.env(context=dict(self.env.context, lang="de_DE"))

        self.assertEqual(env.ref("erp_crm.sale_lost_reason_menu").name, "Verlustgründe")
        self.assertEqual(env.ref("erp_crm.sale_funnel_menu").name, "Trichter")
        self.assertEqual(
            env["sale.funnel.stage"].fields_get(["max_hours"])["max_hours"]["string"], "Zeitlimit (Arbeitsstunden)"
        )
        funnel = env["sale.funnel"].create(
            {"name": "Fenster", "stage_ids": funnel_stage_commands(("Aufmaß", "open"), ("Gewonnen", "won"))}
        )
        stage = funnel.stage_ids[0]
        stage.write({"trigger": "invoice_posted", "gate_prepaid_percent": 50})
        self.assertEqual(stage.board_trigger, "Eine Rechnung ist gebucht → kommt hierher")
        self.assertEqual(stage.board_gates, "Mindestens 50% vorausbezahlt")
        with self.assertRaisesRegex(
            ValidationError, r"Wahrscheinlichkeit \(%\): 150(\.0)? ist nicht zwischen 0 und 100\."
        ):
            stage.probability = 150
