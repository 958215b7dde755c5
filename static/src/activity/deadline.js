import { deserializeDateTime, toLocaleDateTimeString } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";

const { DateTime } = luxon;

/** The activity's deadline to the minute (`mail.activity.deadline_at`, set by stage robots), or null. */
export function deadlineAt(activity) {
    const value = activity?.deadline_at;
    if (!value) {
        return null;
    }
    return typeof value === "string" ? deserializeDateTime(value) : value;
}

function formatSpan(minutes) {
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const rest = minutes % 60;
    if (days) {
        return _t("%(days)s d %(hours)s h", { days, hours });
    }
    if (hours) {
        return _t("%(hours)s h %(minutes)s min", { hours, minutes: rest });
    }
    return _t("%(minutes)s min", { minutes: rest });
}

/**
 * What to show where an activity's date is shown, when it has a time: its label ("Due at 14:35, in 12 min",
 * "Overdue by 9 min") and its state by the minute (overdue / today / planned, as Odoo's colours).
 * @returns {{ label: string, time: string, state: "overdue"|"today"|"planned" } | null}
 */
export function deadlineInfo(activity, now = DateTime.now()) {
    const at = deadlineAt(activity);
    if (!at) {
        return null;
    }
    const local = at.setZone("default");
    const sameDay = local.hasSame(now, "day");
    const time = toLocaleDateTimeString(local, { showDate: !sameDay, showTime: true, showSeconds: false });
    const minutes = Math.floor(local.diff(now, "minutes").minutes);
    if (minutes < 0) {
        return {
            state: "overdue",
            time,
            label: _t("Overdue by %(span)s (due %(time)s)", { span: formatSpan(-minutes), time }),
        };
    }
    if (sameDay) {
        return {
            state: "today",
            time,
            label: _t("Due at %(time)s, in %(span)s", { time, span: formatSpan(minutes) }),
        };
    }
    return { state: "planned", time, label: _t("Due %(time)s", { time }) };
}

export const DEADLINE_TEXT_CLASS = {
    overdue: "text-danger",
    today: "text-warning",
    planned: "text-success",
};
