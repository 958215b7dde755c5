from odoo import fields, models

TITLES = [("ms", "Ms"), ("mr", "Mr")]


class ResPartner(models.Model):
    """How the customer documents and robot emails greet a contact: by title and last name ("Sehr geehrte Frau
    Neumann,"), by name when no title is known, and "Sehr geehrte Damen und Herren," for a company."""

    _inherit = "res.partner"

    erp_crm_title = fields.Selection(
        TITLES,
        string="Form of Address",
        help="How letters and emails address this person (Ms Neumann, Mr Neumann).",
    )

    def _erp_crm_salutation(self):
        """The opening line of a letter to this partner, in the environment's language (render documents with the
        partner's language in the context)."""
        self.ensure_one()
        _ = self.env._
        if self.is_company or not self.name:
            return _("Dear Sir or Madam,")
        words = self.name.split()
        # The last name with the academic titles before the first name: "Dr. Martin Hofmann" → "Dr. Hofmann".
        last_name = " ".join([*(word for word in words[:-1] if word.endswith(".")), words[-1]])
        if self.erp_crm_title == "ms":
            return _("Dear Ms %(name)s,", name=last_name)
        if self.erp_crm_title == "mr":
            return _("Dear Mr %(name)s,", name=last_name)
        return _("Dear %(name)s,", name=self.name)
