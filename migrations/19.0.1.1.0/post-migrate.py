"""19.0.1.1.0: records of noupdate data files whose content changed are reloaded once from their file.

- ``data/mail_template_data.xml``: the payment request's email states the amount due now, the order total and what
  remains (it named the order total only).
"""

from odoo import SUPERUSER_ID, api

from odoo.addons.erp_crm.tools.migration import reload_noupdate_records


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    reload_noupdate_records(env, "data/mail_template_data.xml", ["mail_template_payment_request"])
