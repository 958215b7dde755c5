from odoo import api, fields, models


class MailActivity(models.Model):
    """Deadlines to the minute in the web client: the chatter, the activity popover and the activity view show
    an activity's time (``deadline_at``) where they show its date, and an activity past that time is overdue."""

    _inherit = "mail.activity"

    @api.depends("active", "date_deadline", "deadline_at")
    def _compute_state(self):
        result = super()._compute_state()
        now = fields.Datetime.now()
        for activity in self:
            if activity.active and activity.deadline_at and activity.deadline_at <= now:
                activity.state = "overdue"
        return result

    def _to_store_defaults(self, target):
        return [*super()._to_store_defaults(target), "deadline_at"]

    @api.readonly
    @api.model
    def get_activity_data(self, res_model, domain, limit=None, offset=0, fetch_done=False):
        """The activity view's cells: the earliest ongoing deadline with its time, and overdue by the minute."""
        result = super().get_activity_data(res_model, domain, limit=limit, offset=offset, fetch_done=fetch_done)
        grouped = result.get("grouped_activities") or {}
        ids = [activity_id for types in grouped.values() for group in types.values() for activity_id in group["ids"]]
        timed = self.search_fetch([("id", "in", ids), ("deadline_at", "!=", False)], ["deadline_at", "date_deadline"])
        if not timed:
            return result
        by_id = {activity.id: activity for activity in timed}
        now = fields.Datetime.now()
        for types in grouped.values():
            for group in types.values():
                ongoing = [by_id[i] for i in group["ids"] if i in by_id]
                if not ongoing or group.get("state") == "done":
                    continue
                first = min(ongoing, key=lambda activity: activity.deadline_at)
                if str(first.deadline_at.date()) > str(group.get("reporting_date") or ""):
                    continue  # an activity without a time is due earlier: the cell keeps its date
                group["reporting_date"] = first.deadline_at.isoformat() + "Z"
                # Due today by the date, yet past their time: overdue (the view counts states by the date).
                late_today = [
                    activity
                    for activity in ongoing
                    if activity.deadline_at <= now and self._compute_state_from_date(activity.date_deadline) == "today"
                ]
                if first.deadline_at <= now:
                    group["state"] = "overdue"
                counts = group.get("count_by_state") or {}
                if late_today and counts.get("today"):
                    moved = min(len(late_today), counts["today"])
                    counts["today"] -= moved
                    counts["overdue"] = counts.get("overdue", 0) + moved
                    if not counts["today"]:
                        del counts["today"]
        return result
