import { ActivityCell } from "@mail/views/web/activity/activity_cell";

import { toLocaleDateTimeString } from "@web/core/l10n/dates";
import { patch } from "@web/core/utils/patch";

const { DateTime } = luxon;

/** Activity view: a cell whose earliest deadline has a time shows it (the server sends a UTC datetime). */
patch(ActivityCell.prototype, {
    get reportingDateFormatted() {
        const value = this.props.reportingDate;
        if (value && value.includes("T")) {
            const at = DateTime.fromISO(value, { setZone: false });
            const sameDay = at.hasSame(DateTime.now(), "day");
            return toLocaleDateTimeString(at, { showDate: !sameDay, showTime: true, showSeconds: false });
        }
        return super.reportingDateFormatted;
    },
});
