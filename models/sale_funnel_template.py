from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command

# The models a line of business creates, as the user who sets it up (their access rules apply: no sudo).
CREATED_MODELS = (
    "sale.funnel",
    "sale.funnel.stage",
    "sale.funnel.role",
    "sale.funnel.robot",
    "project.project",
    "project.task.type",
    "project.sla.policy",
)


class SaleFunnelTemplate(models.Model):
    """A line of business shipped as data: stages, roles, robots, triggers, gates, the installers' project and a
    service desk with its stages and SLA policies. ``_create_line_of_business`` makes all of it in one go, through
    the models' own create paths (their checks apply), as the user who sets it up."""

    _name = "sale.funnel.template"
    _inherit = ["erp.crm.input.guard"]  # malformed values refused with the field's name
    _description = "Line of Business Template"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True, help="What the line of business is, shown when picking it.")
    down_payment_percent = fields.Float(
        string="Down Payment (%)", default=50.0, help="Share proposed when setting up; asked in the assistant."
    )
    project_name = fields.Char(
        string="Installers' Project",
        translate=True,
        help="Project made for the tasks of the funnel's task robots (billable, with the project stages below). "
        "Empty: no project.",
    )
    desk_name = fields.Char(
        string="Service Desk",
        translate=True,
        help="Service desk made for the customers' requests after the sale (with the desk stages and SLA "
        "policies below). Empty: no desk.",
    )
    stage_ids = fields.One2many("sale.funnel.template.stage", "template_id", string="Stages")
    role_ids = fields.One2many("sale.funnel.template.role", "template_id", string="Roles")
    robot_ids = fields.One2many("sale.funnel.template.robot", "template_id", string="Robots")
    task_stage_ids = fields.One2many("sale.funnel.template.task.stage", "template_id", string="Project Stages")
    sla_ids = fields.One2many("sale.funnel.template.sla", "template_id", string="SLA Policies")

    # BUSINESS

    def _check_can_create(self):
        """Refuse before anything is written when the user may not create what the line of business holds."""
        missing = [
            self.env[model]._description
            for model in CREATED_MODELS
            if not self.env[model].has_access("create")
            and (model.startswith("sale.") or self.project_name or self.desk_name)
        ]
        if missing:
            raise UserError(
                self.env._(
                    "You cannot set up a line of business: your access rights do not let you create %(what)s. "
                    "Ask an ERP CRM manager (who is also a Project administrator).",
                    what=", ".join(missing),
                )
            )

    def _create_line_of_business(self, name, role_users, down_payment_percent):
        """Create the funnel of this template (or a blank one when ``self`` is empty) and everything it holds.

        :param name: the funnel's name
        :param role_users: {sale.funnel.template.role: res.users (possibly empty)} who holds each role
        :param down_payment_percent: share of the down payment (robots, triggers and gates that use it)
        :return: the new sale.funnel
        """
        self._check_can_create()
        if not self:
            return self.env["sale.funnel"].create({"name": name, "user_id": self.env.uid})
        self.ensure_one()
        projects, task_stages = self._create_projects()
        funnel = self.env["sale.funnel"].create(
            {
                "name": name,
                "user_id": self.env.uid,
                "stage_ids": [Command.clear()],
                "color": 4,
                # requests about this line's deals go to its own desk, not the company's first one
                "service_desk_id": projects["desk"].id if "desk" in projects else False,
            }
        )
        roles = self._create_roles(funnel, role_users)
        stages = self._create_stages(funnel)
        self._create_robots(stages, roles, projects, task_stages, down_payment_percent)
        self._set_stage_rules(stages, roles, task_stages, down_payment_percent)
        return funnel

    def _copy_translations(self, pairs, fnames):
        """Give each created record the template line's texts in every installed language.

        :param pairs: (template record, created record) pairs
        :param fnames: field names, or (template field, created record's field) pairs
        """
        langs = [code for code, _name in self.env["res.lang"].get_installed()]
        fnames = [(fname, fname) if isinstance(fname, str) else fname for fname in fnames]
        for line, record in pairs:
            for source, target in fnames:
                if line[source] and record[target]:
                    translations = {lang: line.with_context(lang=lang)[source] for lang in langs}
                    record.update_field_translations(target, translations)

    def _create_projects(self):
        """The installers' project (billable) and the service desk, with their stages and the desk's SLAs.

        :return: ({"project"|"desk": project.project}, {template task stage: project.task.type})
        """
        Project = self.env["project.project"]
        projects = {}
        vals_list = []
        if self.project_name:
            vals_list.append(("project", {"name": self.project_name, "allow_billable": True}))
        if self.desk_name:
            vals_list.append(
                (
                    "desk",
                    {
                        "name": self.desk_name,
                        "is_service_desk": True,
                        "privacy_visibility": "portal",
                        "service_type_id": (
                            self.env.ref("erp_crm.project_service_type_question", raise_if_not_found=False)
                            or self.env["project.service.type"]
                        ).id,
                    },
                )
            )
        for kind, vals in vals_list:
            vals["user_id"] = self.env.uid
            projects[kind] = Project.create(vals)
            self._copy_translations([(self, projects[kind])], [(f"{kind}_name", "name")])
        lines = self.task_stage_ids.filtered(lambda line: line.project_kind in projects)
        created = self.env["project.task.type"].create(
            [
                {
                    "name": line.name,
                    "sequence": line.sequence,
                    "fold": line.fold,
                    "is_customer_wait": line.is_customer_wait,
                    "project_ids": [Command.link(projects[line.project_kind].id)],
                }
                for line in lines
            ]
        )
        task_stages = dict(zip(lines, created, strict=True))
        self._copy_translations(task_stages.items(), ["name"])
        if "desk" in projects:
            slas = self.env["project.sla.policy"].create(
                [
                    {
                        "name": line.name,
                        "sequence": line.sequence,
                        "project_id": projects["desk"].id,
                        "kind": line.kind,
                        "service_priority": line.service_priority,
                        "stage_id": task_stages[line.stage_id].id,
                        "working_hours": line.working_hours,
                    }
                    for line in self.sla_ids
                ]
            )
            self._copy_translations(zip(self.sla_ids, slas, strict=True), ["name"])
        return projects, task_stages

    def _create_roles(self, funnel, role_users):
        lines = self.role_ids
        roles = self.env["sale.funnel.role"].create(
            [
                {
                    "funnel_id": funnel.id,
                    "name": line.name,
                    "sequence": line.sequence,
                    "assignment": "user" if role_users.get(line) else line.assignment,
                    "user_id": role_users.get(line, self.env["res.users"]).id,
                }
                for line in lines
            ]
        )
        pairs = dict(zip(lines, roles, strict=True))
        self._copy_translations(pairs.items(), ["name"])
        return pairs

    def _create_stages(self, funnel):
        lines = self.stage_ids
        stages = self.env["sale.funnel.stage"].create([line._prepare_stage_values(funnel) for line in lines])
        pairs = dict(zip(lines, stages, strict=True))
        self._copy_translations(pairs.items(), ["name", "portal_name", "requirements", "customer_note"])
        return pairs

    def _create_robots(self, stages, roles, projects, task_stages, down_payment_percent):
        lines = self.robot_ids.filtered(lambda line: line.stage_id or line.task_stage_id in task_stages)
        robots = self.env["sale.funnel.robot"].create(
            [line._prepare_robot_values(stages, roles, projects, task_stages, down_payment_percent) for line in lines]
        )
        self._copy_translations(zip(lines, robots, strict=True), ["name", "summary", "note"])
        return robots

    def _set_stage_rules(self, stages, roles, task_stages, down_payment_percent):
        """Triggers and gates, once the robots are there (a task-stage trigger is checked against their projects)."""
        for line, stage in stages.items():
            vals = line._prepare_stage_rules(roles, task_stages, down_payment_percent)
            if vals:
                stage.write(vals)

    @api.model
    def _erp_crm_number_bounds(self):
        return {
            **super()._erp_crm_number_bounds(),
            "down_payment_percent": (0, 100, None),
        }
