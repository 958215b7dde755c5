"""Searching on a field that a user may not read is refused as reading it is (issue 18, item 2).

A portal customer searching their own orders by class, an accountant or a project user counting deals or partners by
class or segment: each attack replayed as the attacking user through the public ORM methods (``search``,
``search_count``, ``search_read``, ordering and grouping), refused with an ``AccessError`` that tells nothing.
"""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ErpCrmCommon

# Users without sales rights, each with read access to deals and partners (Odoo's own rights).
NON_SALES_GROUPS = {
    "portal": "base.group_portal",
    "employee": "base.group_user",
    "accountant": "account.group_account_invoice",
    "project": "project.group_project_user",
}


def _condition(field):
    """A condition on ``field`` that a search method answers (a leak when it does for a user who may not read it)."""
    if field.type == "selection":
        return (field.name, "in", [field.selection[0][0]] if isinstance(field.selection, list) else ["x"])
    if field.type == "boolean":
        return (field.name, "=", True)
    return (field.name, "!=", False)


@tagged("erp_crm", "erp_crm_security")
class TestSearchNeedsRead(ErpCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.carla = cls.env["res.partner"].create({"name": "Carla Customer", "is_company": True})
        cls.env["res.partner.ranking"].create(
            {
                "partner_id": cls.carla.id,
                "company_id": cls.env.company.id,
                "abc_class": "a",
                "rfm_segment": "champions",
                "last_invoice_date": "2026-03-01",
            }
        )
        cls.portal = new_test_user(
            cls.env, login="erp_crm_search_portal", groups="base.group_portal", parent_id=cls.carla.id
        )
        cls.deal = cls._create_deal(partner_id=cls.carla.id, user_id=cls.user_sales.id)
        cls.deal.message_subscribe(cls.portal.partner_id.ids)  # Odoo's portal access to one's orders
        cls.other_deal = cls._create_deal(user_id=cls.user_sales.id)
        cls.users = {
            key: new_test_user(cls.env, login=f"erp_crm_search_{key}", groups=groups)
            for key, groups in NON_SALES_GROUPS.items()
            if key != "portal"
        }
        cls.users["portal"] = cls.portal

    def test_portal_customer_cannot_learn_their_class_by_searching_their_orders(self):
        Order = self.env["sale.order"].with_user(self.portal)
        self.assertEqual(Order.search([]), self.deal, "the customer sees their own order")
        for domain in (
            [("erp_crm_abc_class", "=", "a")],
            [("erp_crm_abc_class", "!=", "a")],
            [("erp_crm_abc_class", "=", False)],
            [("erp_crm_rfm_segment", "=", "champions")],
            [("erp_crm_rfm_segment", "in", ["at_risk", "cant_lose"])],
            [("partner_id.erp_crm_abc_class", "=", "a")],
            [("partner_id.commercial_partner_id.erp_crm_rfm_segment", "=", "champions")],
            ["|", ("id", "=", 0), ("erp_crm_abc_class", "=", "a")],
        ):
            with self.subTest(domain=domain):
                with self.assertRaises(AccessError):
                    Order.search(domain)
                with self.assertRaises(AccessError):
                    Order.search_count(domain)
                with self.assertRaises(AccessError):
                    Order.search_read(domain, ["name"])

    def test_staff_without_sales_rights_cannot_count_customers_by_class_or_segment(self):
        for key in ("employee", "accountant", "project"):
            user = self.users[key]
            Order = self.env["sale.order"].with_user(user)
            Partner = self.env["res.partner"].with_user(user)
            for Model, domain in (
                (Order, [("erp_crm_abc_class", "=", "a")]),
                (Order, [("erp_crm_rfm_segment", "=", "champions")]),
                (Order, [("partner_id.erp_crm_abc_class", "=", "a")]),
                (Partner, [("erp_crm_abc_class", "=", "a")]),
                (Partner, [("erp_crm_rfm_segment", "=", "champions")]),
                (Partner, [("erp_crm_last_invoice_date", ">=", "2026-01-01")]),
                (Partner, [("erp_crm_first_deal_source_id", "!=", False)]),
                (Partner, [("erp_crm_first_deal_source_id.name", "=", "Fair")]),
                (Partner, [("sale_order_ids.erp_crm_abc_class", "=", "a")]),
            ):
                if not Model.has_access("read"):
                    continue
                with self.subTest(user=key, model=Model._name, domain=domain), self.assertRaises(AccessError):
                    Model.search_count(domain)

    def test_nor_order_or_group_by_class(self):
        """Ordering or grouping by a field is reading it: Odoo refuses both for fields one may not read."""
        fields_by_model = {
            "sale.order": ("erp_crm_abc_class", "erp_crm_rfm_segment", "stage_id", "erp_crm_is_reengagement"),
            "res.partner": ("erp_crm_abc_class", "erp_crm_rfm_segment", "erp_crm_last_invoice_date"),
        }
        for key, user in self.users.items():
            for model_name, fnames in fields_by_model.items():
                Model = self.env[model_name].with_user(user)
                for fname in fnames:
                    if Model._has_field_access(Model._fields[fname], "read"):
                        continue
                    with self.subTest(user=key, model=model_name, field=fname):
                        with self.assertRaises(AccessError):
                            Model.search([], order=f"{fname} desc")
                        with self.assertRaises(AccessError):
                            Model.web_search_read([], {"display_name": {}}, order=fname)
                        with self.assertRaises(AccessError):
                            Model.formatted_read_group([], [fname], ["__count"])

    def test_salespeople_still_search_by_class_and_segment(self):
        Order = self.env["sale.order"].with_user(self.user_sales)
        self.assertEqual(Order.search([("erp_crm_abc_class", "=", "a")]), self.deal)
        deals = self.deal | self.other_deal
        self.assertEqual(
            Order.search([("erp_crm_rfm_segment", "!=", "champions"), ("id", "in", deals.ids)]), self.other_deal
        )
        Partner = self.env["res.partner"].with_user(self.user_sales)
        self.assertEqual(Partner.search([("erp_crm_abc_class", "=", "a")]), self.carla | self.portal.partner_id)

    def test_every_restricted_non_stored_field_of_the_addon_refuses_the_search(self):
        """The sweep: every searchable non-stored field erp_crm adds, on any model, searched by each user who may
        read the model but not the field, is refused; and every search method of the addon is guarded."""
        checked = set()
        for model_name in self.env.registry:
            Model = self.env[model_name]
            if Model._abstract:
                continue
            for field in Model._fields.values():
                if field.store or not field.search or "erp_crm" not in field._modules:
                    continue
                if isinstance(field.search, str):
                    method = getattr(type(Model), field.search)
                    with self.subTest(field=str(field)):
                        self.assertEqual(
                            getattr(method, "erp_crm_restricted_field", None),
                            field.name,
                            f"{field}: decorate {field.search} with tools.restricted_search({field.name!r})",
                        )
                for key, user in self.users.items():
                    as_user = Model.with_user(user)
                    if not as_user.has_access("read") or as_user._has_field_access(field, "read"):
                        continue
                    checked.add((model_name, field.name))
                    with self.subTest(field=str(field), user=key), self.assertRaises(AccessError):
                        as_user.search_count([_condition(field)])
        expected = {
            ("sale.order", "erp_crm_abc_class"),
            ("sale.order", "erp_crm_rfm_segment"),
            ("sale.order", "is_rotting"),
            ("sale.order", "stage_kind"),
            ("res.partner", "erp_crm_abc_class"),
            ("res.partner", "erp_crm_rfm_segment"),
            ("res.partner", "erp_crm_last_invoice_date"),
            ("res.partner", "erp_crm_first_deal_source_id"),
            ("project.task", "sla_status"),
        }
        self.assertLessEqual(expected, checked, "the sweep reached the restricted fields")
