import contextlib
import io
import os

import polib
from lxml import etree

from odoo.tools import SQL
from odoo.tools.convert import convert_xml_import
from odoo.tools.misc import file_open
from odoo.tools.translate import TranslationImporter, get_po_paths


def reload_noupdate_records(env, path, xmlids):
    """Reload the records ``xmlids`` of the noupdate data file ``path`` from the file, once (a migration step).

    A release that changes a record users are not meant to edit, shipped in a noupdate file (a rule, a template),
    reloads it from a migration script: ``-u`` alone keeps the database's old version."""
    load_data_records(env, path, xmlids)
    env["ir.model.data"].search([("module", "=", "erp_crm"), ("name", "in", list(xmlids))]).noupdate = True


def update_unchanged_noupdate_records(env, path, xmlids, previous_dir):
    """Bring the records ``xmlids`` of the noupdate data file ``path`` to the shipped version (the file's values
    and their translations of ``i18n/<lang>.po``), each only when the database still holds it as the previous
    release shipped it: the previous release's file ``<previous_dir>/<file name>`` and its translations
    ``<previous_dir>/<lang>.po`` (or ``<iso>.po``). A record a user edited, in any language, is left as it is.
    Returns the xmlids updated.

    "As shipped", per field of the record: the previous English text, and in each other language its previous
    translation, the English text (not translated then) or the current translation (``-u`` adds a missing
    translation of a noupdate record from the current .po)."""
    previous_file = os.path.join(previous_dir, os.path.basename(path))
    langs = [code for code, _name in env["res.lang"].get_installed() if code != "en_US"]
    new_pos = {lang: list(get_po_paths("erp_crm", lang)) for lang in langs}
    previous_pos = {
        lang: [
            po
            for po in (os.path.join(previous_dir, f"{lang}.po"), os.path.join(previous_dir, f"{lang.split('_')[0]}.po"))
            if os.path.exists(po)
        ][:1]
        for lang in langs
    }
    unchanged = []
    for xmlid in xmlids:
        record = env.ref(f"erp_crm.{xmlid}", raise_if_not_found=False)
        if not record:
            continue
        fnames = {
            fname
            for fname in _record_fields(path, xmlid) | _record_fields(previous_file, xmlid)
            if fname in record._fields and record._fields[fname].store and record._fields[fname].column_type
        }
        current = _stored_values(record, fnames)
        previous = _previous_values(env, record, xmlid, previous_file, fnames)
        previous_terms = {lang: _po_translations(previous_pos[lang], xmlid) for lang in langs}
        new_terms = {lang: _po_translations(new_pos[lang], xmlid) for lang in langs}
        if all(_as_shipped(fname, current[fname], previous[fname], previous_terms, new_terms) for fname in fnames):
            unchanged.append(xmlid)
    if unchanged:
        reload_noupdate_records(env, path, unchanged)
        importer = TranslationImporter(env.cr, verbose=False)
        for lang in langs:
            for po in new_pos[lang]:
                importer.load_file(po, lang, xmlids={f"erp_crm.{xmlid}" for xmlid in unchanged})
        importer.save(overwrite=True, force_overwrite=True)
    return unchanged


class _Rollback(Exception):
    pass


def _previous_values(env, record, xmlid, previous_file, fnames):
    """The values ``record`` gets from the previous release's file: loaded in a savepoint, read, rolled back."""
    values = {}
    with contextlib.suppress(_Rollback), env.cr.savepoint():
        load_data_records(env, previous_file, [xmlid])
        values = _stored_values(record, fnames)
        raise _Rollback
    env.invalidate_all()
    return values


def _as_shipped(fname, current, previous, previous_terms, new_terms):
    if not isinstance(previous, dict):  # a field that is not translated
        return current == previous
    current = current or {}
    english = previous.get("en_US") or ""
    if (current.get("en_US") or "").strip() != english.strip():
        return False
    for lang, value in current.items():
        if lang == "en_US":
            continue
        accepted = {english, previous_terms.get(lang, {}).get((fname, english))}
        accepted |= {text for (field, _source), text in new_terms.get(lang, {}).items() if field == fname}
        if (value or "").strip() not in {text.strip() for text in accepted if text}:
            return False
    return True


def _stored_values(record, fnames):
    """The stored values of ``fnames`` of ``record``, as in its table (a translated field: {lang: value})."""
    record.env.flush_all()
    fnames = sorted(fnames)
    return record.env.execute_query_dict(
        SQL(
            "SELECT %s FROM %s WHERE id = %s",
            SQL(", ").join(SQL.identifier(fname) for fname in fnames),
            SQL.identifier(record._table),
            record.id,
        )
    )[0]


def _po_translations(paths, xmlid):
    """{(field, source): translation} of the record ``erp_crm.<xmlid>`` in the .po files ``paths``."""
    translations = {}
    for path in paths:
        for entry in polib.pofile(path):
            if not entry.msgstr or entry.fuzzy or entry.obsolete:
                continue
            for occurrence, _line in entry.occurrences:
                kind, _sep, rest = occurrence.partition(":")
                if kind == "model" and rest.endswith(f":erp_crm.{xmlid}"):
                    translations[rest.split(":")[0].split(",")[1], entry.msgid] = entry.msgstr
    return translations


def _open(path):
    return file_open(path if os.path.isabs(path) else f"erp_crm/{path}", "rb")


def _record_fields(path, xmlid):
    with _open(path) as data_file:
        tree = etree.parse(data_file)
    return {field.get("name") for field in tree.xpath("//record[@id=$xmlid]/field", xmlid=xmlid)}


def load_data_records(env, path, xmlids):
    """Load the records ``xmlids`` of the data file ``path`` (in erp_crm, or absolute) in update mode, whatever
    their noupdate mark (the loader skips records marked noupdate: the mark is lifted while they load)."""
    with _open(path) as data_file:
        tree = etree.parse(data_file)
    document = etree.Element("odoo")
    for xmlid in xmlids:
        document.extend(tree.xpath("//record[@id=$xmlid]", xmlid=xmlid))
    data = env["ir.model.data"].search([("module", "=", "erp_crm"), ("name", "in", list(xmlids))])
    marks = {item: item.noupdate for item in data}
    data.noupdate = False
    data.flush_recordset()  # the loader reads the mark in SQL
    stream = io.BytesIO(etree.tostring(document))
    stream.name = os.path.basename(path)  # the loader names the file in its messages
    convert_xml_import(env, "erp_crm", stream, mode="update", noupdate=False)
    for item, mark in marks.items():
        item.noupdate = mark
