from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Command

# How long a demo deal typically stayed in each stage it went through (hours), to date its history.
DEMO_STAGE_HOURS = {
    "First call": 3,
    "Measurement": 26,
    "Approval": 20,
    "Payment": 45,
    "Production": 120,
    "Installation": 24,
}


class SaleOrder(models.Model):
    """The window installer's demo deals walk their funnel through the stage-move door, as users would.

    Each demo deal is created in the first stage (its robots run) and then does what the story says,
    stage by stage: the call is logged, a measurement appointment is booked, the quotation goes out, the
    payment request and the down-payment invoice are sent by the robots, the accountant registers the
    payment (the trigger moves the deal to Production and confirms the order), manufacturing finishes (the
    trigger moves it to Installation and the installer gets his task), the task is closed (Final invoice: the
    accountant's activity), the rest is invoiced and paid (Won). Gates, triggers and robots all apply: the demo
    obeys its own rules. Finally the history is dated back so that each deal has been in its stage for a while.
    """

    _inherit = "sale.order"

    @api.model
    def _erp_crm_demo_company_setup(self, company_id):
        """Set up the demo's window installer, a company of its own in euros, and load the rest of the demo in it.

        Its chart of accounts is Germany's SKR03 when the German localization is installed, else Odoo's generic chart
        with German VAT (19%). Its working calendar is Berlin's; its warehouse is in Freiburg. The demo's later files
        are loaded by the superuser in their own environments, whose company is the superuser's: making the window
        installer the superuser's (and the administrator's) company puts the demo's funnel, deals, invoices and
        projects in it, and opens the demo on it.
        """
        company = self.env["res.company"].browse(company_id)
        currency = company.currency_id
        german_chart = self.env["ir.module.module"].search_count(
            [("name", "=", "l10n_de"), ("state", "=", "installed")]
        )
        if not company.chart_template:
            self.env["account.chart.template"].try_loading("de_skr03" if german_chart else "generic_coa", company)
            if not german_chart:
                # The generic chart's taxes are placeholders (15%): the window installer charges German VAT.
                for tax in company.account_sale_tax_id | company.account_purchase_tax_id:
                    tax.write({"amount": 19.0, "name": tax.name.replace("15", "19")})
                    tax.tax_group_id.name = tax.tax_group_id.name.replace("15", "19")
                # Its "Domestic" fiscal position is for the United States: German customers would get "Foreign
                # Trade" (0% exports). Domestic is the company's country.
                domestic = (
                    self.env["account.chart.template"]
                    .with_company(company)
                    .ref("template_generic_domestic_fiscal_position", raise_if_not_found=False)
                )
                if domestic:
                    domestic.country_id = company.country_id
            # The generic chart sets its own currency (the dollar): no journal item exists yet, the euro stays.
            company.currency_id = currency
        company.resource_calendar_id.tz = "Europe/Berlin"
        company.partner_id.lang = "de_DE"  # activated by the demo's first file
        # Odoo creates a new company's warehouse in its onboarding (tests excepted): the windows are made and
        # delivered from Freiburg.
        if not self.env["stock.warehouse"].search_count([("company_id", "=", company.id)], limit=1):
            self.env["stock.warehouse"].create({"name": "Freiburg", "code": "FRB", "company_id": company.id})
        for user in self.env.ref("base.user_root") | self.env.ref("base.user_admin"):
            user.write({"company_ids": [Command.link(company.id)], "company_id": company.id})
        return True

    @api.model
    def _erp_crm_demo_walk(self, plan):
        """Walk demo deals to their stage. Demo data only.

        :param plan: list of dicts: ``deal`` (id), ``stage`` (id of the stage to reach), ``minutes`` (how long
            it has been there), optional ``appointment_minutes`` (appointment relative to now),
            ``installation_days`` (installation date relative to today), ``lost_reason`` (id: the deal is
            lost once it has reached ``stage``).
        """
        # No SMS to demo customers when their windows are delivered: texting needs an IAP account, which Odoo creates
        # in a second cursor, blocked by the install's own locks (the demo loads inside the install).
        self = self.with_context(skip_sms=True)  # noqa: PLW0642
        now = fields.Datetime.now()
        for step in plan:
            deal = self.browse(step["deal"])
            target = self.env["sale.funnel.stage"].browse(step["stage"])
            deal._erp_crm_demo_walk_to(target, step, now)
            if step.get("lost_reason"):
                deal._mark_lost(self.env["sale.lost.reason"].browse(step["lost_reason"]))
        for step in plan:
            self.browse(step["deal"])._erp_crm_demo_date_back(now - timedelta(minutes=step["minutes"]), now)
        return True

    def _erp_crm_demo_walk_to(self, target, step, now):
        self.ensure_one()
        open_stages = self.funnel_id.stage_ids.filtered(lambda s: s.kind == "open")
        path = open_stages.filtered(lambda s: s.sequence <= target.sequence) if target.kind == "open" else open_stages
        for stage in path[1:]:
            if self.stage_id.kind != "open" or self.stage_id.sequence >= stage.sequence:
                continue
            self._erp_crm_demo_finish_activities()
            self._erp_crm_demo_enter(stage, step, now)
        if target.kind == "won" and self.won_status != "won":
            self._erp_crm_demo_finish_activities()
            self._erp_crm_demo_close_installation()
            self._erp_crm_demo_invoice_the_rest()  # the customer pays it: the trigger wins the deal
            if self.stage_id != target:
                self.write({"stage_id": target.id})
            self._erp_crm_demo_run_background_robots()

    def _erp_crm_demo_enter(self, stage, step, now):
        """Do what leads to ``stage`` in the story; the triggers move the deal, else the salesperson does."""
        if stage.name == "Measurement":
            appointment = now + timedelta(minutes=step.get("appointment_minutes", 60 * 24))
            self.appointment_at = self._erp_crm_demo_working_hour(appointment)
        elif stage.name == "Payment" and self.state == "draft":
            self.action_quotation_sent()  # the quotation agreed in Approval went out
        elif stage.name == "Production":
            self._erp_crm_demo_pay_down_payment()
        elif stage.name == "Installation":
            days = step.get("installation_days", 3)
            self.installation_date = fields.Datetime.to_datetime(fields.Date.today() + timedelta(days=days)).replace(
                hour=8
            )
            self._erp_crm_demo_produce()
        elif stage.name == "Final invoice":
            self._erp_crm_demo_close_installation()  # the closed task moves the deal (its trigger)
        if self.stage_id != stage:
            self.with_user(self.user_id or self.env.user).write({"stage_id": stage.id})
        self._erp_crm_demo_run_background_robots()

    def _erp_crm_demo_run_background_robots(self):
        """What the background robots' cron does right after a move's commit (the demo loads in one transaction,
        the cron would commit): this deal's runs due now are done, as in a running database a minute later."""
        now = fields.Datetime.now()
        due = self.robot_run_ids.filtered(lambda run: run.state == "planned" and run.planned_at <= now)
        with self._erp_crm_events_deferred(due) as runs:
            runs._execute()

    def _erp_crm_demo_working_hour(self, when):
        """The first full hour of the company's working time at or after ``when`` (naive UTC): appointments are
        made in working hours, whatever the time the demo is loaded at."""
        calendar = self.company_id.resource_calendar_id
        start = when.replace(minute=0, second=0, microsecond=0)
        if not calendar:
            return start
        # plan_hours(0) is the calendar's next working moment (Odoo's engine, in the calendar's time zone)
        moment = calendar.plan_hours(0.0, start, compute_leaves=True) or start
        return moment if moment == moment.replace(minute=0) else moment.replace(minute=0) + timedelta(hours=1)

    def _erp_crm_demo_finish_activities(self):
        """The work of the stage is done: its open activities are marked done by their assignees, who write their
        feedback in their own language."""
        for activity in self.activity_ids:
            user = activity.user_id or self.env.user
            assignee = activity.with_user(user).with_context(lang=user.lang or self.env.lang)
            assignee.action_feedback(feedback=assignee.env._("Done."))

    def _erp_crm_demo_pay_down_payment(self):
        """The customer pays the down-payment invoice; the accountant registers the payment."""
        invoices = self._get_down_payment_invoices().filtered(lambda m: m.state == "posted")
        if not invoices:
            invoices = self._erp_crm_create_down_payment_invoice(50)
        accountant = self.env.ref("erp_crm.res_users_demo_accountant", raise_if_not_found=False)
        Register = self.env["account.payment.register"].with_user(accountant or self.env.user)
        Register.with_context(active_model="account.move", active_ids=invoices.ids).create({})._create_payments()

    def _erp_crm_demo_produce(self):
        """The workshop makes the windows: every manufacturing order of the deal is done."""
        for production in self.mrp_production_ids.filtered(lambda p: p.state not in ("done", "cancel")):
            production.qty_producing = production.product_qty
            production.move_raw_ids.picked = True
            production.with_context(skip_consumption=True, skip_backorder=True).button_mark_done()

    def _erp_crm_demo_close_installation(self):
        """The installer fits the windows and closes his task; the windows are delivered."""
        for picking in self.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")):
            picking.action_assign()
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
                move.picked = True
            picking.with_context(skip_backorder=True)._action_done()
        tasks = self.env["project.task"].search([("sale_order_id", "=", self.id), ("state", "!=", "1_done")])
        for task in tasks:
            done_stage = task.project_id.type_ids.filtered("fold")[:1]
            task.write({"state": "1_done", **({"stage_id": done_stage.id} if done_stage else {})})

    def _erp_crm_demo_invoice_the_rest(self):
        """After the installation the accountant invoices the remaining amount (the down payment deducted); the
        customer pays it and the accountant registers the payment."""
        if self.invoice_status == "to invoice":
            accountant = self.env.ref("erp_crm.res_users_demo_accountant", raise_if_not_found=False)
            invoices = self._create_invoices(final=True)
            invoices.action_post()
            Register = self.env["account.payment.register"].with_user(accountant or self.env.user)
            Register.with_context(active_model="account.move", active_ids=invoices.ids).create({})._create_payments()

    def _erp_crm_demo_date_back(self, date_stage, now):
        """Date the deal's stage history back: it entered its stage at ``date_stage``, earlier stages before.

        Relative robot deadlines, robot runs and time limits move with the entries they belong to; deadlines
        taken from a date of the deal (the appointment, the installation date) stay.
        """
        self.ensure_one()
        rows = self.stage_history_ids.sorted(lambda h: (h.date_in, h.id))
        new_in = {}
        cursor = date_stage
        for row in reversed(rows):
            hours = DEMO_STAGE_HOURS.get(row.stage_id.name, 8)
            new_in[row] = cursor if row == rows[-1] else cursor - timedelta(hours=hours)
            cursor = new_in[row]
        for index, row in enumerate(rows):
            date_out = new_in[rows[index + 1]] if index + 1 < len(rows) else False
            shift = new_in[row] - row.date_in
            # sudo: demo data dates back the audit trail, which only the stage-move door writes otherwise.
            row.sudo().write(
                {
                    "date_in": new_in[row],
                    "date_out": date_out,
                    "duration_hours": (date_out - new_in[row]).total_seconds() / 3600 if date_out else 0.0,
                }
            )
            runs = self.robot_run_ids.filtered(lambda r, row=row: r.history_id == row)
            # sudo: the robot log is read-only to users; the demo dates it back like the history it belongs to.
            for run in runs.sudo():
                run.write(
                    {
                        "planned_at": run.planned_at + shift,
                        "done_at": run.done_at and run.done_at + shift,
                    }
                )
                activity = self.env["mail.activity"].search([("robot_run_id", "=", run.id)])
                if activity.deadline_at and run.robot_id.deadline_mode != "field":
                    # Counted again by the robot engine from the dated-back entry: working time, not a shifted
                    # clock (an entry dated back to the night has its work due the next working morning).
                    deadline = run.robot_id._get_deadlines(run)[run]
                    tz = activity.user_id.tz or self.env.user.tz or "UTC"
                    day = fields.Date.context_today(activity.with_context(tz=tz), deadline)
                    activity.write({"deadline_at": deadline, "date_deadline": day})
        self._erp_crm_demo_date_back_messages(rows, new_in)
        first_in = new_in[rows[0]] if rows else date_stage
        vals = {"date_stage": date_stage}
        if self.state in ("draft", "sent"):
            vals["date_order"] = first_in
        self.write(vals)  # no stage in vals: only the dates move, the deal stays in its stage
        self._set_stage_time_limit()

    def _erp_crm_demo_date_back_messages(self, rows, new_in):
        """The chatter follows the history: each message is dated in the stage entry it was written in."""
        if not rows:
            return
        entry = rows[0]
        remaining = list(rows)
        # sudo: demo data only dates its own messages back.
        messages = (
            self.env["mail.message"].sudo().search([("model", "=", "sale.order"), ("res_id", "=", self.id)], order="id")
        )
        previous = None
        for offset, message in enumerate(messages):
            moved_to = message.tracking_value_ids.filtered(lambda t: t.field_id.name == "stage_id").new_value_integer
            if moved_to:
                entered = next((row for row in remaining if row.stage_id.id == moved_to), None)
                if entered:
                    entry = entered
                    remaining = remaining[remaining.index(entered) + 1 :]
            following = rows[list(rows).index(entry) + 1] if entry != rows[-1] else None
            if message.mail_activity_type_id and following:
                # An activity marked done: the work of the stage, just before the deal moved on.
                date = new_in[following] - timedelta(minutes=5)
            else:
                date = new_in[entry]
            # The chatter lists messages in the order they were written: their dates follow that order.
            previous = date = max(date, previous + timedelta(seconds=1)) if offset else date
            message.date = date

    @api.model
    def _erp_crm_demo_invoice_history(self, history, product_id):
        """The demo customers' purchases of the past two years, as posted invoices (credit notes for negative
        amounts), then the customer ranking of the company. Demo data only.

        :param history: list of dicts: ``partner`` (id) and ``invoices``, a list of ``(months ago, untaxed
            amount)``; the invoice is dated that many months before today.
        :param product_id: the product invoiced (its taxes apply; the ranking counts the untaxed amount)
        """
        company = self.env.company
        journal = self.env["account.journal"].search([("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
        today = fields.Date.context_today(self)
        invoices = [
            (today - relativedelta(months=months, days=3), partner["partner"], amount)
            for partner in history
            for months, amount in partner["invoices"]
        ]
        # oldest first: invoice numbers follow the dates
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice" if amount > 0 else "out_refund",
                    "partner_id": partner_id,
                    "invoice_date": invoice_date,
                    "journal_id": journal.id,
                    "currency_id": company.currency_id.id,
                    "invoice_line_ids": [
                        Command.create({"product_id": product_id, "quantity": 1, "price_unit": abs(amount)})
                    ],
                }
                for invoice_date, partner_id, amount in sorted(invoices, key=lambda i: i[0])
            ]
        )
        moves.action_post()
        # Good customers pay: the past invoices are paid (no overdue invoice holds a demo deal at a gate).
        invoices = moves.filtered(lambda m: m.move_type == "out_invoice")
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoices.ids).create(
            {"group_payment": False}
        )._create_payments()
        Ranking = self.env["res.partner.ranking"]
        # The ranking as it stood a month ago (the invoices of the last month not yet made): today's ranking keeps it
        # as last month's snapshot, so the migration report shows where customers went since.
        month_ago = fields.Datetime.now() - relativedelta(months=1)
        self.env.flush_all()
        self.env.execute_query(Ranking._ranking_upsert_sql(company.ids, month_ago.date(), month_ago))
        company.invalidate_recordset(["erp_crm_ranking_date"])
        Ranking.invalidate_model()
        Ranking._compute_ranking(company)
        # The demo deals were made before their customers had a class: their priority now defaults from it.
        deals = self.search([("company_id", "=", company.id), ("won_status", "=", "pending")])
        self.env.add_to_compute(self._fields["priority"], deals)
        deals.flush_recordset(["priority"])
        return True
