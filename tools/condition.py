"""The one parser of the conditions users write: robot conditions, stage trigger conditions and customer segments.

A condition is a literal domain (``[('amount_total', '>', 1000)]``): values only, and the placeholders its caller
allows (``uid``, ``today``, ``now`` for robots and triggers). Nothing is evaluated: names, calls, attributes and
operators are refused, so a condition saved by one user never runs code for another (the cron, the superuser).
"""

import ast

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.fields import Domain

CONDITION_PLACEHOLDERS = ("uid", "today", "now")


def parse_condition(text, placeholders=None):
    """The condition ``text`` as a Domain: literal values and the placeholders only, nothing is evaluated.

    :param placeholders: {name: value} of the names allowed in the condition (e.g. ``uid``, ``today``, ``now``)
    :raises ValueError: anything else (names, calls, attributes, operators...)
    """
    placeholders = placeholders or {}

    def literal(node):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.List):
            return [literal(element) for element in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(literal(element) for element in node.elts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            value = literal(node.operand)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return -value
        if isinstance(node, ast.Name) and node.id in placeholders:
            return placeholders[node.id]
        allowed = f"values and {', '.join(placeholders)}" if placeholders else "values"
        raise ValueError(f"only {allowed} are allowed, not “{ast.unparse(node)}”")

    value = literal(ast.parse(text.strip(), mode="eval").body)
    if not isinstance(value, (list, tuple)):
        raise ValueError("a condition is a list such as [('amount_total', '>', 1000)]")
    return Domain([tuple(term) if isinstance(term, list) else term for term in value])


def condition_domain(record, text):
    """A condition a user wrote (robot condition, trigger condition) as a Domain, with ``uid``, ``today`` and
    ``now`` for the current user and moment (see :func:`parse_condition`); TRUE when there is none."""
    if not text:
        return Domain.TRUE
    now = fields.Datetime.now()
    placeholders = {
        "uid": record.env.uid,
        "today": fields.Date.to_string(fields.Date.context_today(record, now)),
        "now": fields.Datetime.to_string(now),
    }
    return parse_condition(text, placeholders)


def check_condition(condition, model, message):
    """Validate ``condition`` (a callable returning the Domain) on ``model``; a parse or field error is the user's
    input: a ValidationError made by ``message(error)``."""
    try:
        condition().validate(model)
    except Exception as error:  # noqa: BLE001 - any parse or field error is the user's input
        raise ValidationError(message(error)) from error
