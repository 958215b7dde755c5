import { registry } from "@web/core/registry";
import { makeActiveField } from "@web/model/relational_model/utils";
import { KanbanController } from "@web/views/kanban/kanban_controller";
import { KanbanHeader } from "@web/views/kanban/kanban_header";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { kanbanView } from "@web/views/kanban/kanban_view";

/**
 * The robot board (robots grouped by stage) shows at the top of each stage's column what moves deals into the
 * stage (its ERP trigger) and what a deal must meet to enter (its gates), as Bitrix24 shows triggers above robots.
 *
 * The stages' texts come with the columns themselves: Odoo's grouped read reads fields of the group-by records
 * (`groupby_read_specification`, what a list view's `<groupby>` uses), so the board costs no extra request.
 */
const STAGE_RULE_FIELDS = {
    board_trigger: { name: "board_trigger", type: "char" },
    board_gates: { name: "board_gates", type: "text" },
};

export class RobotBoardController extends KanbanController {
    get modelParams() {
        const params = super.modelParams;
        const activeFields = Object.fromEntries(
            Object.keys(STAGE_RULE_FIELDS).map((name) => [name, makeActiveField()])
        );
        params.groupByInfo = { stage_id: { activeFields, fields: STAGE_RULE_FIELDS } };
        return params;
    }
}

export class RobotBoardHeader extends KanbanHeader {
    static template = "erp_crm.RobotBoardHeader";

    get rules() {
        return this.group.record?.data || {};
    }

    get gates() {
        return this.rules.board_gates ? this.rules.board_gates.split("\n") : [];
    }
}

export class RobotBoardRenderer extends KanbanRenderer {
    static components = { ...KanbanRenderer.components, KanbanHeader: RobotBoardHeader };
}

export const robotBoardView = {
    ...kanbanView,
    Controller: RobotBoardController,
    Renderer: RobotBoardRenderer,
};

registry.category("views").add("erp_crm_robot_board", robotBoardView);
