from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import formatLang

from ..tools.units import percent_reached


class SaleOrder(models.Model):
    """Financial gates of the stage-move door, and what entering a stage does to the order.

    Extends the door's hooks (``_check_stage_move``, ``_before_stage_entry``) with ``super()``.
    """

    _inherit = "sale.order"

    # ------------------------------------------------------------
    # VIEWS: THE DIALOG ASKING FOR A STAGE'S FIELDS
    # ------------------------------------------------------------

    @api.model
    def _get_view_cache_key(self, view_id=None, view_type="form", **options):
        key = super()._get_view_cache_key(view_id, view_type, **options)
        if self.env.context.get("erp_crm_gate_stage_id"):
            key += (("erp_crm_gate_fields", self._erp_crm_gate_dialog_fields()),)
        return key

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """The gate dialog's form (``sale_order_view_form_stage_gate``) lists the fields the stage of
        ``erp_crm_gate_stage_id`` asks for (those of ``erp_crm_gate_fields`` when given), each required."""
        arch, view = super()._get_view(view_id, view_type, **options)
        if view and view == self.env.ref("erp_crm.sale_order_view_form_stage_gate", raise_if_not_found=False):
            group = arch.find(".//group[@name='gate_fields']")
            for fname in self._erp_crm_gate_dialog_fields():
                group.append(arch.makeelement("field", {"name": fname, "required": "1"}))
        return arch, view

    @api.model
    def _erp_crm_gate_dialog_fields(self):
        """Names of the fields the gate dialog asks for: the context's stage's gate fields, in their order,
        narrowed to the context's ``erp_crm_gate_fields`` (JSON names only: the context comes from the browser)."""
        stage_id = self.env.context.get("erp_crm_gate_stage_id")
        if not isinstance(stage_id, int):
            return ()
        # sudo: ir.model.fields is for administrators; only the names of the stage's gate fields are read, and the
        # form's post-processing still drops the fields the user may not see.
        names = self.env["sale.funnel.stage"].browse(stage_id).sudo().exists().gate_field_ids.mapped("name")
        wanted = self.env.context.get("erp_crm_gate_fields")
        if isinstance(wanted, list):
            names = [name for name in names if name in wanted]
        return tuple(name for name in names if name in self._fields)

    @api.readonly
    def get_stage_gate_dialog(self, stage_id):
        """What the web client needs to ask for the fields stage ``stage_id`` requires and this deal lacks before
        a move (drag and drop, status bar): False when nothing is missing, else the gate dialog's form, post-processed
        for the user (``arch``) with its ``models``, as ``get_views`` gives them.

        The web client's view loader keeps only ``lang`` and ``*_view_ref`` of the context (and caches what it
        loads), so the form listing this stage's fields is built here and handed to the dialog whole.
        """
        missing = self.get_stage_gate_missing_fields(stage_id)
        if not missing:
            return False
        view = self.env.ref("erp_crm.sale_order_view_form_stage_gate")
        result = self.with_context(erp_crm_gate_stage_id=stage_id, erp_crm_gate_fields=missing).get_views(
            [(view.id, "form")]
        )
        return {"fields": missing, "arch": result["views"]["form"]["arch"], "models": result["models"]}

    @api.readonly
    def get_stage_gate_missing_fields(self, stage_id):
        """Names of the fields the stage ``stage_id`` asks for that this deal lacks and the user may fill in.

        The web client asks before a move (drag and drop, status bar) and opens the gate dialog for them; the move
        itself still goes through the door, which refuses it if anything is still missing.
        """
        self.ensure_one()
        self.check_access("read")
        stage = self.env["sale.funnel.stage"].browse(stage_id).exists()
        if not stage or not stage.has_access("read"):
            return []
        blockers = self._get_field_gate_blockers(stage, {})
        if self not in blockers:
            return []
        # sudo: as in the gate itself, only whether each field is empty is read.
        deal = self.sudo()
        # sudo: the stage's gate fields are ir.model.fields, which only the settings may read
        return [
            field.name
            for field in stage.sudo().gate_field_ids
            if field.name in self._fields
            and not deal[field.name]
            and self._has_field_access(self._fields[field.name], "write")
        ]

    # ------------------------------------------------------------
    # THE STAGE-MOVE DOOR: GATES AND ENTRY EFFECTS
    # ------------------------------------------------------------

    def _check_stage_move(self, stage, vals):
        """Financial gates: a move the gates refuse raises, whatever its path (drag and drop included).

        No collection activity here: the refusal rolls back the web client's transaction, so anything
        created here would vanish. Activities are scheduled by the non-interactive paths (ERP triggers,
        :meth:`_move_by_trigger`), which hold the deal back instead of raising.
        """
        result = super()._check_stage_move(stage, vals)
        blockers = self._get_stage_gate_blockers(stage, vals)
        if blockers:
            raise UserError("\n".join(blockers.values()))
        return result

    def _before_stage_entry(self, stage):
        # Confirming an order inside a move must not fire triggers for the deal being moved.
        self = self.with_context(erp_crm_skip_triggers=True)  # noqa: PLW0642
        result = super()._before_stage_entry(stage)
        if stage.confirm_order_on_entry:
            quotations = self.filtered(lambda o: o.state in ("draft", "sent"))
            if quotations:
                quotations.action_confirm()
        return result

    def _get_stage_gate_blockers(self, stage, vals=None):
        """{deal: why it may not enter ``stage``} for the deals that stage's gates keep out.

        :param vals: values written with the move (a field filled in with the move counts as filled in)
        """
        blockers = self._get_field_gate_blockers(stage, vals or {})
        if not stage or not (stage.gate_prepaid_percent or stage.gate_no_overdue_invoices):
            return blockers
        # sudo: gates read accounting figures the mover may not be allowed to read; amounts are only named
        # in the refusal for users with accounting rights.
        deals = self.sudo()
        show_amounts = self._erp_crm_may_show_amounts()
        if stage.gate_prepaid_percent:
            for deal in deals:
                if not percent_reached(deal.paid_percent, stage.gate_prepaid_percent):
                    message = deal._get_prepaid_gate_message(stage, show_amounts)
                    blockers[deal] = f"{blockers[deal]}\n{message}" if deal in blockers else message
        if stage.gate_no_overdue_invoices:
            overdue = deals._get_overdue_invoices()
            for deal in deals:
                count, amount = overdue.get(deal.partner_id.commercial_partner_id, (0, 0.0))
                if count:
                    message = self.env._(
                        "Deal %(deal)s cannot enter %(stage)s: the customer %(customer)s has %(count)s overdue "
                        "invoice(s)%(amount)s.",
                        deal=deal.name,
                        stage=stage.name,
                        customer=deal.partner_id.commercial_partner_id.name,
                        count=count,
                        amount=self.env._(
                            ", %(amount)s due",
                            amount=formatLang(self.env, amount, currency_obj=deal.company_id.currency_id),
                        )
                        if show_amounts
                        else "",
                    )
                    blockers[deal] = f"{blockers[deal]}\n{message}" if deal in blockers else message
        return {deal.with_env(self.env): message for deal, message in blockers.items()}

    def _get_field_gate_blockers(self, stage, vals):
        """{deal: message} for the deals lacking a field the stage asks to be filled in before entry."""
        if not stage:
            return {}
        # sudo: ir.model.fields is for administrators; only the names and labels of the stage's fields are read.
        gate_fields = stage.sudo().gate_field_ids
        if not gate_fields:
            return {}
        # sudo: only whether each field is empty is read (no value is shown), so that a field the mover may not
        # read still keeps the deal out.
        deals = self.sudo()
        blockers = {}
        for deal in deals:
            missing = gate_fields.filtered(
                lambda field, deal=deal: not (vals[field.name] if field.name in vals else deal[field.name])
            )
            if missing:
                blockers[deal.with_env(self.env)] = self.env._(
                    "Deal %(deal)s cannot enter %(stage)s: fill in %(fields)s first.",
                    deal=deal.name,
                    stage=stage.name,
                    fields=", ".join(missing.mapped("field_description")),
                )
        return blockers

    def _get_prepaid_gate_message(self, stage, show_amounts):
        self.ensure_one()
        if not show_amounts:
            return self.env._(
                "Deal %(deal)s needs %(required)s%% prepaid before %(stage)s: %(paid)s%% paid.",
                deal=self.name,
                required=f"{stage.gate_prepaid_percent:g}",
                stage=stage.name,
                paid=f"{self.paid_percent:.0f}",
            )
        return self.env._(
            "Deal %(deal)s needs %(required)s%% prepaid before %(stage)s: %(paid)s of %(total)s paid (%(percent)s%%).",
            deal=self.name,
            required=f"{stage.gate_prepaid_percent:g}",
            stage=stage.name,
            paid=formatLang(self.env, self.deal_paid_amount, currency_obj=self.currency_id),
            total=formatLang(self.env, self.amount_total, currency_obj=self.currency_id),
            percent=f"{self.paid_percent:.0f}",
        )

    def _get_overdue_invoices(self):
        """{commercial partner: (count, residual in company currency)} of posted, overdue customer invoices."""
        groups = self.env["account.move"]._read_group(
            [
                ("commercial_partner_id", "in", self.partner_id.commercial_partner_id.ids),
                ("company_id", "in", self.company_id.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<", fields.Date.context_today(self)),
            ],
            ["commercial_partner_id"],
            ["__count", "amount_residual_signed:sum"],
        )
        return {partner: (count, amount) for partner, count, amount in groups}

    def _erp_crm_may_show_amounts(self):
        """Whether a message about deals may name accounting amounts.

        Salespeople know a deal's total and its paid share (percentages); invoice amounts and what a customer
        owes on other orders are for users with accounting rights. Messages the system writes on deals (chatter
        notes read by everyone on the deal) never name amounts.
        """
        if self.env.context.get("erp_crm_message_for_all"):
            return False
        return self.env.user.has_group("account.group_account_invoice")
