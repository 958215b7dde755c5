from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.project_service_type import SERVICE_PRIORITIES
from ..models.res_partner_ranking import ABC_CLASSES

CUSTOMER_CLASSES = [*ABC_CLASSES, ("none", "Not Ranked")]


class ProjectServiceReport(models.Model):
    """Service analysis: one row per service request, with the class of its customer (the customer's ranking in
    the request's company, as it stands now) and how its SLAs went.

    A request's rate is the share of its decided SLAs of that kind met in time (100 or 0 with one policy per kind);
    averaged over a group, it is the share of the group's requests whose SLA was met, among those decided (requests
    still on track count in *Requests*, not in the rates). Hours are working hours to the target, pauses excluded.
    """

    _name = "project.service.report"
    _description = "Service Analysis"
    _auto = False
    _rec_name = "task_id"
    _order = "date desc, id desc"
    # Flushed before the view is read
    _depends = {
        "project.task": [
            "is_service_request",
            "active",
            "is_template",
            "project_id",
            "company_id",
            "partner_id",
            "service_priority",
            "service_type_id",
            "stage_id",
            "state",
            "create_date",
            "user_ids",
        ],
        "project.task.sla": ["task_id", "kind", "status", "reached_at", "working_hours_to_reach"],
        "res.partner": ["commercial_partner_id"],
        "res.partner.ranking": ["partner_id", "company_id", "abc_class"],
    }

    task_id = fields.Many2one("project.task", "Request", readonly=True)
    project_id = fields.Many2one("project.project", "Service Desk", readonly=True)
    company_id = fields.Many2one("res.company", "Company", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    customer_class = fields.Selection(
        CUSTOMER_CLASSES,
        "Customer Class",
        readonly=True,
        help="The ABC class of the request's customer (its commercial partner) in the request's company, as the "
        "customer ranking stands now; on a desk shared by companies, the customer's best class.",
    )
    service_priority = fields.Selection(SERVICE_PRIORITIES, "Priority", readonly=True)
    service_type_id = fields.Many2one("project.service.type", "Request Type", readonly=True)
    user_ids = fields.Many2many(
        "res.users",
        relation="project_task_user_rel",
        column1="task_id",
        column2="user_id",
        string="Assignees",
        readonly=True,
    )
    stage_id = fields.Many2one("project.task.type", "Stage", readonly=True)
    date = fields.Datetime("Received", readonly=True)
    is_closed = fields.Boolean("Closed", readonly=True)
    request_count = fields.Integer("Requests", readonly=True)
    first_response_rate = fields.Float(
        "First Response in Time (%)",
        aggregator="avg",
        digits=(16, 1),
        readonly=True,
        help="Share of the requests whose first response SLA was met, among those met or missed.",
    )
    first_response_hours = fields.Float(
        "Hours to First Response",
        aggregator="avg",
        readonly=True,
        help="Working hours from the request to its first response (pauses excluded), on average.",
    )
    resolution_rate = fields.Float(
        "Resolved in Time (%)",
        aggregator="avg",
        digits=(16, 1),
        readonly=True,
        help="Share of the requests whose resolution SLA was met, among those met or missed.",
    )
    resolution_hours = fields.Float(
        "Hours to Resolution",
        aggregator="avg",
        readonly=True,
        help="Working hours from the request to its resolution (pauses excluded), on average.",
    )

    def _query(self):
        def rate(kind):
            return SQL(
                "AVG(CASE status WHEN 'reached' THEN 100.0 WHEN 'failed' THEN 0.0 END) FILTER (WHERE kind = %s)", kind
            )

        def hours(kind):
            return SQL("AVG(working_hours_to_reach) FILTER (WHERE kind = %s AND reached_at IS NOT NULL)", kind)

        return SQL(
            """
            SELECT t.id AS id, t.id AS task_id, t.project_id, t.company_id,
                   p.commercial_partner_id AS partner_id,
                   COALESCE(r.abc_class, 'none') AS customer_class,
                   t.service_priority, t.service_type_id, t.stage_id, t.create_date AS date,
                   t.state IN ('1_done', '1_canceled') AS is_closed,
                   1 AS request_count,
                   s.first_response_rate, s.first_response_hours, s.resolution_rate, s.resolution_hours
              FROM project_task t
              LEFT JOIN res_partner p ON p.id = t.partner_id
              LEFT JOIN LATERAL (
                    -- the customer's class in the request's company; on a shared desk (no company), its best class
                    SELECT rk.abc_class
                      FROM res_partner_ranking rk
                     WHERE rk.partner_id = p.commercial_partner_id
                       AND (rk.company_id = t.company_id OR t.company_id IS NULL)
                     ORDER BY rk.abc_class
                     LIMIT 1
                   ) r ON TRUE
              LEFT JOIN (
                    SELECT task_id,
                           %(fr_rate)s AS first_response_rate, %(fr_hours)s AS first_response_hours,
                           %(res_rate)s AS resolution_rate, %(res_hours)s AS resolution_hours
                      FROM project_task_sla
                     GROUP BY task_id
                   ) s ON s.task_id = t.id
             WHERE t.is_service_request AND t.active AND t.is_template IS NOT TRUE
            """,
            fr_rate=rate("first_response"),
            fr_hours=hours("first_response"),
            res_rate=rate("resolution"),
            res_hours=hours("resolution"),
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
