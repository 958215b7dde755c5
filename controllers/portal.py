from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.tools import plaintext2html

from odoo.addons.sale.controllers import portal as sale_portal

from ..models.sale_intake_throttle import INTAKE_WINDOW

SUBJECT_MAX = 200


class ServiceRequestPortal(sale_portal.CustomerPortal):
    """“Open a service request” on the customer's portal order page (issue 12).

    Only the order's customer may post: whoever holds the order's access token, or a portal user of the order's
    customer. Anyone else gets a 404 (whether the order exists or not) and nothing is created. Posts are counted
    per client address as the website form's (``sale.intake.throttle``): beyond the limit the answer is 429 and
    nothing is created.
    """

    @http.route(
        ["/my/orders/<int:order_id>/service_request"], type="http", auth="public", methods=["POST"], website=True
    )
    def portal_order_service_request(self, order_id, access_token=None, name="", description="", **kw):
        # sudo: portal customers and token holders have no rights on the counter; one fixed statement writes it.
        if not request.env["sale.intake.throttle"].sudo()._erp_crm_hit(f"service:{request.httprequest.remote_addr}"):
            return request.make_response(
                request.env._("Too many requests: please try again in a few minutes."),
                headers=[("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", str(INTAKE_WINDOW))],
                status=429,
            )
        order_sudo = self._erp_crm_service_order(order_id, access_token)
        desk = order_sudo and order_sudo._erp_crm_service_desk()
        if not desk:
            raise request.not_found()
        values = {"name": (name or "").strip(), "description": (description or "").strip()}
        service_type, error = self._erp_crm_service_type(kw.get("service_type_id"))
        if not values["name"]:
            error = request.env._("Subject: tell us in a few words what the request is about.")
        elif len(values["name"]) > SUBJECT_MAX:
            error = request.env._("Subject: at most %(count)s characters, please.", count=SUBJECT_MAX)
        if error:
            # the page again, with what the customer typed and what is wrong: nothing is lost
            form = {"error": error, "values": {**values, "service_type_id": service_type.id}}
            return self.portal_order_page(order_id, access_token=access_token, erp_crm_service_form=form)
        user = request.env.user
        # Every value is set here (desk, customer, deal), none taken from the form but the text and the type.
        # default_project_id: the desk's defaults (first stage), and nobody assigned (else Odoo assigns the author)
        # mail_create_nolog: the creation is logged below as the customer's, not the public user's
        context = {"mail_create_nosubscribe": True, "mail_create_nolog": True, "default_project_id": desk.id}
        task = (
            request.env["project.task"]
            .sudo()  # sudo: portal customers and token holders may not create tasks (the customer is checked above)
            .with_context(**context)
            .create(
                {
                    "name": values["name"],
                    "description": plaintext2html(values["description"]) if values["description"] else False,
                    "project_id": desk.id,
                    "partner_id": order_sudo.partner_id.id,
                    "service_order_id": order_sudo.id,
                    "service_type_id": service_type.id or False,
                }
            )
        )
        author = user.partner_id if user._is_portal() else order_sudo.partner_id
        task._erp_crm_log_creation(author)
        if user._is_portal() and user.partner_id != order_sudo.partner_id:
            task.message_subscribe(user.partner_id.ids)  # the contact who wrote follows it too
        return request.redirect(task.get_portal_url())

    def _erp_crm_service_order(self, order_id, access_token):
        """The order (sudo) if the visitor may open a request on it, else None."""
        try:
            order_sudo = self._document_check_access("sale.order", order_id, access_token=access_token)
        except (AccessError, MissingError):
            return None
        if not order_sudo._erp_crm_portal_may_open_request(request.env.user, access_token):
            return None
        return order_sudo

    def _erp_crm_service_type(self, value):
        """The request type chosen in the form (none: the desk's default), and an error for a bad one."""
        types = request.env["project.service.type"].sudo()  # sudo: public token holders may not read types
        if not value:
            return types, None
        try:
            service_type = types.browse(int(value)).exists()
        except ValueError:
            service_type = types
        if not service_type or not service_type.active:
            return types, request.env._("Request Type: choose one of the list.")
        return service_type, None

    def _get_page_view_values(self, document, access_token, values, session_history, no_breadcrumbs, **kwargs):
        values = super()._get_page_view_values(
            document, access_token, values, session_history, no_breadcrumbs, **kwargs
        )
        if document._name == "sale.order":
            # The page's company (footer, logo) is the deal's, not the visitor's or the website's default one.
            values["res_company"] = document.company_id
            values["erp_crm_service"] = self._erp_crm_service_values(
                document, access_token, kwargs.get("erp_crm_service_form") or {}
            )
        return values

    def _erp_crm_service_values(self, order_sudo, access_token, form):
        """What the order page shows of service requests: the form and the order's requests; False for anyone but
        the order's customer, for quotations and when the company has no service desk."""
        if not order_sudo._erp_crm_portal_may_open_request(request.env.user, access_token):
            return False
        if not order_sudo._erp_crm_service_desk():
            return False
        commercial = order_sudo.partner_id.commercial_partner_id
        # sudo (order_sudo's env): the customer's own requests about this order, listed with their portal links.
        requests = order_sudo.env["project.task"].search(
            [
                ("service_order_id", "=", order_sudo.id),
                ("is_service_request", "=", True),
                ("partner_id", "child_of", commercial.id),
            ],
            order="id desc",
        )
        return {
            "action": f"/my/orders/{order_sudo.id}/service_request",
            "access_token": access_token or "",
            "types": order_sudo.env["project.service.type"].search([]),
            "requests": requests,
            "error": form.get("error"),
            "values": form.get("values") or {},
        }
