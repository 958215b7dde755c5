"""Data safety: upgrade in place from the previous release, update, uninstall (scripts/data_safety.py, on a
throw-away database of its own, a few minutes), and the demo loaded twice (in this database, rolled back)."""

import os
import shutil
import subprocess
import sys

from odoo.modules.module import get_manifest, get_module_path
from odoo.tests import TransactionCase, freeze_time, tagged
from odoo.tools import SQL, config
from odoo.tools.convert import convert_file

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
