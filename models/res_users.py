from odoo import models


class ResUsers(models.Model):
    """A user shows erp_crm's partner fields (delegation): their values are checked on the user as on the partner."""

    _name = "res.users"
    # the guard first: erp_crm's fields (and NUL characters) refused by name before Odoo's own create or write works
    _inherit = ["erp.crm.input.guard", "res.users"]
    _erp_crm_refuse_unknown_fields = False  # Odoo's create and write still get values of their own
