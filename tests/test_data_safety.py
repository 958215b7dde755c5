"""Data safety: upgrade in place from the previous release, update, uninstall (scripts/data_safety.py, on a
throw-away database of its own, a few minutes), and the demo loaded twice (in this database, rolled back)."""

import importlib.util
import os
import shutil
import subprocess
import sys

from odoo.modules.module import get_manifest, get_module_path
from odoo.tests import TransactionCase, freeze_time, tagged
from odoo.tools import SQL, config
from odoo.tools.convert import convert_file
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationImporter

from odoo.addons.erp_crm.tools.migration import load_data_records

SCRIPT_TIMEOUT = 1800  # seconds: the script's four Odoo processes, on a busy machine


@tagged("erp_crm", "erp_crm_slow", "erp_crm_data_safety")
class TestUpgradeAndUninstall(TransactionCase):
    def test_upgrade_update_and_uninstall_keep_the_data(self):
        """The previous release's database upgrades in place; -u keeps what users configured; uninstalling keeps
        every sale order, invoice, task and partner."""
        repo = os.path.realpath(get_module_path("erp_crm"))
        in_git = shutil.which("git") and not subprocess.run(["git", "-C", repo, "rev-parse"], check=False).returncode
        if not in_git:
            self.skipTest("the previous release is taken from git history, which this checkout does not have")
        exposed = os.path.dirname(get_module_path("erp_crm"))
        odoo_addons = ",".join(
            path for path in config["addons_path"] if os.path.realpath(path) != os.path.realpath(exposed)
        )
        db_args = [
            f"--db-arg=--{option}={config[option]}"
            for option in ("db_host", "db_port", "db_user", "db_password")
            if config.get(option)
        ]
        result = subprocess.run(
            [sys.executable, os.path.join(repo, "scripts", "data_safety.py"), f"--odoo-addons={odoo_addons}", *db_args],
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT,
            check=False,
        )
        print(result.stdout)
        if result.returncode == 77:
            self.skipTest(result.stdout.strip())
        self.assertEqual(result.returncode, 0, result.stdout[-3000:] + result.stderr[-6000:])
        self.assertIn("checks passed", result.stdout.splitlines()[-1])


@tagged("erp_crm", "erp_crm_data_safety")
@freeze_time("2026-03-11 10:00:00")  # the demo counts deadlines and history in working time from now
class TestDemoTwice(TransactionCase):
    """``scripts/demo`` run a second time updates the module (``-u erp_crm``): the demo files load again in update
    mode. Nothing is created twice."""

    TABLES = (
        "sale_order", "sale_order_line", "sale_funnel", "sale_funnel_stage", "sale_funnel_robot",
        "sale_funnel_robot_run", "sale_funnel_stage_history", "res_partner", "res_users", "product_template",
        "mrp_bom", "account_move", "account_payment", "project_project", "project_task", "mail_activity",
        "crm_team", "utm_source",
    )  # fmt: skip

    def _load_demo(self, mode):
        idref = {}
        for filename in get_manifest("erp_crm")["demo"]:
            convert_file(self.env, "erp_crm", filename, idref, mode=mode, noupdate=False)
        self.env.flush_all()

    def _counts(self):
        return {
            table: self.env.execute_query(SQL("SELECT count(*) FROM %s", SQL.identifier(table)))[0][0]
            for table in self.TABLES
        }

    def test_demo_loaded_twice_creates_nothing_twice(self):
        self._load_demo("init")
        first = self._counts()
        self.assertGreater(first["sale_order"], 0)
        self._load_demo("update")
        self.assertEqual(self._counts(), first)


