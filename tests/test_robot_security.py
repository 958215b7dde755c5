from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .test_robots import RobotCommon

SECRET_TITLE = "{{ object.env['ir.config_parameter'].get_param('database.secret') }}"


@tagged("erp_crm", "erp_crm_security")
class TestRobotSecurity(RobotCommon):
    """Issue 7.1, 7.2, 7.7: what an ERP CRM manager (not a Settings administrator) may put in a robot."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.secret = cls.env["ir.config_parameter"].get_param("database.secret")
        cls.system_group = cls.env.ref("base.group_system")
        cls.Robot = cls.env["sale.funnel.robot"]

    def setUp(self):
        super().setUp()
        self.assertFalse(self.user_manager.has_group("base.group_system"))
        self.assertFalse(self.user_manager.has_group("mail.group_mail_template_editor"))

    def _as_manager(self):
        return self.Robot.with_user(self.user_manager)

    def _assert_not_admin(self, user):
        user.invalidate_recordset()
        self.env.invalidate_all()
        self.assertFalse(user.has_group("base.group_system"), f"{user.name} became a Settings administrator")

    def _assert_secret_nowhere(self, deal):
        self.assertTrue(self.secret)
        texts = [
            *self.env["project.task"].search([("sale_order_id", "=", deal.id)]).mapped("name"),
            *deal.robot_run_ids.mapped("message"),
            str(deal.note or ""),
        ]
        self.assertFalse([text for text in texts if text and self.secret in text], "the database secret leaked")

    # ------------------------------------------------------------
    # 7.1 conditions are domains, never code
    # ------------------------------------------------------------

    def test_hostile_condition_is_refused_when_saved(self):
        hostile = f"[('id', '!=', user.sudo().write({{'group_ids': [(4, {self.system_group.id})]}}) and 0)]"
        with self.assertRaisesRegex(ValidationError, "Condition"), self.env.cr.savepoint():
            self._as_manager().create(
                {"name": "Esc", "stage_id": self.stage_call.id, "kind": "note", "filter_domain": hostile}
            )
        self._assert_not_admin(self.user_manager)
        self.assertFalse(self.Robot.search([("name", "=", "Esc")]))
        robot = self._as_manager().create({"name": "Harmless", "stage_id": self.stage_call.id, "kind": "note"})
        with self.assertRaisesRegex(ValidationError, "Condition"), self.env.cr.savepoint():
            robot.write({"filter_domain": hostile})
        self._assert_not_admin(self.user_manager)
        self.assertFalse(robot.filter_domain)

    def test_other_code_in_conditions_is_refused(self):
        for condition in (
            "[('id', '=', __import__('os').getpid())]",
            "[('name', '=', context_today().strftime('%Y'))]",
            "[('id', 'in', [x for x in (1, 2)])]",
            "[('amount_total', '>', 10 ** 9)]",
            "user",
        ):
            with (
                self.subTest(condition=condition),
                self.assertRaisesRegex(ValidationError, "Condition"),
                self.env.cr.savepoint(),
            ):
                self._as_manager().create(
                    {"name": "Code", "stage_id": self.stage_call.id, "kind": "note", "filter_domain": condition}
                )

    def test_placeholders_uid_today_and_now(self):
        robot = self._as_manager().create(
            {
                "name": "Mine",
                "stage_id": self.stage_measure.id,
                "kind": "note",
                "filter_domain": "['&', ('user_id', '=', uid), '|', ('date_order', '<=', now), "
                "('validity_date', '>=', today)]",
            }
        )
        mine = self._create_deal(user_id=self.user_sales.id)
        theirs = self._create_deal(user_id=self.user_sales_2.id)
        (mine | theirs).with_user(self.user_all).write({"stage_id": self.stage_measure.id})
        self.assertEqual(mine.robot_run_ids.state, "skipped", "uid is the user who moves the deal")
        (mine | theirs).write({"stage_id": self.stage_call.id})
        mine.with_user(self.user_sales).write({"stage_id": self.stage_measure.id})
        run = mine.robot_run_ids.filtered(lambda r: r.robot_id == robot).sorted("id")[-1]
        self.assertEqual(run.state, "done")

    def test_hostile_condition_saved_before_the_check_is_never_evaluated(self):
        robot = self._as_manager().create({"name": "Old", "stage_id": self.stage_measure.id, "kind": "note"})
        hostile = f"[('id', '!=', user.sudo().write({{'group_ids': [(4, {self.system_group.id})]}}) and 0)]"
        # A condition written before conditions were checked (straight into the table).
        self.env.cr.execute(SQL("UPDATE sale_funnel_robot SET filter_domain = %s WHERE id = %s", hostile, robot.id))
        self.env.invalidate_all()
        deal = self._create_deal(user_id=self.user_sales.id)
        deal.with_user(self.user_sales).write({"stage_id": self.stage_measure.id})
        self.assertEqual(deal.stage_id, self.stage_measure, "the move is kept")
        self.assertEqual(deal.robot_run_ids.state, "failed")
        self.assertIn("condition", deal.robot_run_ids.message)
        self._assert_not_admin(self.user_sales)
        self._assert_not_admin(self.user_manager)
        wizard = (
            self.env["sale.order.dry.run"]
            .with_user(self.user_sales)
            .create({"order_id": deal.id, "stage_id": self.stage_measure.id})
        )
        self.assertIn("condition cannot be read", str(wizard.outcome))
        self._assert_not_admin(self.user_sales)

    # ------------------------------------------------------------
    # 7.2 templates checked for the saver, rendered without superuser rights
    # ------------------------------------------------------------

    def test_task_title_with_code_is_refused_for_a_manager(self):
        vals = {
            "name": "Leak",
            "stage_id": self.stage_installation.id,
            "kind": "task",
            "project_id": self.project.id,
            "summary": SECRET_TITLE,
        }
        with self.assertRaisesRegex(AccessError, "Mail Template Editor"), self.env.cr.savepoint():
            self._as_manager().create(vals)
        self.assertFalse(self.Robot.search([("name", "=", "Leak")]))
        robot = self._as_manager().create({**vals, "summary": "Install for {{ object.partner_id.name }}"})
        with self.assertRaisesRegex(AccessError, "Mail Template Editor"), self.env.cr.savepoint():
            robot.write({"summary": SECRET_TITLE})
        self.assertEqual(robot.summary, "Install for {{ object.partner_id.name }}")
        deal = self._create_deal(user_id=self.user_sales.id)
        deal.with_user(self.user_sales).write({"stage_id": self.stage_installation.id})
        task = self.env["project.task"].search([("sale_order_id", "=", deal.id)])
        self.assertEqual(task.name, f"Install for {self.partner.name}", "plain placeholders work for everyone")
        self._assert_secret_nowhere(deal)

    def test_template_editor_title_renders_with_the_editor_rights_not_superuser(self):
        editor = new_test_user(
            self.env,
            login="erp_crm_editor",
            groups="erp_crm.erp_crm_group_manager,mail.group_mail_template_editor",
            name="Eddie Editor",
        )
        self.Robot.with_user(editor).create(
            {
                "name": "Leak",
                "stage_id": self.stage_installation.id,
                "kind": "task",
                "project_id": self.project.id,
                "summary": SECRET_TITLE,
            }
        )
        deal = self._create_deal(user_id=self.user_sales.id)
        loggers = ("odoo.addons.erp_crm.models.sale_funnel_robot_run", "odoo.addons.mail.models.mail_render_mixin")
        with mute_logger(*loggers):
            deal.with_user(self.user_sales).write({"stage_id": self.stage_installation.id})
        self.assertEqual(deal.robot_run_ids.state, "failed", "the editor may not read the secret: nor may the robot")
        self.assertFalse(self.env["project.task"].search([("sale_order_id", "=", deal.id)]))
        self._assert_secret_nowhere(deal)
        with mute_logger(*loggers):
            wizard = (
                self.env["sale.order.dry.run"]
                .with_user(self.user_sales)
                .create({"order_id": deal.id, "stage_id": self.stage_installation.id})
            )
            outcome = str(wizard.outcome)
        self.assertIn("Would fail", outcome)
        self.assertNotIn(self.secret, outcome)

    def test_server_action_must_be_on_deals(self):
        action = self.env["ir.actions.server"].create(
            {"name": "Partners", "model_id": self.env["ir.model"]._get_id("res.partner"), "state": "code", "code": ""}
        )
        with self.assertRaisesRegex(ValidationError, "Server Action"), self.env.cr.savepoint():
            self._as_manager().create(
                {
                    "name": "Other",
                    "stage_id": self.stage_call.id,
                    "kind": "server_action",
                    "server_action_id": action.id,
                }
            )
        self.assertFalse(self.Robot.search([("name", "=", "Other")]))

    def test_server_action_for_administrators_only_is_refused(self):
        action = self._deal_action("Admins only", code="", group_ids=[self.system_group.id])
        with self.assertRaisesRegex(AccessError, "Admins only"), self.env.cr.savepoint():
            self._as_manager().create(
                {"name": "Adm", "stage_id": self.stage_call.id, "kind": "server_action", "server_action_id": action.id}
            )
        self.assertFalse(self.Robot.search([("name", "=", "Adm")]))

    def test_server_action_runs_with_the_rights_of_the_robot_writer(self):
        model_id = self.env["ir.model"]._get_id("sale.order")
        who, leak = self.env["ir.actions.server"].create(
            [
                {
                    "name": "Who",
                    "model_id": model_id,
                    "state": "code",
                    "code": "records.write({'client_order_ref': env.user.name, 'note': str(env.su)})",
                },
                {
                    "name": "Leak",
                    "model_id": model_id,
                    "state": "code",
                    "code": "records.write({'note': env['ir.config_parameter'].get_param('database.secret')})",
                },
            ]
        )
        self._as_manager().create(
            {"name": "Who", "stage_id": self.stage_measure.id, "kind": "server_action", "server_action_id": who.id}
        )
        self._as_manager().create(
            {"name": "Leak", "stage_id": self.stage_approval.id, "kind": "server_action", "server_action_id": leak.id}
        )
        deal = self._create_deal(user_id=self.user_sales.id)
        deal.with_user(self.user_sales).write({"stage_id": self.stage_measure.id})
        self.assertEqual(deal.client_order_ref, "Mike Manager", "run as the manager who saved the robot")
        self.assertIn("False", str(deal.note), "not as superuser")
        with mute_logger("odoo.addons.erp_crm.models.sale_funnel_robot_run", "odoo.addons.base.models.ir_actions"):
            deal.with_user(self.user_sales).write({"stage_id": self.stage_approval.id})
        leak_run = deal.robot_run_ids.filtered(lambda r: r.robot_id.name == "Leak")
        self.assertEqual(leak_run.state, "failed")
        self._assert_secret_nowhere(deal)

    # ------------------------------------------------------------
    # 7.7 / 9.7 the dry run
    # ------------------------------------------------------------

    def test_dry_run_refuses_a_deal_the_user_cannot_read(self):
        other = self._create_deal(user_id=self.user_sales_2.id)
        DryRun = self.env["sale.order.dry.run"].with_user(self.user_sales)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            DryRun.create({"order_id": other.id, "stage_id": self.stage_measure.id})
        self.assertFalse(self.env["sale.order.dry.run"].search([("order_id", "=", other.id)]))
        own = self._create_deal(user_id=self.user_sales.id)
        wizard = DryRun.create({"order_id": own.id, "stage_id": self.stage_measure.id})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            wizard.write({"order_id": other.id})
        self.assertEqual(wizard.order_id, own)
