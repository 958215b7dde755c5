"""Concurrency with real transactions: separate cursors, committed, as Odoo's workers and cron threads run them.

Each test opens its own cursors on the database (``registry.cursor()``), commits what it does, and deletes what it
made at the end (the class's data too). Odoo runs every RPC call through ``odoo.service.model.retrying``: a
transaction that loses a race gets a serialization conflict from PostgreSQL and is replayed; these tests call it
the same way.
"""

import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.fields import Command
from odoo.service.model import retrying
from odoo.tests import TransactionCase, freeze_time, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from ..tools import claim_batch, escalate_once, send_digest
from .common import funnel_stage_commands

JOIN_TIMEOUT = 120  # seconds: no thread of these tests may hang the suite


@tagged("erp_crm", "erp_crm_concurrency")
# A Wednesday at 10:00 in Berlin, the clock running (the threads and the retries' back-off need it to move): the
# robots' deadlines, the digests and the SLA lines are counted in working time from there, whatever the real hour.
@freeze_time("2026-03-11 09:00:00", tick=True)
class TestConcurrency(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tag = uuid.uuid4().hex[:8]
        with cls._committed_env() as env:
            user = new_test_user(
                env,
                login=f"erp_crm_conc_{tag}",
                groups="erp_crm.erp_crm_group_all_deals,project.group_project_user",
                name=f"Cora Concurrent {tag}",
                notification_type="inbox",
            )
            funnel = env["sale.funnel"].create(
                {
                    "name": f"Concurrency {tag}",
                    "company_id": False,
                    "user_id": user.id,
                    "stage_ids": funnel_stage_commands(
                        ("New", "open"), ("Measure", "open"), ("Quote", "open"), ("Later", "open"), ("Lost", "lost")
                    ),
                }
            )
            new, measure, quote, later, _lost = funnel.stage_ids
            role = env["sale.funnel.role"].create(
                {"name": "Surveyor", "funnel_id": funnel.id, "assignment": "user", "user_id": user.id}
            )
            ref_field = env["ir.model.fields"]._get("sale.order", "client_order_ref")
            env["sale.funnel.robot"].create(
                [
                    {"name": "Measure", "stage_id": measure.id, "kind": "activity", "role_id": role.id,
                     "summary": "Measure the windows"},
                    {"name": "Note", "stage_id": measure.id, "kind": "note", "summary": "Measurement planned"},
                    {"name": "Ref", "stage_id": measure.id, "kind": "write", "write_field_id": ref_field.id,
                     "write_value": "MEASURE"},
                    {"name": "Follow up", "stage_id": later.id, "kind": "activity", "role_id": role.id,
                     "summary": "Follow up later", "delay_amount": 30, "delay_unit": "minutes"},
                ]
            )  # fmt: skip
            partner = env["res.partner"].create({"name": f"Concurrent customer {tag}"})
            desk = env["project.project"].create({"name": f"Concurrent desk {tag}", "is_service_desk": True})
            desk_stages = env["project.task.type"].create(
                [
                    {"name": "New", "sequence": 1, "project_ids": [Command.link(desk.id)]},
                    {"name": "Solved", "sequence": 2, "project_ids": [Command.link(desk.id)]},
                ]
            )
            env["project.sla.policy"].create(
                {"name": "Solve within 8 h", "project_id": desk.id, "kind": "resolution",
                 "stage_id": desk_stages[1].id, "working_hours": 8}
            )  # fmt: skip
            cls.user_id, cls.partner_id, cls.funnel_id, cls.desk_id = user.id, partner.id, funnel.id, desk.id
            cls.stage_ids = {"new": new.id, "measure": measure.id, "quote": quote.id, "later": later.id}
            cls.desk_stage_ids = desk_stages.ids
        cls.addClassCleanup(cls._delete_class_data)

    @classmethod
    @contextmanager
    def _committed_env(cls):
        """A real transaction of its own, committed when the block ends (rolled back on error)."""
        with cls.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    @classmethod
    def _delete_class_data(cls):
        with cls._committed_env() as env:
            env["project.task"].with_context(active_test=False).search([("project_id", "=", cls.desk_id)]).unlink()
            env["project.project"].browse(cls.desk_id).unlink()
            env["project.task.type"].browse(cls.desk_stage_ids).unlink()
            env["sale.order"].search([("funnel_id", "=", cls.funnel_id)]).unlink()
            env["sale.funnel"].browse(cls.funnel_id).unlink()
            user = env["res.users"].browse(cls.user_id)
            partner = user.partner_id
            env["mail.message"].search([("partner_ids", "in", partner.ids)]).unlink()
            # the onboarding task Odoo gives a new user
            env["project.task"].with_context(active_test=False).search([("user_ids", "in", user.ids)]).unlink()
            user.unlink()
            env["res.partner"].browse(cls.partner_id).unlink()

    @contextmanager
    def _no_waiting(self, cr):
        """A second worker on the same thread as the first: were it to wait for the first's locks, it would wait
        forever; with a lock timeout it fails instead. Committed at the end, the session setting reset."""
        cr.execute("SET lock_timeout = '10s'")
        try:
            yield
            cr.commit()
        finally:
            cr.rollback()
            cr.execute("RESET lock_timeout")
            cr.commit()

    def _delete_deals(self, deal_ids):
        with self._committed_env() as env:
            env["sale.order"].browse(deal_ids).unlink()

    def _new_deals(self, count):
        with self._committed_env() as env:
            deals = env["sale.order"].create(
                [{"partner_id": self.partner_id, "funnel_id": self.funnel_id, "user_id": self.user_id}] * count
            )
            return deals.ids

    def _run_threads(self, *targets):
        """Run the targets at once, one thread each; return the errors they raised (none expected)."""
        errors = []

        def guarded(target):
            try:
                target()
            except Exception as error:  # noqa: BLE001 - reported by the test
                errors.append(error)

        threads = [threading.Thread(target=guarded, args=(target,)) for target in targets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(JOIN_TIMEOUT)
            self.assertFalse(thread.is_alive(), "a concurrent transaction hangs")
        return errors

    def _assert_history_chained(self, env, deal_id):
        """One open row per deal; each row starts where the previous one ended, from the stage it left."""
        rows = env["sale.funnel.stage.history"].search([("order_id", "=", deal_id)], order="date_in, id")
        self.assertEqual(len(rows.filtered(lambda row: not row.date_out)), 1, "exactly one open history row")
        self.assertFalse(rows[-1].date_out, "the open row is the last one")
        for previous, row in zip(rows, rows[1:], strict=False):
            self.assertEqual(row.from_stage_id, previous.stage_id)
            self.assertEqual(previous.to_stage_id, row.stage_id)
            self.assertEqual(previous.date_out, row.date_in)
        self.assertEqual(rows[-1].stage_id, env["sale.order"].browse(deal_id).stage_id)
        return rows

    def _assert_robots_once(self, env, deal_id):
        """Each entry into the robots' stage ran each of its 3 robots once; one activity per run that made one."""
        entries = env["sale.funnel.stage.history"].search(
            [("order_id", "=", deal_id), ("stage_id", "=", self.stage_ids["measure"])]
        )
        runs = env["sale.funnel.robot.run"].search([("order_id", "=", deal_id), ("history_id", "in", entries.ids)])
        self.assertEqual(len(runs), 3 * len(entries), "three runs per entry, never more")
        activities = env["mail.activity"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", deal_id), ("summary", "=", "Measure the windows")]
        )
        done_activity_runs = runs.filtered(lambda run: run.kind == "activity" and run.state == "done")
        self.assertEqual(len(activities), len(done_activity_runs))
        self.assertEqual(activities.robot_run_id, done_activity_runs)
        return runs

    # ------------------------------------------------------------
    # Two users move the same deal at once
    # ------------------------------------------------------------

    @mute_logger("odoo.sql_db")  # the conflicts the test makes are logged as bad queries before the retry
    def test_same_deal_moved_twice_at_once_loser_is_retried(self):
        """The second transaction read the deal before the first committed its move: PostgreSQL refuses its write
        (could not serialize), ``retrying`` replays it on the committed state, and it moves on from there."""
        [deal_id] = self._new_deals(1)
        attempts = []
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1 = api.Environment(cr1, self.user_id, {})
            env2 = api.Environment(cr2, self.user_id, {})
            env1["sale.order"].browse(deal_id).write({"stage_id": self.stage_ids["measure"]})
            env1.flush_all()  # the first move is written, its rows locked, not committed yet

            def second_move():
                attempts.append(env2["sale.order"].browse(deal_id).stage_id.id)  # reads before the commit
                if len(attempts) == 1:
                    cr1.commit()
                env2["sale.order"].browse(deal_id).write({"stage_id": self.stage_ids["quote"]})

            retrying(second_move, env2)  # commits
        self.assertEqual(attempts, [self.stage_ids["new"], self.stage_ids["measure"]], "replayed once, on the commit")
        with self._committed_env() as env:
            rows = self._assert_history_chained(env, deal_id)
            self.assertEqual(
                rows.mapped("stage_id").ids, [self.stage_ids[s] for s in ("new", "measure", "quote")], "no lost move"
            )
            runs = self._assert_robots_once(env, deal_id)
            self.assertEqual(runs.mapped("state"), ["done"] * 3)

    @mute_logger("odoo.sql_db")  # the conflicts the test makes are logged as bad queries before the retry
    def test_conflict_met_when_the_robots_start_replays_the_move(self):
        """Another user changed the deal after this move began: PostgreSQL refuses the move's write when it reaches
        the database, as the robots start. The conflict is the request's, not a robot's failure: ``retrying``
        replays the move on the committed state and the robots run once, none logged as failed."""
        [deal_id] = self._new_deals(1)
        self.addCleanup(self._delete_deals, [deal_id])  # its activity would be in the next test's digests
        attempts = []
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1 = api.Environment(cr1, self.user_id, {})
            env2 = api.Environment(cr2, self.user_id, {})

            def move():
                attempts.append(env2["sale.order"].browse(deal_id).title)  # the move's snapshot is taken
                if len(attempts) == 1:
                    env1["sale.order"].browse(deal_id).write({"title": "Changed by a colleague"})
                    cr1.commit()
                env2["sale.order"].browse(deal_id).write({"stage_id": self.stage_ids["measure"]})

            retrying(move, env2)  # commits
        self.assertEqual(attempts, [False, "Changed by a colleague"], "replayed once, on the committed state")
        with self._committed_env() as env:
            deal = env["sale.order"].browse(deal_id)
            self.assertEqual((deal.title, deal.client_order_ref), ("Changed by a colleague", "MEASURE"))
            self._assert_history_chained(env, deal_id)
            runs = self._assert_robots_once(env, deal_id)
            self.assertEqual(runs.mapped("state"), ["done"] * 3)

    @mute_logger("odoo.sql_db")  # the conflicts the test makes are logged as bad queries before the retry
    def test_two_users_drag_the_same_deals_to_the_same_stage(self):
        """Two threads drag the same five deals into the robots' stage at the same moment: one wins, the other is
        retried and finds them there already: one entry each, robots ran once, no error."""
        deal_ids = self._new_deals(5)
        barrier = threading.Barrier(2, timeout=JOIN_TIMEOUT)
        attempts = []

        def drag():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, self.user_id, {})
                mine = []

                def move():
                    deals = env["sale.order"].browse(deal_ids)
                    mine.append(deals.mapped("stage_id").ids)  # both read the deals before either writes
                    attempts.append(threading.get_ident())
                    if len(mine) == 1:
                        barrier.wait()
                    deals.write({"stage_id": self.stage_ids["measure"]})

                retrying(move, env)

        errors = self._run_threads(drag, drag)
        self.assertEqual(errors, [])
        self.assertEqual(len(attempts), 3, "the loser met a conflict and was replayed once")
        with self._committed_env() as env:
            for deal_id in deal_ids:
                rows = self._assert_history_chained(env, deal_id)
                self.assertEqual(rows.mapped("stage_id").ids, [self.stage_ids["new"], self.stage_ids["measure"]])
                self._assert_robots_once(env, deal_id)

    @mute_logger("odoo.sql_db")  # the conflicts the test makes are logged as bad queries before the retry
    def test_users_move_one_deal_back_and_forth_at_once(self):
        """Two users each move the same deal through several stages, in different orders, at once: every write
        that conflicts is replayed; the history stays one chain and each entry ran its robots once."""
        [deal_id] = self._new_deals(1)
        paths = (("measure", "quote", "measure", "later"), ("quote", "measure", "new", "measure"))

        def walk(path):
            def target():
                for stage in path:
                    with self.registry.cursor() as cr:
                        env = api.Environment(cr, self.user_id, {})
                        retrying(lambda env=env, stage=stage: env["sale.order"].browse(deal_id).write(
                            {"stage_id": self.stage_ids[stage]}), env)  # fmt: skip

            return target

        errors = self._run_threads(*(walk(path) for path in paths))
        self.assertEqual(errors, [])
        with self._committed_env() as env:
            self._assert_history_chained(env, deal_id)
            self._assert_robots_once(env, deal_id)

    # ------------------------------------------------------------
    # The delayed-robot queue: two workers, and users moving deals out of the stage
    # ------------------------------------------------------------

    def _deals_with_due_delayed_runs(self, count):
        deal_ids = self._new_deals(count)
        with self._committed_env() as env:
            env["sale.order"].browse(deal_ids).write({"stage_id": self.stage_ids["later"]})
            runs = env["sale.funnel.robot.run"].search([("order_id", "in", deal_ids)])
            self.assertEqual(set(runs.mapped("state")), {"planned"})
            runs.write({"planned_at": fields.Datetime.now() - timedelta(minutes=1)})  # their time has come
        return deal_ids

    def _follow_ups(self, env, deal_ids):
        return env["mail.activity"].search(
            [("res_model", "=", "sale.order"), ("res_id", "in", deal_ids), ("summary", "=", "Follow up later")]
        )

    def test_two_workers_share_the_delayed_robot_queue(self):
        """A worker holds a batch of due runs while a second worker runs the whole queue: the second skips the held
        runs without waiting, the first then does them: every run done once, one activity each."""
        deal_ids = self._deals_with_due_delayed_runs(12)
        Run = "sale.funnel.robot.run"
        domain = [("state", "=", "planned"), ("order_id", "in", deal_ids)]
        with self.registry.cursor() as cr1:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            held = claim_batch(env1[Run], domain, 5, order="id", share=("history_id",))
            self.assertEqual(len(held), 5)
            with self.registry.cursor() as cr2:
                env2 = api.Environment(cr2, SUPERUSER_ID, {})
                with self._no_waiting(cr2):
                    env2[Run]._cron_run_due_robots(batch_size=4)
            with self._committed_env() as env:
                runs = env[Run].search([("order_id", "in", deal_ids)])
                self.assertEqual(runs.filtered(lambda r: r.state == "planned"), runs.browse(held.ids))
            held._execute()
        with self._committed_env() as env:
            env[Run]._cron_run_due_robots()  # a later run finds nothing left to do
            runs = env[Run].search([("order_id", "in", deal_ids)])
            self.assertEqual(runs.mapped("state"), ["done"] * 12, "no lost run")
            follow_ups = self._follow_ups(env, deal_ids)
            self.assertEqual(len(follow_ups), 12, "no duplicate activity")
            self.assertEqual(follow_ups.robot_run_id, runs)

    def test_two_workers_run_the_delayed_robot_queue_at_once(self):
        """Two cron workers run the same queue in parallel threads, in small batches each committed."""
        deal_ids = self._deals_with_due_delayed_runs(16)

        def worker():
            with self._committed_env() as env:
                env["sale.funnel.robot.run"]._cron_run_due_robots(batch_size=3)

        self.assertEqual(self._run_threads(worker, worker), [])
        with self._committed_env() as env:
            runs = env["sale.funnel.robot.run"].search([("order_id", "in", deal_ids)])
            self.assertEqual(runs.mapped("state"), ["done"] * 16)
            self.assertEqual(len(self._follow_ups(env, deal_ids)), 16)

    def test_user_moving_a_deal_out_while_the_cron_runs(self):
        """A user is moving a deal out of the stage (not committed yet) while the cron runs: the cron skips its run
        (no wait, no conflict) and does the others; once the move is committed, the next run cancels it."""
        deal_ids = self._deals_with_due_delayed_runs(3)
        moved, others = deal_ids[0], deal_ids[1:]
        with self.registry.cursor() as user_cr:
            user_env = api.Environment(user_cr, self.user_id, {})
            user_env["sale.order"].browse(moved).write({"stage_id": self.stage_ids["quote"]})
            user_env.flush_all()
            with self.registry.cursor() as cron_cr:
                with self._no_waiting(cron_cr):
                    api.Environment(cron_cr, SUPERUSER_ID, {})["sale.funnel.robot.run"]._cron_run_due_robots()
        with self._committed_env() as env:
            Run = env["sale.funnel.robot.run"]
            Run._cron_run_due_robots()
            self.assertEqual(Run.search([("order_id", "in", others)]).mapped("state"), ["done", "done"])
            self.assertEqual(Run.search([("order_id", "=", moved)]).state, "cancelled", "the deal left first")
            self.assertEqual(len(self._follow_ups(env, deal_ids)), 2)

    # ------------------------------------------------------------
    # The activity cron while users move deals
    # ------------------------------------------------------------

    @mute_logger("odoo.sql_db")  # the conflicts the test makes are logged as bad queries before the retry
    def test_overdue_cron_runs_while_users_move_deals(self):
        """Users move deals into the robots' stage while the activity cron sends digests and overdue notices: no
        deadlock, no error, and each robot activity is in exactly one digest of each kind."""
        deal_ids = self._new_deals(12)
        stop = threading.Event()

        def users():
            try:
                for deal_id in deal_ids:
                    with self.registry.cursor() as cr:
                        env = api.Environment(cr, self.user_id, {})

                        def move(env=env, deal_id=deal_id):
                            env["sale.order"].browse(deal_id).write({"stage_id": self.stage_ids["measure"]})
                            # robot activities are due at once here, so that the cron has overdue notices to send
                            env.flush_all()
                            env.cr.execute(SQL(
                                "UPDATE mail_activity SET deadline_at = %s WHERE res_model = %s AND res_id = %s",
                                fields.Datetime.now() - timedelta(minutes=5), "sale.order", deal_id))  # fmt: skip

                        retrying(move, env)
            finally:
                stop.set()

        def cron():
            for _round in range(200):  # bounded; stops once the users are done
                done = stop.is_set()
                with self._committed_env() as env:
                    retrying(lambda env=env: env["mail.activity"]._cron_erp_crm_overdue(batch_size=3), env)
                if done:
                    return

        self.assertEqual(self._run_threads(users, cron), [])
        with self._committed_env() as env:
            activities = env["mail.activity"].search(
                [("res_model", "=", "sale.order"), ("res_id", "in", deal_ids), ("summary", "=", "Measure the windows")]
            )
            self.assertEqual(len(activities), 12)
            self.assertTrue(all(activities.mapped("assignee_notified_at")))
            self.assertTrue(all(activities.mapped("overdue_notified_at")))
            partner = env["res.users"].browse(self.user_id).partner_id
            subjects = env["mail.message"].search([("partner_ids", "in", partner.ids)]).mapped("subject")
            for kind in ("new activities from robots", "overdue activities on deals"):
                counted = sum(int(s.split()[0]) for s in subjects if s.endswith(kind))
                self.assertEqual(counted, 12, f"each activity in one digest of {kind}")

    # ------------------------------------------------------------
    # The SLA queue
    # ------------------------------------------------------------

    def test_two_workers_share_the_sla_queue(self):
        """A worker holds some SLA lines at risk while a second runs the SLA cron: the second does the others, the
        first then its own; each line is marked once, the assignee is reminded of each line once."""
        with self._committed_env() as env:
            tasks = env["project.task"].create(
                [
                    {"name": f"Leak {i}", "project_id": self.desk_id, "stage_id": self.desk_stage_ids[0],
                     "user_ids": [Command.set([self.user_id])]}
                    for i in range(10)
                ]
            )  # fmt: skip
            lines = tasks.sla_ids
            self.assertEqual(len(lines), 10)
            now = fields.Datetime.now()
            lines.write({"at_risk_at": now - timedelta(minutes=1), "deadline": now + timedelta(hours=4)})
            line_ids = lines.ids
        Sla = "project.task.sla"
        with self.registry.cursor() as cr1:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            held = claim_batch(env1[Sla], [("id", "in", line_ids)], 4, order="id")
            with self.registry.cursor() as cr2:
                with self._no_waiting(cr2):
                    api.Environment(cr2, SUPERUSER_ID, {})[Sla]._cron_erp_crm_sla(batch_size=3)
            # then the first worker does its own batch, as the cron's at-risk step does
            at_risk = env1[Sla]._erp_crm_escalation_steps(fields.Datetime.now())[0]
            batches = [held]
            escalate_once(
                env1,
                claim=lambda limit: batches.pop() if batches else held.browse(),
                recipients_of=at_risk["recipients_of"],
                notify=lambda lines, partner: send_digest(lines, partner, at_risk["subject"](len(lines))),
                stamp=at_risk["stamp"],
                batch_size=4,
            )
        with self._committed_env() as env:
            env[Sla]._cron_erp_crm_sla()  # nothing left: no second reminder
            lines = env[Sla].browse(line_ids)
            self.assertEqual(lines.mapped("status"), ["at_risk"] * 10, "no lost line")
            partner = env["res.users"].browse(self.user_id).partner_id
            subjects = env["mail.message"].search([("partner_ids", "in", partner.ids)]).mapped("subject")
            reminded = sum(int(s.split()[0]) for s in subjects if s.endswith("at risk of missing their SLA"))
            self.assertEqual(reminded, 10, "each line in one reminder")
