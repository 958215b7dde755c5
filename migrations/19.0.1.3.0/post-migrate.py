"""19.0.1.3.0: the emails erp_crm ships are brought to this release's text, in every language, unless edited.

- ``data/mail_template_data.xml`` (noupdate): the payment request's email opens with the salutation by the contact's
  form of address and states the down payment's rate with one sign; its German translation comes with it. A
  template still as 19.0.1.1.0/19.0.1.2.0 shipped it (this folder's ``mail_template_data.xml`` and ``de.po``) is
  updated with its translations; a template a user changed, in any language, is kept as it is.
- ``reports/sale_order_reports.xml``: the offer and the payment request name their PDF in the customer's language
  (their ``print_report_name`` calls ``sale.order._erp_crm_report_filename``): the translations of the former
  expression (``'Angebot - %s' % object.name``) are dropped, so every language evaluates the new one.
"""

import os

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

from odoo.addons.erp_crm.tools.migration import update_unchanged_noupdate_records

TEMPLATES = ["mail_template_payment_request"]
REPORTS = ["erp_crm.action_report_deal_offer", "erp_crm.action_report_payment_request"]


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    update_unchanged_noupdate_records(env, "data/mail_template_data.xml", TEMPLATES, os.path.dirname(__file__))
    reports = [report.id for report in map(env.ref, REPORTS)]
    env.flush_all()
    env.execute_query(
        SQL(
            "UPDATE ir_act_report_xml SET print_report_name = jsonb_build_object('en_US', print_report_name->'en_US')"
            " WHERE id IN %s",
            tuple(reports),
        )
    )
    env.invalidate_all()
