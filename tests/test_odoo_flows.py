"""Odoo's own flows on tasks, replayed as Odoo's own users with erp_crm installed (issue 19)."""

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from .erp_common import ErpFulfilmentCommon
from .service_common import ServiceCommon


@tagged("erp_crm", "erp_crm_odoo_flows")
class TestTaskWithoutProject(ServiceCommon):
    """A task whose project is emptied (private task, detached sub-task, company change) is written as in Odoo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Other windows"})
        cls.user_tech.write(
            {
                "company_ids": [Command.link(cls.company_b.id)],
                "group_ids": [Command.link(cls.env.ref("base.group_multi_company").id)],
            }
        )
        cls.project = cls.env["project.project"].create({"name": "Workshop", "company_id": cls.env.company.id})
        cls.project.message_subscribe(cls.user_tech.partner_id.ids)

    def test_project_user_makes_a_service_request_private(self):
        request = self._create_request()
        self.assertEqual(len(request.sla_ids), 2)
        with Form(request.with_user(self.user_tech)) as form:
            form.project_id = self.env["project.project"]
        self.assertFalse(request.project_id)
        self.assertFalse(request.sla_ids, "a request out of its desk keeps no open SLA")

    def test_project_user_detaches_a_sub_task(self):
        Task = self.env["project.task"].with_user(self.user_tech)
        parent = Task.create({"name": "Fit the frame", "project_id": self.project.id, "user_ids": self.user_tech.ids})
        child = Task.create({"name": "Seal it", "parent_id": parent.id, "user_ids": self.user_tech.ids})
        self.assertEqual(child.project_id, self.project)
        child.write({"parent_id": False, "project_id": False})
        self.assertFalse(child.project_id)
        child.write({"project_id": self.desk.id})
        self.assertTrue(child.is_service_request)
        self.assertEqual(len(child.sla_ids), 2, "back in the desk, it gets the desk's SLAs")

    def test_company_change_makes_the_task_private(self):
        task = self.env["project.task"].create(
            {"name": "Glass order", "project_id": self.project.id, "user_ids": self.user_tech.ids}
        )
        task = task.with_user(self.user_tech).with_context(allowed_company_ids=[self.env.company.id, self.company_b.id])
        with self.debug_mode(), Form(task) as form:  # as Odoo's test_update_company_id: the field shows in debug mode
            form.company_id = self.company_b
        self.assertFalse(task.project_id, "Odoo empties the project of another company")
        self.assertEqual(task.company_id, self.company_b)


@tagged("erp_crm", "erp_crm_odoo_flows")
class TestTaskOnOrderLine(ErpFulfilmentCommon):
    """Odoo lets project users create tasks on order lines; only links made by the deal's people move the deal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_won.write({"trigger": "task_closed"})
        cls.service = cls.env["product.product"].create(
            {"name": "Installation hour", "type": "service", "service_tracking": "no", "list_price": 80.0}
        )
        cls.deal = cls._create_deal(
            user_id=cls.user_sales.id, order_line=[Command.create({"product_id": cls.service.id, "product_uom_qty": 4})]
        )
        cls.deal.write({"stage_id": cls.stage_installation.id})
        cls.deal.action_confirm()
        cls.project_user = new_test_user(cls.env, login="erp_crm_project_only", groups="project.group_project_user")
        cls.project.message_subscribe(cls.project_user.partner_id.ids)

    def test_project_user_links_a_task_to_an_order_line(self):
        """As Odoo's sale_project test_task_compute_sale_order_id: the link is made; closing the task moves nothing."""
        Task = self.env["project.task"].with_user(self.project_user)
        task = Task.create(
            {
                "name": "Extra hour",
                "project_id": self.project.id,
                "partner_id": self.partner.id,
                "sale_line_id": self.deal.order_line.id,
            }
        )
        self.assertEqual(task.sale_order_id, self.deal, "Odoo's link is kept")
        other = Task.create({"name": "Own job", "project_id": self.project.id, "partner_id": self.partner.id})
        other.write({"sale_line_id": self.deal.order_line.id})
        self.assertEqual(other.sale_order_id, self.deal)
        (task | other).write({"state": "1_done"})
        self.assertEqual(
            self.deal.stage_id, self.stage_installation, "a task the deal's people did not link moves nothing"
        )
        self.assertEqual(self.deal.won_status, "pending")
        self.assertFalse(task.sudo().erp_crm_moves_deal)

    def test_salesperson_link_moves_the_deal(self):
        self.user_sales.group_ids += self.env.ref("project.group_project_user")
        self.project.message_subscribe(self.user_sales.partner_id.ids)
        task = (
            self.env["project.task"]
            .with_user(self.project_user)
            .create({"name": "Extra hour", "project_id": self.project.id, "partner_id": self.partner.id})
        )
        task.with_user(self.user_sales).write({"sale_line_id": self.deal.order_line.id})
        self.assertTrue(task.sudo().erp_crm_moves_deal, "linked by the deal's salesperson")
        task.with_user(self.project_user).write({"state": "1_done"})
        self.assertEqual(self.deal.stage_id, self.stage_won, "the installer closes a task the salesperson linked")

    def test_project_user_cannot_vouch_a_link(self):
        task = (
            self.env["project.task"]
            .with_user(self.project_user)
            .create({"name": "Extra hour", "project_id": self.project.id, "sale_line_id": self.deal.order_line.id})
        )
        with self.assertRaises(AccessError):
            task.with_user(self.project_user).write({"erp_crm_moves_deal": True})
        self.assertFalse(task.sudo().erp_crm_moves_deal)
