from odoo import models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount

from ..tools import DOOR_FIELDS

WRITABLE_TYPES = (
    *("char", "text", "integer", "float", "monetary", "boolean"),
    *("selection", "many2one", "date", "datetime"),
)


class SaleFunnelRobot(models.Model):
    """Robot kinds that change records: a down-payment invoice, a deal field, a server action."""

    _inherit = "sale.funnel.robot"

    # ------------------------------------------------------------
    # DOWN PAYMENT
    # ------------------------------------------------------------

    def _check_down_payment(self):
        if not 0 < self.down_payment_percent <= 100:
            raise ValidationError(
                self.env._("Down Payment (%%): robot “%(robot)s” needs a share between 0 and 100%%.", robot=self.name)
            )

    def _describe_down_payment(self, order, user, when):
        if order._get_down_payment_invoices():
            return self.env._("nothing: the deal already has its down-payment invoice")
        amount = order.amount_total * self.down_payment_percent / 100
        text = self.env._(
            "down-payment invoice of %(percent)s%% (%(amount)s), posted",
            percent=f"{self.down_payment_percent:g}",
            amount=format_amount(self.env, amount, order.currency_id),
        )
        if self.send_invoice:
            text = self.env._(
                "%(text)s and emailed to %(email)s",
                text=text,
                email=order.partner_id.email or self.env._("nobody (no address)"),
            )
        return text

    def _execute_down_payment(self, runs):
        """Create and post each deal's down-payment invoice (once per deal), and send it as Odoo sends invoices."""
        results = {}
        to_send = self.env["account.move"]
        for run in runs:
            order = run.order_id
            existed = bool(order._get_down_payment_invoices())
            invoice = order._erp_crm_create_down_payment_invoice(self.down_payment_percent, post=True)
            if existed:
                results[run] = ("skipped", self.env._("The deal already has its down-payment invoice."), invoice[:1])
                continue
            if self.send_invoice and invoice.partner_id.email:
                to_send |= invoice
            results[run] = (
                "done",
                self.env._(
                    "Down-payment invoice %(invoice)s of %(amount)s posted.",
                    invoice=invoice.name,
                    amount=format_amount(self.env, invoice.amount_total, invoice.currency_id),
                ),
                invoice,
            )
        if to_send:
            self._send_invoices(to_send)
        return results

    def _send_invoices(self, invoices):
        """Send posted invoices by email through Odoo's invoice sending (``account.move.send``): Odoo's invoice
        PDF made, kept on the invoice and attached, the invoice marked *sent*, the invoice template rendered in the
        customer's language. The email is queued (sent by the mail queue after commit), as robot emails are."""
        # sudo: the robot posted the invoice on the company's behalf (see _erp_crm_create_down_payment_invoice);
        # sending it needs accounting rights the person whose move ran the robot may lack.
        self.env["account.move.send"].sudo().with_context(mail_notify_force_send=False)._generate_and_send_invoices(
            invoices.sudo(), sending_methods={"email"}
        )

    # ------------------------------------------------------------
    # WRITE: a field of the deal (or request), through an "Update Record" server action's value conversion
    # ------------------------------------------------------------

    def _check_write(self):
        # sudo: only field metadata (ir.model.fields is for admins) and an in-memory conversion; nothing is written.
        robot = self.sudo()
        field = robot.write_field_id
        model = self._get_record_model()
        Record = self.env[model]
        if not field:
            raise ValidationError(self.env._("Field to Update: robot “%(robot)s” needs one.", robot=self.name))
        if field.model == model and field.name in Record._erp_crm_robot_protected_fields():
            raise ValidationError(
                self.env._(
                    "Field to Update: robots may not write “%(field)s” (%(name)s): only the stage-move door does, "
                    "once the stage's robots are done.",
                    field=field.field_description,
                    name=field.name,
                )
            )
        order_field = Record._fields.get(field.name)
        if (
            field.model != model
            or not order_field
            or not order_field.store
            or order_field.readonly
            or field.ttype not in WRITABLE_TYPES
        ):
            raise ValidationError(
                self.env._(
                    "Field to Update: “%(field)s” is not a field of the deal that robots can set.",
                    field=field.field_description,
                )
                if model == "sale.order"
                else self.env._(
                    "Field to Update: “%(field)s” is not a field of the service request that robots can set.",
                    field=field.field_description,
                )
            )
        try:
            value = robot._get_write_value()
            order_field.convert_to_cache(value, Record)
            related = self.env[order_field.comodel_name] if order_field.type == "many2one" else None
            if related is not None and value and not related.browse(value).exists():
                raise ValueError(self.env._("no record %(id)s", id=value))
        except Exception as error:  # noqa: BLE001 - any conversion error is the user's input
            raise ValidationError(
                self.env._(
                    "New Value: “%(value)s” does not fit the field %(field)s (%(error)s).",
                    value=self.write_value or "",
                    field=field.field_description,
                    error=error,
                )
            ) from error

    def _get_write_action(self):
        """The robot's update as an in-memory "Update Record" server action (nothing is stored)."""
        boolean = (self.write_value or "").strip().lower() in ("1", "true", "yes")
        return self.env["ir.actions.server"].new(
            {
                "name": self.name,
                "model_id": self.env["ir.model"]._get_id(self._get_record_model()),
                "state": "object_write",
                "update_path": self.write_field_name,
                "evaluation_type": "value",
                "value": self.write_value,
                "update_boolean_value": "true" if boolean else "false",
            }
        )

    def _get_write_value(self):
        """The value converted as an "Update Record" server action converts it (``ir.actions.server._eval_value``)."""
        action = self._get_write_action()
        return action._eval_value()[action.id]

    def _describe_write(self, order, user, when):
        return self.env._(
            "set %(field)s to %(value)s",
            field=self.write_field_id.field_description,
            value=self.write_value or self.env._("empty"),
        )

    def _execute_write(self, runs):
        # The server action's value conversion, then one write for the whole batch: running the action itself
        # would write deal by deal (object_write runs per record).
        records = self._get_records(runs)
        records.write({self.write_field_name: self._get_write_value()})
        message = self.env._(
            "%(field)s set to %(value)s.",
            field=records._fields[self.write_field_name]._description_string(self.env),
            value=self.write_value or self.env._("empty"),
        )
        return {run: ("done", message, None) for run in runs}

    # ------------------------------------------------------------
    # SERVER ACTION
    # ------------------------------------------------------------

    def _check_server_action(self):
        # sudo: reading the picked action's model and steps, which managers without Settings rights cannot read.
        action = self.server_action_id.sudo()
        if not action:
            raise ValidationError(self.env._("Server Action: robot “%(robot)s” needs one.", robot=self.name))
        if action.model_id.model != "sale.order":
            raise ValidationError(
                self.env._(
                    "Server Action: “%(action)s” works on %(model)s, not on deals (sale orders).",
                    action=action.name,
                    model=action.model_id.name,
                )
            )
        steps = action | action.child_ids
        for step in steps.filtered(lambda s: s.state == "object_write" and s.model_id.model == "sale.order"):
            fname = (step.update_path or "").split(".")[0]
            if fname in DOOR_FIELDS:
                raise ValidationError(
                    self.env._(
                        "Server Action: “%(action)s” writes the deal's %(field)s; robots may not (only the "
                        "stage-move door does, once the stage's robots are done).",
                        action=step.name,
                        field=fname,
                    )
                )

    def _describe_server_action(self, order, user, when):
        return self.env._("run server action “%(action)s”", action=self.server_action_id.name)

    def _execute_server_action(self, runs):
        """Run the action on the deals with the rights of the robot's last writer, not as superuser.

        Only Settings administrators write server actions; an ERP CRM manager only picks one. Run as the robot's
        writer, an action picked by a manager does on the deals only what that manager may do by hand (record
        rules, access rights and the action's Allowed Groups are checked for the manager), and one picked by a
        Settings administrator runs with that administrator's rights, as when they run it from the deal. The
        user who moves the deal has no say: the robot is configuration, and acts for whoever configured it.
        """
        env = self._writer_env()
        orders = runs.order_id.with_env(env)
        action = self.server_action_id.with_env(env).with_context(
            active_model="sale.order", active_ids=orders.ids, active_id=orders[:1].id
        )
        action.run()
        message = self.env._("Server action “%(action)s” ran.", action=self.server_action_id.name)
        return {run: ("done", message, None) for run in runs}
