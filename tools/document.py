"""Wording of the customer documents (offer, payment request) and their emails, in the reader's language."""

from odoo.tools.misc import formatLang


def format_percent(env, value):
    """A rate as the reader's language writes it, with one sign: "19 %" in German, "19%" in English, "5,5 %"
    (as many decimals as the rate has, at most two)."""
    value = round(value or 0.0, 2)
    digits = 0 if value == int(value) else (1 if value * 10 == int(value * 10) else 2)
    return env._("%(rate)s%%", rate=formatLang(env, value, digits=digits))


def format_duration(env, amount, unit):
    """An amount of a time unit (``minutes``, ``hours``, ``working_days``) in words, singular or plural, in the
    reader's language: "1 minute", "15 minutes", "1 working day" ("15 Minuten", "1 Arbeitstag")."""
    _ = env._
    one = amount == 1
    if unit == "minutes":
        return _("%(amount)s minute", amount=amount) if one else _("%(amount)s minutes", amount=amount)
    if unit == "hours":
        return _("%(amount)s hour", amount=amount) if one else _("%(amount)s hours", amount=amount)
    return _("%(amount)s working day", amount=amount) if one else _("%(amount)s working days", amount=amount)
