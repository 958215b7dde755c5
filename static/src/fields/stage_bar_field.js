import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { StatusBarField, statusBarField } from "@web/views/fields/statusbar/statusbar_field";
import { askStageGateFields } from "../stage_gate/stage_gate_dialog";

/**
 * The deal's stage bar. A click saves the deal's other changes first, then asks the server to move the deal
 * (the stage-move door). When the server refuses the move (a gate, a missing lost reason...), the bar goes
 * back to the stage the deal is really in, with its "To do", and the reason is shown: nothing stays unsaved.
 * A stage requiring fields the deal lacks asks for them first, in a dialog (Cancel: the deal stays).
 */
export class StageBarField extends StatusBarField {
    setup() {
        super.setup();
        this.orm = useService("orm");
        this.dialogService = useService("dialog");
    }

    async selectItem(item) {
        const { name, record } = this.props;
        if (record.isNew) {
            return super.selectItem(item);
        }
        if (record.dirty && !(await record.save())) {
            return;
        }
        const services = { orm: this.orm, dialog: this.dialogService };
        if (!(await askStageGateFields(services, record.resId, item.value, item.label))) {
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
