import { _t } from "@web/core/l10n/translation";
import { FormViewDialog } from "@web/views/view_dialogs/form_view_dialog";

/**
 * A form dialog on a deal whose form (arch and fields) is given by the server: the gate dialog lists the fields
 * of one stage, which the web client's view loader (it keeps only "*_view_ref" of the context) cannot ask for.
 */
export class StageGateFormDialog extends FormViewDialog {
    static props = {
        ...FormViewDialog.props,
        arch: String,
        models: Object,
    };

    setup() {
        super.setup();
        const { arch, models, resModel } = this.props;
        Object.assign(this.viewProps, { arch, fields: models[resModel].fields, relatedModels: models });
    }
}

/**
 * Before a deal is moved into a stage, ask the server which of the fields that stage requires the deal lacks
 * (sale.order.get_stage_gate_dialog) and, if any, ask for them in a small dialog (the form
 * erp_crm.sale_order_view_form_stage_gate listing them, each required). Saving the dialog writes them on
 * the deal; the caller then moves it. The move itself still goes through the server's door and its gates.
 *
 * @param {{ orm: any, dialog: any }} services
 * @param {number} resId the deal
 * @param {number} stageId the stage it is moved into
 * @param {string} stageName
 * @returns {Promise<boolean>} true: move on (nothing missing, or the dialog was saved); false: cancelled
 */
export async function askStageGateFields({ orm, dialog }, resId, stageId, stageName) {
    const gate = await orm.call("sale.order", "get_stage_gate_dialog", [[resId], stageId]);
    if (!gate) {
        return true;
    }
    return new Promise((resolve) => {
        dialog.add(
            StageGateFormDialog,
            {
                resModel: "sale.order",
                resId,
                arch: gate.arch,
                models: gate.models,
                title: _t("To enter %(stage)s", { stage: stageName }),
                canExpand: false,
                size: "md",
                onRecordSaved: () => resolve(true),
            },
            { onClose: () => resolve(false) }
        );
    });
}
