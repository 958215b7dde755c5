import { registry } from "@web/core/registry";
import { StatusBarField, statusBarField } from "@web/views/fields/statusbar/statusbar_field";

/**
 * The deal's stage bar. A click saves the deal's other changes first, then asks the server to move the deal
 * (the stage-move door). When the server refuses the move (a gate, a missing lost reason...), the bar goes
 * back to the stage the deal is really in, with its "To do", and the reason is shown: nothing stays unsaved.
 */
export class StageBarField extends StatusBarField {
    async selectItem(item) {
        const { name, record } = this.props;
        if (record.isNew) {
            return super.selectItem(item);
        }
        if (record.dirty && !(await record.save())) {
            return;
        }
        await record.update({ [name]: { id: item.value, display_name: item.label } });
        await record.save({
            onError: async (error, { discard }) => {
                await discard();
                throw error;
            },
        });
    }
}

export const stageBarField = {
    ...statusBarField,
    component: StageBarField,
};

registry.category("fields").add("erp_crm_stage_bar", stageBarField);
