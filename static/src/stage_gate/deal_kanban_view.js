import { registry } from "@web/core/registry";
import { DynamicGroupList } from "@web/model/relational_model/dynamic_group_list";
import { RelationalModel } from "@web/model/relational_model/relational_model";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { askStageGateFields } from "./stage_gate_dialog";

/**
 * The deals' board: a deal dropped into a stage that requires fields it lacks (the appointment to enter
 * Measurement, the installation date to enter Installation) asks for them first; Cancel leaves it where it was.
 */
export class DealGroupList extends DynamicGroupList {
    async moveRecord(dataRecordId, dataGroupId, refId, targetGroupId) {
        const targetGroup = this.groups.find((g) => g.id === targetGroupId);
        if (dataGroupId !== targetGroupId && targetGroup?.groupByField.name === "stage_id" && targetGroup.value) {
            const sourceGroup = this.groups.find((g) => g.id === dataGroupId);
            const record = sourceGroup?.list.records.find((r) => r.id === dataRecordId);
            if (record?.resId) {
                const { orm, dialog } = this.model;
                const proceed = await askStageGateFields(
                    { orm, dialog },
                    record.resId,
                    targetGroup.value,
                    targetGroup.displayName
                );
                if (!proceed) {
                    return;
                }
            }
        }
        return super.moveRecord(...arguments);
    }
}

export class DealKanbanModel extends RelationalModel {
    static DynamicGroupList = DealGroupList;
}

export const dealKanbanView = {
    ...kanbanView,
    Model: DealKanbanModel,
};

registry.category("views").add("erp_crm_deal_kanban", dealKanbanView);
