"""Units users configure in: the time units of delays and deadlines, and percentages reached within rounding."""

from odoo.tools import float_compare

TIME_UNITS = [("minutes", "Minutes"), ("hours", "Hours"), ("working_days", "Working Days")]
# A trigger or gate threshold is met a hair below it: taxes rounded per line can leave 49.999% for "50%".
PERCENT_TOLERANCE = 0.01


def percent_reached(value, threshold):
    """True when a percentage reaches ``threshold`` (within the rounding tolerance)."""
    return float_compare(value, threshold - PERCENT_TOLERANCE, 2) >= 0
