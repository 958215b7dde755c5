import io

from lxml import etree

from odoo.tools.convert import convert_xml_import
from odoo.tools.misc import file_open


def reload_noupdate_records(env, path, xmlids):
    """Reload the records ``xmlids`` of the noupdate data file ``path`` from the file, once (a migration step).

    A release that changes a record users are not meant to edit, shipped in a noupdate file (a rule, a template),
    reloads it from a migration script: ``-u`` alone keeps the database's old version."""
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
