from odoo import models


class ResUsers(models.Model):
    """A user shows erp_crm's partner fields (delegation): their values are checked on the user as on the partner."""

    _name = "res.users"
    # the guard first: erp_crm's fields (and NUL characters) refused by name before Odoo's own create or write works
    _inherit = ["erp.crm.input.guard", "res.users"]
