"""19.0.1.2.0: the robot log also records the work of robots on service requests.

- ``security/erp_crm_security.xml``: the salespeople's robot-log rules keep to deal runs (``order_id`` set); the runs
  of service requests follow the request (new rules of ``security/project_service_security.xml``, created by -u).
"""

from odoo import SUPERUSER_ID, api

from odoo.addons.erp_crm.tools.migration import reload_noupdate_records


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    reload_noupdate_records(
        env,
        "security/erp_crm_security.xml",
        ["sale_funnel_robot_run_rule_salesman", "sale_funnel_robot_run_rule_salesman_all"],
    )
