from odoo import fields, models
from odoo.exceptions import ValidationError

SERVICE_PRIORITIES = [("low", "Low"), ("normal", "Normal"), ("high", "High"), ("urgent", "Urgent")]


def check_service_priority(env, value, field_label):
    """Refuse a priority outside the list with a message naming the field (the ORM would only say 'Wrong value')."""
    if value and (not isinstance(value, str) or value not in dict(SERVICE_PRIORITIES)):
        raise ValidationError(
            env._(
                "%(field)s: “%(value)s” is not a priority; choose one of %(choices)s.",
                field=field_label,
                value=value,
                choices=", ".join(label for _key, label in SERVICE_PRIORITIES),
            )
        )


class ProjectServiceType(models.Model):
    """What a service request is about (question, complaint, warranty...); it gives the request its priority."""

    _name = "project.service.type"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Service Request Type"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    default_priority = fields.Selection(
        SERVICE_PRIORITIES,
        required=True,
        default="normal",
        help="Priority given to new requests of this type (the customer's ranking may raise it).",
    )
