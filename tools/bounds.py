"""Date arithmetic on configured numbers: a saved number past any calendar fails one record, cleanly.

Numbers users save are bounded when saved (``erp.crm.input.guard._erp_crm_number_bounds``), but a database may hold
older values (saved before the bounds, or written by SQL). Where code computes dates from them, an ``OverflowError``
or ``ValueError`` becomes :class:`ConfigurationOutOfRange`, a ``ValidationError`` naming the setting: the caller
fails that one record (a robot run logged as failed, a stage deadline left empty, an SLA noted on the request) and
goes on with the others; a request or a cron never fails for it.
"""

from contextlib import contextmanager

from odoo.exceptions import ValidationError


class ConfigurationOutOfRange(ValidationError):
    """A configured number puts a date out of any calendar."""


@contextmanager
def configured_dates(env, setting):
    """Date arithmetic on a configured number: out-of-range becomes a clear error naming ``setting`` (a text, or a
    function giving it, called only then)."""
    try:
        yield
    except (OverflowError, ValueError, ConfigurationOutOfRange) as error:
        # nested (an SLA policy's time through the calendar's arithmetic): the outer setting is the one to correct
        cause = error.__cause__ if isinstance(error, ConfigurationOutOfRange) and error.__cause__ else error
        text = setting() if callable(setting) else setting
        raise ConfigurationOutOfRange(
            env._("%(setting)s is out of range for a date (%(error)s): correct it.", setting=text, error=cause)
        ) from cause
