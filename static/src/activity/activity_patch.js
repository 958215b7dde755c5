import { Activity } from "@mail/core/web/activity";
import { ActivityListPopoverItem } from "@mail/core/web/activity_list_popover_item";

import { patch } from "@web/core/utils/patch";

import { DEADLINE_TEXT_CLASS, deadlineInfo } from "./deadline";

/** Chatter: "Due at 14:35, in 12 min:" / "Overdue by 9 min (due 14:35):" instead of "Today:". */
patch(Activity.prototype, {
    get erpCrmDeadline() {
        return deadlineInfo(this.props.activity);
    },
    get erpCrmDeadlineClass() {
        return DEADLINE_TEXT_CLASS[this.erpCrmDeadline?.state] || "";
    },
});

/** Kanban activity popover: the same label where it says "Today". */
patch(ActivityListPopoverItem.prototype, {
    get delayLabel() {
        return deadlineInfo(this.props.activity)?.label || super.delayLabel;
    },
    get erpCrmDeadlineClass() {
        return DEADLINE_TEXT_CLASS[deadlineInfo(this.props.activity)?.state] || "";
    },
});
