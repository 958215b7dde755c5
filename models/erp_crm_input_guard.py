import math
from datetime import date, datetime
from numbers import Number

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import formatLang

# PostgreSQL's integer columns (ids, integer fields) hold values within these bounds.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# Beyond this a decimal no longer keeps its cents: no number of erp_crm (an amount, hours, a share) is that large.
FLOAT_LIMIT = 10.0**15
RELATIONAL = ("many2one", "one2many", "many2many")
TEXTS = ("char", "text", "html")
# Configuration bounds (their business meaning): a time span users configure lasts at most a year.
YEAR_DAYS = 366
YEAR_HOURS = YEAR_DAYS * 24
YEAR_MINUTES = YEAR_HOURS * 60


class ErpCrmInputGuard(models.AbstractModel):
    """Values of the wrong shape are refused with the field's name, before the ORM or the database trips on them.

    What comes over RPC is anything: text for a number, a list for a choice, an id past the integer range, a
    field that does not exist, text with a NUL character. Odoo's ORM then fails deep down (``ValueError``,
    ``TypeError``, a psycopg2 error) with a message no user can act on. Inherited by erp_crm's models (all their
    fields) and, once each, by the Odoo models it extends (the fields erp_crm adds, and unknown field names; NUL
    characters, which PostgreSQL never stores, in any text). Numbers are also kept within their configuration
    bounds (``_erp_crm_number_bounds``): one saved number must not stop everyone's work. What a value means (a
    stage of the deal's funnel, a domain that parses...) stays with each model's own constraints.
    """

    _name = "erp.crm.input.guard"
    _description = "Clear refusal of malformed values"
    # Unknown field names are refused, except on Odoo's models where the guard runs first (before Odoo's own create
    # and write, which may take values of their own out of ``vals``): those set it to False.
    _erp_crm_refuse_unknown_fields = True

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._erp_crm_check_values(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._erp_crm_check_values(vals)
        return super().write(vals)

    @api.model
    def _erp_crm_number_bounds(self):
        """{field name: (lowest, highest, what the highest means or None)} of the numbers users save on this model,
        refused outside with the field's name before anything is written. Extend it with ``super()``. Numbers not
        listed keep the bounds of their type (PostgreSQL's integers; ±10^15 for decimals); a related field takes
        the bounds of the field it shows."""
        return {}

    @api.model
    def _erp_crm_check_values(self, vals, fnames=(), model=None):
        """Refuse ``vals`` naming an unknown field, or a value whose shape does not fit its field (erp_crm's
        fields, and those of ``fnames``). Overrides that read values before ``super()`` call it first."""
        model = model if model is not None else self
        if not isinstance(vals, dict):
            raise ValidationError(
                self.env._("%(model)s: the values must be a mapping of fields.", model=model._description)
            )
        own = model._original_module == "erp_crm"
        for fname, value in vals.items():
            field = model._fields.get(fname) if isinstance(fname, str) else None
            if field is None and not (own or model._erp_crm_refuse_unknown_fields):
                continue
            if field is None:
                raise ValidationError(
                    self.env._("%(model)s has no field “%(field)s”.", model=model._description, field=fname)
                )
            if own or fname in fnames or "erp_crm" in field._modules:
                problem = self._erp_crm_value_problem(field, value)
            else:
                problem = _nul_problem(self.env, field, value)
            if problem:
                raise ValidationError(self._erp_crm_refusal(field, value, problem))

    def _erp_crm_refusal(self, field, value, problem):
        """“Delay: 'abc' is not a whole number...”: the refusal of ``value``, naming the field."""
        return self.env._(
            "%(field)s: %(value)s is not %(expected)s.",
            field=field.get_description(self.env)["string"],
            value=repr(value)[:60],
            expected=problem,
        )

    def _erp_crm_value_problem(self, field, value):
        """What the value should be, when it is not; None when its shape fits the field."""
        kind = field.type
        if value is None or value is False or isinstance(value, models.BaseModel):
            return None
        if kind in ("one2many", "many2many") and isinstance(value, int) and value == 0:
            return None  # as False
        if kind in TEXTS:
            ok = isinstance(value, str) or (kind != "html" and isinstance(value, Number))
            return _nul_problem(self.env, field, value) if ok else self.env._("text")
        if kind == "integer":
            if not _is_integer(value, INT_MIN, INT_MAX):
                return self.env._("a whole number within ±2,147,483,647")
            return self._erp_crm_bound_problem(field, int(value))
        if kind in ("float", "monetary"):
            number = _as_number(value)
            if number is None or not math.isfinite(number) or abs(number) > FLOAT_LIMIT:
                return self.env._("a number within ±1,000,000,000,000,000")
            return self._erp_crm_bound_problem(field, number)
        if kind == "selection":
            if not field.selection:
                return None
            choices = dict(field._description_selection(self.env))
            if _hashable(value) and value in choices:
                return None
            return self.env._(
                "one of %(choices)s", choices=", ".join(f"{key} ({label})" for key, label in choices.items())
            )
        if kind in ("date", "datetime"):
            if isinstance(value, (date, datetime)):
                return None
            try:
                ok = isinstance(value, str) and bool(
                    fields.Datetime.to_datetime(value) if kind == "datetime" else fields.Date.to_date(value)
                )
            except ValueError:
                ok = False
            return None if ok else self.env._("a date (YYYY-MM-DD)")
        if kind == "many2one":
            return None if _is_id(value) else self.env._("the id of a record")
        if kind in ("one2many", "many2many"):
            return self._erp_crm_commands_problem(field, value) or _nul_problem(self.env, field, value)
        return None

    def _erp_crm_bound_problem(self, field, number):
        """The configuration bounds of a number field, when ``number`` is outside them."""
        target = field
        while target.related and target.related_field:
            target = target.related_field
        Model = self.env[target.model_name]
        if not hasattr(Model, "_erp_crm_number_bounds"):
            return None
        bounds = Model._erp_crm_number_bounds().get(target.name)
        if not bounds or bounds[0] <= number <= bounds[1]:
            return None
        low, high, meaning = bounds
        expected = self.env._(
            "between %(low)s and %(high)s",
            low=formatLang(self.env, low, digits=0 if float(low).is_integer() else 2),
            high=formatLang(self.env, high, digits=0 if float(high).is_integer() else 2),
        )
        return f"{expected} ({meaning})" if meaning else expected

    def _erp_crm_commands_problem(self, field, value):
        """x2many values: ids, or commands (create, update, delete, unlink, link, clear, set) with ids and values
        of the right shape; the values of created or updated lines name fields of the line's model."""
        expected = self.env._("a list of ids or of commands such as (4, id) or (6, 0, ids)")
        if not isinstance(value, (list, tuple)):
            return expected
        comodel = self.env[field.comodel_name]
        for item in value:
            if _is_id(item):
                continue
            if not isinstance(item, (list, tuple)) or not item or not _is_integer(item[0], 0, 6):
                return expected
            code, args = item[0], list(item[1:]) + [None, None]
            if code in (0, 1) and isinstance(args[1], dict):
                for fname in args[1]:
                    if fname not in comodel._fields:
                        return self.env._(
                            "lines of %(model)s, which has no field “%(field)s”",
                            model=comodel._description,
                            field=fname,
                        )
                if code == 1 and not _is_id(args[0]):
                    return expected
            elif code in (0, 1):
                return expected
            elif code in (2, 3, 4) and not _is_id(args[0]):
                return expected
            elif code == 6 and not (isinstance(args[1], (list, tuple)) and all(_is_id(i) for i in args[1])):
                return expected
        return None


def _nul_problem(env, field, value):
    """Text with a NUL character (PostgreSQL refuses it, whatever the field): what it should be; else None."""
    if field.type in TEXTS and isinstance(value, str) and "\x00" in value:
        return env._("text without NUL characters (\\x00)")
    if field.type in RELATIONAL and isinstance(value, (list, tuple)):
        comodel = env[field.comodel_name]
        for item in value:
            if isinstance(item, (list, tuple)) and len(item) > 2 and isinstance(item[2], dict):
                for fname, line_value in item[2].items():
                    line_field = comodel._fields.get(fname) if isinstance(fname, str) else None
                    if line_field and (problem := _nul_problem(env, line_field, line_value)):
                        return problem
    return None


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _is_integer(value, low, high):
    if isinstance(value, bool):
        return True
    if isinstance(value, float):
        return math.isfinite(value) and low <= value <= high
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            return False
    return isinstance(value, int) and low <= value <= high


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= INT_MAX


def _as_number(value):
    if isinstance(value, bool) or not isinstance(value, (Number, str)):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
