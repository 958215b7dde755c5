import logging

from odoo import SUPERUSER_ID, http
from odoo.http import request
from odoo.tools import email_normalize

from ..models.sale_intake_throttle import INTAKE_WINDOW

_logger = logging.getLogger(__name__)

# Longest accepted value of each posted field: longer ones are refused (400), never cut.
FIELD_SIZES = {
    "name": 128,
    "email": 254,
    "phone": 64,
    "subject": 200,
    "message": 10000,
    "utm_source": 100,
    "utm_medium": 100,
    "utm_campaign": 100,
}


class ErpCrmIntake(http.Controller):
    """The website form's endpoint: a request posted by any web page becomes a deal in a funnel's first stage.

    External pages cannot hold Odoo's CSRF token, so the form posts the funnel's secret token instead (compared in
    constant time). Requests are counted per client address in PostgreSQL (``sale.intake.throttle``): beyond the
    limit the answer is 429 and nothing is created. The answer never tells whether the funnel exists, whether the
    token was right, or whether the customer was known: it is the same for all of them. The token is in the public
    page, so a request speaks for nobody: see ``sale.order._erp_crm_create_web_request``.
    """

    @http.route(
        "/erp_crm/intake",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        cors="*",
        save_session=False,
        max_content_length=64 * 1024,
    )
    def erp_crm_intake(self, **post):
        env = request.env
        # sudo: the visitor (public user) has no rights at all; the counter is written by one fixed statement.
        if not env["sale.intake.throttle"].sudo()._erp_crm_hit(request.httprequest.remote_addr):
            return self._answer("too_many_requests", 429, {"Retry-After": str(INTAKE_WINDOW)})
        # A NUL character is never part of what a visitor meant (PostgreSQL stores none): dropped, so that the
        # request is kept rather than refused by the input guard after the visitor was told "received".
        values = {fname: _without_nul(post.get(fname)) for fname in FIELD_SIZES}
        invalid = self._invalid_fields(values)
        if invalid:
            return self._answer("invalid", 400, fields=invalid)
        # sudo: the funnel is looked up for the visitor only to compare its token; nothing of it is answered.
        funnel = env["sale.funnel"].sudo().browse(self._funnel_id(post.get("funnel"))).exists()
        if funnel._erp_crm_intake_token_matches(post.get("token")):
            self._create_deal(funnel, values)
        return self._answer("received", 200)

    def _invalid_fields(self, values):
        """Names of the posted fields that cannot be taken: not text, too long, or not an email address."""
        invalid = {
            fname
            for fname, value in values.items()
            if value and (not isinstance(value, str) or len(value) > FIELD_SIZES[fname])
        }
        if not email_normalize(values["email"] if isinstance(values["email"], str) else ""):
            invalid.add("email")
        return sorted(invalid)

    def _funnel_id(self, value):
        """The posted funnel's id, or an empty list when it is not a plausible id (never an error)."""
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
            return [int(value)]
        return []

    def _create_deal(self, funnel, values):
        # Created by OdooBot, as the website forms of Odoo create their records: the visitor may create nothing,
        # the token proved the page may bring requests into this funnel, and only plain text is taken from it.
        # Nothing proves who typed the address: the deal gets a contact of its own and the text is logged as a web
        # request; a known contact with the address is only suggested (``_erp_crm_create_web_request``).
        Deal = request.env(user=SUPERUSER_ID)["sale.order"]
        try:
            with Deal.env.cr.savepoint():
                Deal._erp_crm_create_web_request(funnel.with_env(Deal.env), values)
        except Exception:
            # The visitor gets the same answer; the failure is for the administrator, in the log.
            _logger.exception("Web request for funnel %s could not be saved as a deal", funnel.id)

    def _answer(self, status, code, headers=None, **extra):
        return request.make_json_response({"status": status, **extra}, headers=headers, status=code)


def _without_nul(value):
    """``value`` without NUL characters when it is text, else as it is (the shape checks refuse it)."""
    return value.replace("\x00", "") if isinstance(value, str) else value
