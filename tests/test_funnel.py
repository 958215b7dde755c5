from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import ErpCrmCommon


@tagged("erp_crm")
class TestFunnel(ErpCrmCommon):
    def test_new_funnel_starts_with_usable_stages(self):
        funnel = self.env["sale.funnel"].create({"name": "Furniture"})
        self.assertEqual(funnel.stage_ids.mapped("kind"), ["open", "won", "lost"])
        deal = self.env["sale.order"].create({"partner_id": self.partner.id, "funnel_id": funnel.id})
        self.assertEqual(deal.stage_id, funnel.stage_ids[0], "a new deal starts in the first open stage")

    def test_funnel_without_open_stage_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "at least one open stage"), self.env.cr.savepoint():
            self.env["sale.funnel"].create(
                {
                    "name": "Only endings",
                    "stage_ids": [
                        Command.clear(),
                        Command.create({"name": "Won", "kind": "won"}),
                        Command.create({"name": "Lost", "kind": "lost"}),
                    ],
                }
            )
        self.assertFalse(self.env["sale.funnel"].search([("name", "=", "Only endings")]), "nothing half-written")

    def test_turning_the_last_open_stage_into_won_is_refused(self):
        funnel = self.env["sale.funnel"].create({"name": "Small"})
        with self.assertRaisesRegex(ValidationError, "at least one open stage"):
            funnel.stage_ids.filtered(lambda s: s.kind == "open").kind = "won"

    def test_probability_outside_range_is_refused(self):
        for value in (-5, 100.5, 250):
            with self.subTest(value=value), self.assertRaisesRegex(ValidationError, "between 0 and 100"):
                self.stage_call.probability = value
        self.stage_call.probability = 100
        self.assertEqual(self.stage_call.probability, 100)

    def test_deal_in_stage_of_another_funnel_is_refused(self):
        other = self.env["sale.funnel"].create({"name": "Repairs"})
        deal = self._create_deal()
        with self.assertRaisesRegex(ValidationError, "belongs to the funnel “Repairs”"):
            deal.stage_id = other.stage_ids[0]
        self.assertEqual(deal.stage_id, self.stage_call)

    def test_delete_stage_holding_deals_is_refused(self):
        self._create_deal()
        with self.assertRaisesRegex(UserError, "still holds 1 deal"):
            self.stage_call.unlink()
        self.assertTrue(self.stage_call.exists())
        self.stage_approval.unlink()  # an empty stage can go
        self.assertFalse(self.stage_approval.exists())

    def test_delete_last_open_stage_is_refused(self):
        funnel = self.env["sale.funnel"].create({"name": "Small"})
        with self.assertRaisesRegex(UserError, "at least one open stage"):
            funnel.stage_ids.filtered(lambda s: s.kind == "open").unlink()

    def test_funnel_can_be_archived(self):
        deal = self._create_deal()
        self.funnel.action_archive()
        self.assertFalse(self.funnel.active)
        self.assertEqual(deal.funnel_id, self.funnel, "archiving a funnel keeps its deals")
        self.funnel.action_unarchive()
        self.assertTrue(self.funnel.active)

    def test_deal_funnel_follows_team_and_can_be_changed(self):
        other_team = self.env["crm.team"].create({"name": "Furniture team"})
        furniture = self.env["sale.funnel"].create(
            {"name": "Furniture", "company_id": False, "team_ids": [Command.set((self.sale_team | other_team).ids)]}
        )
        other_team.funnel_id = furniture
        deal = self.env["sale.order"].create({"partner_id": self.partner.id, "team_id": self.sale_team.id})
        self.assertEqual(deal.funnel_id, self.funnel, "the team's default funnel")
        self.assertEqual(deal.stage_id, self.stage_call)

        deal.funnel_id = furniture
        self.assertEqual(deal.stage_id, furniture.stage_ids[0], "a new funnel restarts the deal in its first stage")

        self.funnel.team_ids = [Command.set(self.sale_team.ids)]
        deal.funnel_id = self.funnel
        deal.team_id = other_team
        self.assertEqual(deal.funnel_id, furniture, "the funnel does not serve the new team: the team's funnel")
        self.assertEqual(deal.stage_id, furniture.stage_ids[0])

    def test_team_default_funnel_must_serve_team(self):
        restricted = self.env["sale.funnel"].create(
            {"name": "Restricted", "team_ids": [Command.set(self.sale_team.ids)]}
        )
        other_team = self.env["crm.team"].create({"name": "Other"})
        with self.assertRaisesRegex(ValidationError, "does not serve the team"):
            other_team.funnel_id = restricted

    def test_empty_stages_appear_in_kanban(self):
        self._create_deal()
        groups = (
            self.env["sale.order"]
            .with_context(read_group_expand=True)
            .web_read_group(
                [("funnel_id", "=", self.funnel.id), ("won_status", "!=", "lost")], ["stage_id"], ["__count"]
            )["groups"]
        )
        names = [group["stage_id"][1] for group in groups]
        self.assertEqual(
            names,
            ["First call", "Measurement", "Approval", "Payment", "Production", "Installation", "Won"],
            "every stage of the funnel is a column, empty ones included; lost deals have left the pipeline",
        )
        counts = {group["stage_id"][1]: group["__count"] for group in groups}
        self.assertEqual(counts["First call"], 1)
        self.assertEqual(counts["Measurement"], 0)

    def test_stage_form_shows_and_adds_its_robots(self):
        """The admin reads on a stage what entering it does, and adds a robot there."""
        self.env["sale.funnel.robot"].create(
            {"name": "Call back", "stage_id": self.stage_call.id, "kind": "activity", "summary": "Call back"}
        )
        with Form(self.stage_call.with_user(self.user_manager)) as form:
            with form.robot_ids.edit(0) as robot:
                self.assertEqual(robot.name, "Call back")
            with form.robot_ids.new() as robot:
                robot.name = "Thank the customer"
                robot.kind = "note"
        self.assertEqual(self.stage_call.robot_ids.mapped("name"), ["Call back", "Thank the customer"])
        self.assertEqual(self.stage_call.robot_ids[1].run_as_user_id, self.user_manager)

    def test_deal_created_with_an_empty_stage_starts_in_its_funnel(self):
        deal = self._create_deal(stage_id=False)
        self.assertEqual(deal.stage_id, self.stage_call, "an empty stage is no stage: the funnel's first one")
