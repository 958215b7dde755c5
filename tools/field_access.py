"""Searching on a field tells what it holds: the search is refused to whoever may not read the field."""

import functools


def restricted_search(fname):
    """Decorator of the search method of the non-stored field ``fname``: refused (``AccessError``, as Odoo refuses
    reading the field) to users who may not read ``fname``.

    Odoo checks a field's access when a domain condition on it becomes SQL (stored fields), and when records are
    ordered or grouped by it; a non-stored field's search method returns a domain or SQL of its own instead, so
    Odoo never asks. A portal customer searching their orders by class would learn their class, an accountant
    counting deals by segment every customer's segment. The check is the field's own ``_check_field_access``: its
    ``groups``, and what a model adds (e.g. the fields a portal user may read on tasks). Every search method of the
    addon carries it (``tests/test_search_security.py`` fails on one that does not).
    """

    def decorate(method):
        @functools.wraps(method)
        def search(self, operator, value):
            self._check_field_access(self._fields[fname], "read")
            return method(self, operator, value)

        search.erp_crm_restricted_field = fname
        return search

    return decorate
