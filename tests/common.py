from odoo.fields import Command
from odoo.tests import freeze_time, new_test_user

from odoo.addons.sale.tests.common import SaleCommon


def funnel_stage_commands(*stages):
    """Stage commands replacing a new funnel's default stages: (name, kind) pairs, in order."""
    return [Command.clear()] + [
        Command.create({"name": name, "sequence": sequence, "kind": kind})
        for sequence, (name, kind) in enumerate(stages, start=1)
    ]


def create_berlin_office_calendar(env):
    """A Mon-Fri 08:00-18:00 working calendar in Berlin (the window installer's), 10 hours a day."""
    return env["resource.calendar"].create(
        {
            "name": "Mon-Fri 08:00-18:00",
            "tz": "Europe/Berlin",
            "hours_per_day": 10,
            "attendance_ids": [Command.clear()]
            + [
                Command.create(
                    {
                        "name": f"Day {day}",
                        "dayofweek": str(day),
                        "hour_from": 8,
                        "hour_to": 18,
                        "day_period": "full_day",
                    }
                )
                for day in range(5)
            ],
        }
    )


# A Wednesday at 10:00 in Berlin, inside the working hours of the window installer's calendar. Every class built on
# ErpCrmCommon runs at this instant unless it freezes its own (Odoo's class-level freeze_time: the most derived
# decorator wins), so that deal dates, working-time deadlines and query counts that read the calendar never depend
# on the hour or the weekday the suite runs at.
DEFAULT_TEST_INSTANT = "2026-03-11 09:00:00"


@freeze_time(DEFAULT_TEST_INSTANT)
class ErpCrmCommon(SaleCommon):
    """A window-installation funnel, its team and users of each erp_crm group."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.funnel = cls.env["sale.funnel"].create(
            {
                "name": "Window installation",
                "company_id": False,
                "stage_ids": [
                    Command.clear(),
                    *(
                        Command.create({"name": name, "sequence": seq, "kind": kind, "probability": prob})
                        for seq, (name, kind, prob) in enumerate(
                            [
                                ("First call", "open", 10),
                                ("Measurement", "open", 20),
                                ("Approval", "open", 40),
                                ("Payment", "open", 60),
                                ("Production", "open", 80),
                                ("Installation", "open", 90),
                                ("Won", "won", 100),
                                ("Lost", "lost", 0),
                            ]
                        )
                    ),
                ],
            }
        )
        stages = cls.funnel.stage_ids
        (
            cls.stage_call,
            cls.stage_measure,
            cls.stage_approval,
            cls.stage_payment,
            cls.stage_production,
            cls.stage_installation,
            cls.stage_won,
            cls.stage_lost,
        ) = stages
        cls.sale_team.funnel_id = cls.funnel
        cls.user_sales = new_test_user(
            cls.env, login="erp_crm_sales", groups="erp_crm.erp_crm_group_user", name="Sally Sales"
        )
        cls.user_sales_2 = new_test_user(
            cls.env, login="erp_crm_sales2", groups="erp_crm.erp_crm_group_user", name="Sam Sales"
        )
        cls.user_all = new_test_user(
            cls.env, login="erp_crm_all", groups="erp_crm.erp_crm_group_all_deals", name="Alice All"
        )
        cls.user_manager = new_test_user(
            cls.env, login="erp_crm_manager", groups="erp_crm.erp_crm_group_manager", name="Mike Manager"
        )
        cls.lost_reason = cls.env.ref("erp_crm.sale_lost_reason_price")

    @classmethod
    def _create_deal(cls, **values):
        return cls.env["sale.order"].create(
            {
                "partner_id": cls.partner.id,
                "funnel_id": cls.funnel.id,
                "team_id": cls.sale_team.id,
                "order_line": [Command.create({"product_id": cls.product.id, "product_uom_qty": 2})],
                **values,
            }
        )
