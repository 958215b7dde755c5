from odoo import fields, models
from odoo.exceptions import UserError


class SaleFunnelRobotCopy(models.TransientModel):
    _name = "sale.funnel.robot.copy"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Copy Robots to Other Stages"

    robot_ids = fields.Many2many("sale.funnel.robot", string="Robots", required=True)
    stage_ids = fields.Many2many("sale.funnel.stage", string="To Stages", required=True)

    def action_copy(self):
        self.ensure_one()
        if not self.stage_ids:
            raise UserError(self.env._("Choose the stages to copy the robots to."))
        robots = self.robot_ids._copy_to_stages(self.stage_ids)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._("%(count)s robots copied.", count=len(robots)),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
