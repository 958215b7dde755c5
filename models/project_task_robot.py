from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

# Fields no robot may update on a service request: what moves it (its stage, its project) and its entry number.
TASK_PROTECTED_FIELDS = frozenset({"stage_id", "project_id", "erp_crm_stage_entry"})


class ProjectTask(models.Model):
    """Service requests entering a stage run the stage's robots: the deals' robot engine (``sale.funnel.robot``),
    through the same planning, savepoints, run log and working time as a deal's stage entry.

    The entry itself is noticed by the request's ``write``/``create`` (``project_task_service.py``), which calls
    :meth:`_erp_crm_after_stage_entry` once for the batch of requests that really changed stage.
    """

    _inherit = "project.task"

    erp_crm_stage_entry = fields.Integer(
        "Stage Entry Number",
        readonly=True,
        copy=False,
        groups="base.group_user",
        help="Number of the request's current stage entry (set by the system at each entry): a robot runs once per "
        "entry, and a delayed robot whose request has entered another stage since is cancelled.",
    )
    robot_run_ids = fields.One2many("sale.funnel.robot.run", "task_id", string="Robot Log", groups="base.group_user")

    def init(self):
        super().init()
        self.env.execute_query(SQL("CREATE SEQUENCE IF NOT EXISTS erp_crm_task_stage_entry_seq"))

    @api.model
    def _erp_crm_check_stage_entry_untouched(self, vals_list):
        """The entry number is the system's: a user writing it could cancel the delayed robots of a request."""
        if self.env.su:
            return
        if any("erp_crm_stage_entry" in vals for vals in vals_list):
            raise AccessError(
                self.env._("Stage Entry Number: only the system numbers the stage entries of service requests.")
            )

    # ------------------------------------------------------------
    # STAGE ENTRY: the robots of the entered stage
    # ------------------------------------------------------------

    def _erp_crm_after_stage_entry(self):
        """These requests just entered their stage: number the entries, then run the stage's robots.

        One statement numbers the whole batch (a request re-entering a stage gets a new number, so a robot runs again
        on re-entry as its policy says, and never twice for one entry); robots run as for deals: planned in one
        batch, those due now executed in a savepoint (a failing robot is logged on the request and never loses the
        stage move), delayed ones by the robot cron.
        """
        requests = self.filtered(lambda task: task.is_service_request and task.stage_id)
        if not requests:
            return
        # sudo: robots are the service desk's configuration, applied whoever moves the request; only their ids and
        # settings are read here, no user-written code is run.
        Robot = self.env["sale.funnel.robot"].sudo()
        robots = Robot.search_fetch([("task_stage_id", "in", requests.stage_id.ids)], Robot._get_planning_fields())
        requests = requests.filtered(lambda task: task.stage_id in robots.task_stage_id)
        if not requests:
            return
        self.flush_model(["erp_crm_stage_entry"])
        rows = self.env.execute_query(
            SQL(
                "UPDATE project_task SET erp_crm_stage_entry = nextval('erp_crm_task_stage_entry_seq') "
                "WHERE id = ANY(%s) RETURNING id, erp_crm_stage_entry",
                requests.ids,
            )
        )
        self.invalidate_model(["erp_crm_stage_entry"])
        now = fields.Datetime.now()
        numbers = dict(rows)
        entries = {task: (numbers[task.id], now) for task in requests}
        # sudo: robots act for the managers who configured them (activities for other people, emails, notes), whatever
        # the rights of the user who moved the request; what they render or evaluate was checked for its author when
        # the robot was saved (see sale.funnel.robot).
        runs = robots.with_env(requests.env).sudo()._plan_runs(requests.sudo(), entries)
        runs._execute_with_move()

    # ------------------------------------------------------------
    # Hooks of the robot engine (see sale.order for deals)
    # ------------------------------------------------------------

    def _erp_crm_robot_entry_values(self, entry):
        """Run values of this request's stage entry ((entry number, when)), and when it entered."""
        number, date_in = entry
        return {
            "task_id": self.id,
            "task_entry": number,
            "entered_at": date_in,
            "task_stage_id": self.stage_id.id,
            "company_id": self.company_id.id,
        }, date_in

    def _erp_crm_working_time_owner(self):
        """Whose working time counts: the service project's calendar (as its SLAs), else the company's."""
        return self.project_id._erp_crm_service_calendar() or self.company_id or self.env.company

    def _erp_crm_robot_skip_message(self):
        return self.env._("The request does not meet the robot's condition.")

    def _erp_crm_robot_assignees(self, robot):
        """{request: user} for the robot's request role: its first assignee, its project's manager, or the
        salesperson of its customer (the deal's salesperson first)."""
        role = robot.task_role or "assignee"
        result = {}
        for task in self:
            if role == "project_manager":
                user = task.project_id.user_id
            elif role == "salesperson":
                user = task.service_order_id.user_id or task.partner_id.commercial_partner_id.user_id
            else:
                user = task.user_ids[:1]
            result[task] = user
        return result

    def _erp_crm_robot_manager(self):
        """Who is told when a robot fails on this request: the project manager, else its assignee."""
        return self.project_id.user_id or self.user_ids[:1]

    def _erp_crm_robot_followers(self):
        """Who a robot notifies as "followers": the service project's."""
        return self.project_id.message_partner_ids

    @api.model
    def _erp_crm_robot_protected_fields(self):
        return TASK_PROTECTED_FIELDS
