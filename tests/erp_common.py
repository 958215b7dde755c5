from datetime import date

from odoo.fields import Command
from odoo.tests import new_test_user

from .common import ErpCrmCommon


class ErpTriggerCommon(ErpCrmCommon):
    """The window funnel with real accounting: an accountant, a bank journal, helpers to invoice and pay. Runs at
    the frozen instant of ``ErpCrmCommon`` (``DEFAULT_TEST_INSTANT``) unless a subclass freezes its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_accountant = new_test_user(
            cls.env, login="erp_crm_accountant", groups="account.group_account_invoice", name="Anna Accountant"
        )
        cls.product.write({"list_price": 1000.0, "invoice_policy": "order"})

    @classmethod
    def _create_deal(cls, **values):
        values.setdefault("order_line", [Command.create({"product_id": cls.product.id, "product_uom_qty": 2})])
        return super()._create_deal(**values)

    @classmethod
    def _create_task_robot(cls, project, role=None, **values):
        """A task robot on Installation: entering it creates the deal's task in ``project`` (billable), not again
        while it is open, planned on the deal's installation date and assigned to ``role`` (else the salesperson)."""
        return cls.env["sale.funnel.robot"].create(
            {
                "name": "Install the windows",
                "stage_id": cls.stage_installation.id,
                "kind": "task",
                "project_id": project.id,
                "role_id": role.id if role else False,
                "summary": "Install windows: {{ object.partner_id.name }} ({{ object.name }})",
                "deadline_mode": "field",
                "deadline_field_id": cls.env["ir.model.fields"]._get("sale.order", "installation_date").id,
                **values,
            }
        )

    def _set_trigger(self, stage, trigger, **values):
        stage.write({"trigger": trigger, **values})

    def _down_payment(self, deal, percent=50.0, post=True):
        return deal._erp_crm_create_down_payment_invoice(percent, post=post)

    def _overdue_invoice(self, amount):
        """A posted invoice of the customer for old windows, due on 31 January 2026."""
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner.id,
                "invoice_date": date(2026, 1, 1),
                "invoice_date_due": date(2026, 1, 31),
                "invoice_line_ids": [Command.create({"name": "Old windows", "quantity": 1, "price_unit": amount})],
            }
        )
        invoice.action_post()
        return invoice

    def _pay(self, invoices, amount=None, user=None, **values):
        """Register a payment on ``invoices`` as the accountant would (one payment for all of them)."""
        Register = self.env["account.payment.register"].with_user(user or self.user_accountant)
        vals = {"group_payment": True, **values}
        if amount is not None:
            vals["amount"] = amount
        wizard = Register.with_context(active_model="account.move", active_ids=invoices.ids).create(vals)
        return wizard._create_payments()


class ErpFulfilmentCommon(ErpTriggerCommon):
    """Adds a made-to-order window (manufactured from a consumable component), an installations project and
    the funnel's Installer role (for the Installation stage's task robot, see :meth:`_create_task_robot`)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("stock.route_warehouse0_mto").active = True
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.component = cls.env["product.product"].create({"name": "Glass unit", "type": "consu"})
        cls.window = cls.env["product.product"].create(
            {
                "name": "Window 120x140",
                "type": "consu",
                "is_storable": True,
                "list_price": 1000.0,
                "invoice_policy": "order",
                "route_ids": [
                    Command.set(
                        [cls.env.ref("stock.route_warehouse0_mto").id, cls.warehouse.manufacture_pull_id.route_id.id]
                    )
                ],
            }
        )
        cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.window.product_tmpl_id.id,
                "product_qty": 1,
                "bom_line_ids": [Command.create({"product_id": cls.component.id, "product_qty": 1})],
            }
        )
        cls.project = cls.env["project.project"].create({"name": "Installations", "allow_billable": True})
        cls.task_stage_todo, cls.task_stage_installed = cls.env["project.task.type"].create(
            [
                {"name": "To install", "sequence": 1, "project_ids": [cls.project.id]},
                {"name": "Installed", "sequence": 2, "project_ids": [cls.project.id]},
            ]
        )
        cls.user_installer = new_test_user(
            cls.env, login="erp_crm_installer", groups="project.group_project_user", name="Ivan Installer"
        )
        cls.role_installer = cls.env["sale.funnel.role"].create(
            {
                "name": "Installer",
                "funnel_id": cls.funnel.id,
                "assignment": "user",
                "user_id": cls.user_installer.id,
            }
        )

    @classmethod
    def _create_window_deal(cls, qty=2, **values):
        return cls._create_deal(
            order_line=[Command.create({"product_id": cls.window.id, "product_uom_qty": qty})], **values
        )

    def _assert_one_installation_task(self, deal, deadline):
        """The deal has exactly one task, in the installations project, for the installer, due on ``deadline``."""
        task = self.env["project.task"].search([("sale_order_id", "=", deal.id)])
        self.assertEqual(len(task), 1)
        self.assertEqual(task.project_id, self.project)
        self.assertEqual(task.user_ids, self.user_installer)
        self.assertEqual(task.date_deadline, deadline)
        return task

    def _produce(self, productions):
        for production in productions:
            production.qty_producing = production.product_qty
            production.move_raw_ids.picked = True
            production.button_mark_done()

    def _deliver(self, pickings, qty=None):
        """Validate ``pickings`` with all their quantities, or ``qty`` of each move (the rest in a backorder)."""
        for picking in pickings:
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty if qty is None else qty
                move.picked = True
            picking.with_context(skip_backorder=False)._action_done()
