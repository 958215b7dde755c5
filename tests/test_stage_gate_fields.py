from datetime import datetime

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .erp_common import ErpTriggerCommon


@tagged("erp_crm")
class TestStageGateFields(ErpTriggerCommon):
    """Issue 20.6: a stage asks for fields of the deal before entry (the installation date to enter Installation,
    the appointment to enter Measurement), whatever the path of the move."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        field = cls.env["ir.model.fields"]._get
        cls.field_installation = field("sale.order", "installation_date")
        cls.field_appointment = field("sale.order", "appointment_at")
        cls.stage_installation.gate_field_ids = cls.field_installation
        cls.stage_measure.gate_field_ids = cls.field_appointment
        cls.project = cls.env["project.project"].create({"name": "Installations", "allow_billable": True})
        cls.robot = cls._create_task_robot(cls.project)

    def _sales_deal(self, stage):
        deal = self._create_deal(user_id=self.user_sales.id)
        deal.write({"stage_id": stage.id})
        return deal.with_user(self.user_sales)

    def _tasks(self, deal):
        return self.env["project.task"].search([("sale_order_id", "=", deal.id)])

    def test_salesperson_is_refused_installation_without_its_date_then_moves_with_it(self):
        deal = self._sales_deal(self.stage_production)
        with self.assertRaisesRegex(UserError, r"cannot enter Installation: fill in Installation Date first"):
            deal.write({"stage_id": self.stage_installation.id})
        self.assertEqual(deal.stage_id, self.stage_production, "the deal stays")
        self.assertEqual(len(deal.stage_history_ids), 2, "no history row for a refused move")
        self.assertFalse(self._tasks(deal), "no robot ran")

        deal.write({"installation_date": datetime(2026, 3, 20, 7, 0)})
        deal.write({"stage_id": self.stage_installation.id})
        self.assertEqual(deal.stage_id, self.stage_installation)
        task = self._tasks(deal)
        self.assertEqual(len(task), 1)
        self.assertEqual(task.date_deadline, datetime(2026, 3, 20, 7, 0), "the installer's task is due on the date")

    def test_date_written_with_the_move_counts_and_emptied_with_it_does_not(self):
        deal = self._sales_deal(self.stage_call)
        with self.assertRaisesRegex(UserError, "fill in Appointment first"):
            deal.web_save({"stage_id": self.stage_measure.id, "appointment_at": False}, {})
        self.assertEqual(deal.stage_id, self.stage_call)
        deal.web_save({"stage_id": self.stage_measure.id, "appointment_at": "2026-03-12 08:00:00"}, {})
        self.assertEqual(deal.stage_id, self.stage_measure)

    def test_every_missing_field_is_named(self):
        self.stage_installation.gate_field_ids |= self.field_appointment
        deal = self._sales_deal(self.stage_production)
        with self.assertRaises(UserError) as refusal:
            deal.write({"stage_id": self.stage_installation.id})
        self.assertIn("Installation Date", str(refusal.exception))
        self.assertIn("Appointment", str(refusal.exception))
        self.assertEqual(deal.stage_id, self.stage_production)

    def test_trigger_holds_the_deal_back_with_a_note(self):
        # What an ERP trigger does (see sale_order_trigger.py): the deal stays and is told why.
        deal = self._create_deal(user_id=self.user_sales.id)
        deal._move_by_trigger(self.stage_installation)
        self.assertEqual(deal.stage_id, self.stage_call, "held back by the gate")
        self.assertIn("fill in Installation Date first", deal.message_ids[0].body)

    def test_board_shows_the_gate_and_only_sensible_fields_are_accepted(self):
        stage = self.stage_installation.with_user(self.user_sales)
        self.assertIn("Filled in: Installation Date", stage.board_gates)
        for name in ("amount_total", "state", "order_line"):
            with self.subTest(field=name), self.assertRaisesRegex(ValidationError, "Filled In"):
                self.stage_installation.gate_field_ids = self.env["ir.model.fields"]._get("sale.order", name)

    def test_german_salesperson_reads_the_refusal_in_german(self):
        self.env["res.lang"]._activate_lang("de_DE")
        self.env["ir.module.module"]._load_module_terms(["erp_crm"], ["de_DE"], overwrite=True)
        deal = self._sales_deal(self.stage_production).with_context(lang="de_DE")
        with self.assertRaisesRegex(UserError, r"kann nicht in Installation eintreten: Füllen Sie zuerst .+ aus\."):
            deal.write({"stage_id": self.stage_installation.id})
        self.assertEqual(deal.stage_id, self.stage_production)

    def test_web_client_is_told_what_to_ask_and_gets_the_dialog_form(self):
        """What the kanban and the status bar ask before a move (the tour drives the dialog itself)."""
        self.stage_installation.gate_field_ids |= self.field_appointment
        deal = self._sales_deal(self.stage_production)
        deal.sudo().appointment_at = datetime(2026, 3, 12, 8, 0)
        self.assertEqual(deal.get_stage_gate_missing_fields(self.stage_installation.id), ["installation_date"])
        self.assertEqual(deal.get_stage_gate_missing_fields(self.stage_approval.id), [], "no gate field")

        dialog = deal.get_stage_gate_dialog(self.stage_installation.id)
        self.assertEqual(dialog["fields"], ["installation_date"])
        self.assertIn('name="installation_date"', dialog["arch"])
        self.assertIn('required="1"', dialog["arch"].split('name="installation_date"')[1].split(">")[0])
        self.assertNotIn('name="appointment_at"', dialog["arch"], "a field already filled in is not asked again")
        self.assertIn("installation_date", dialog["models"]["sale.order"]["fields"])

        # the form stays the plain gate form outside the dialog (the view cache is keyed by the stage's fields)
        view = self.env.ref("erp_crm.sale_order_view_form_stage_gate")
        plain = self.env["sale.order"].get_views([(view.id, "form")])["views"]["form"]["arch"]
        self.assertNotIn("installation_date", plain)

        deal.write({"installation_date": datetime(2026, 3, 20, 7, 0)})
        self.assertFalse(deal.get_stage_gate_dialog(self.stage_installation.id), "nothing left to ask: just move")

    def test_dialog_is_asked_only_about_a_readable_deal(self):
        deal = self._sales_deal(self.stage_production)
        other = self.env["sale.order"].browse(deal.id).with_user(self.user_sales_2)
        with self.assertRaises(AccessError):
            other.get_stage_gate_dialog(self.stage_installation.id)