@tagged("erp_crm", "erp_crm_data_safety")
class TestTemplateMigration(TransactionCase):
    """19.0.1.3.0's migration brings the shipped email templates (noupdate) to this release's text and German
    translation, only where the database still holds them as the previous release shipped them."""

    XMLID = "mail_template_payment_request"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("de_DE")
        cls.template = cls.env.ref(f"erp_crm.{cls.XMLID}")
        cls.migration_dir = os.path.dirname(file_path("erp_crm/migrations/19.0.1.3.0/post-migrate.py"))

    def _migrate(self):
        spec = importlib.util.spec_from_file_location(
            "erp_crm_post_migrate_19_0_1_3_0", os.path.join(self.migration_dir, "post-migrate.py")
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(self.env.cr, "19.0.1.2.0")
        self.env.invalidate_all()

    def _ship_previous_release(self, german=True):
        """The template as 19.0.1.2.0 shipped it: its file, and its German translation when German was loaded."""
        load_data_records(self.env, os.path.join(self.migration_dir, "mail_template_data.xml"), [self.XMLID])
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                "UPDATE mail_template SET body_html = jsonb_build_object('en_US', body_html->'en_US'), "
                "subject = jsonb_build_object('en_US', subject->'en_US') WHERE id = %s",
                self.template.id,
            )
        )
        if german:
            importer = TranslationImporter(self.env.cr, verbose=False)
            importer.load_file(os.path.join(self.migration_dir, "de.po"), "de_DE", xmlids={f"erp_crm.{self.XMLID}"})
            importer.save(overwrite=True, force_overwrite=True)
        self.env.invalidate_all()
        self.assertIn("Dear <t", self.template.body_html)
        return self._texts()

    def _texts(self):
        template = self.template
        return {
            lang: (template.with_context(lang=lang).subject, str(template.with_context(lang=lang).body_html))
            for lang in ("en_US", "de_DE")
        }

    def _assert_shipped(self):
        texts = self._texts()
        self.assertIn("_erp_crm_salutation()", texts["en_US"][1])
        self.assertIn("payment request", texts["en_US"][0])
        self.assertIn("_erp_crm_salutation()", texts["de_DE"][1])
        self.assertIn("Anbei erhalten Sie die Zahlungsaufforderung", texts["de_DE"][1])
        self.assertNotIn("Sehr geehrte(r)", texts["de_DE"][1])
        self.assertIn("Zahlungsaufforderung", texts["de_DE"][0])

    def test_unchanged_template_gets_the_shipped_text_and_translation(self):
        before = self._ship_previous_release()
        self.assertIn("Sehr geehrte(r)", before["de_DE"][1])
        self._migrate()
        self._assert_shipped()

    def test_english_only_template_gets_its_german(self):
        before = self._ship_previous_release(german=False)
        self.assertEqual(before["de_DE"], before["en_US"], "no German: German readers get the English")
        self._migrate()
        self._assert_shipped()

    def test_template_a_user_edited_is_kept(self):
        for lang, edit in (("en_US", "Best wishes from Freiburg"), ("de_DE", "Herzliche Grüße aus Freiburg")):
            with self.subTest(lang=lang):
                self._ship_previous_release()
                template = self.template.with_context(lang=lang)
                template.body_html = str(template.body_html).replace("</div>", f"<p>{edit}</p></div>")
                before = self._texts()
                self._migrate()
                self.assertEqual(self._texts(), before)
                self.assertIn(edit, self._texts()[lang][1])

    def test_edited_subject_is_kept(self):
        self._ship_previous_release()
        self.template.subject = "Your invoice {{ object.name }}"
        before = self._texts()
        self._migrate()
        self.assertEqual(self._texts(), before)

    def test_offer_file_name_translation_is_dropped(self):
        """The former German expression of the offer's file name is dropped: German evaluates the new one."""
        report = self.env.ref("erp_crm.action_report_deal_offer")
        report.with_context(lang="de_DE").print_report_name = "'Angebot - %s' % object.name"
        self._migrate()
        self.assertEqual(
            report.with_context(lang="de_DE").print_report_name, "object._erp_crm_report_filename('offer')"
        )
