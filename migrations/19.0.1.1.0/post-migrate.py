"""19.0.1.1.0: records of noupdate data files whose content changed are reloaded once from their file.

- ``data/mail_template_data.xml``: the payment request's email states the amount due now, the order total and what
  remains (it named the order total only).
"""

import io

from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.tools.convert import convert_xml_import
from odoo.tools.misc import file_open

RELOADED = {"data/mail_template_data.xml": ("mail_template_payment_request",)}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for path, xmlids in RELOADED.items():
        with file_open(f"erp_crm/{path}", "rb") as data_file:
            tree = etree.parse(data_file)
        document = etree.Element("odoo")
        for xmlid in xmlids:
            document.extend(tree.xpath("//record[@id=$xmlid]", xmlid=xmlid))
        data = env["ir.model.data"].search([("module", "=", "erp_crm"), ("name", "in", list(xmlids))])
        # Odoo's loader skips records marked noupdate: lift the mark while they reload, then set it back.
        data.noupdate = False
        data.flush_recordset()  # the loader reads the mark in SQL
        stream = io.BytesIO(etree.tostring(document))
        stream.name = path  # the loader names the file in its messages
        convert_xml_import(env, "erp_crm", stream, mode="update", noupdate=False)
        data.noupdate = True
