import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";
import { formatFloat } from "@web/views/fields/formatters";

/**
 * Funnel chart of one funnel: the deals that entered each stage (bar width), their amount, and the
 * conversion from each stage to the next. Data come from sale.funnel.report (record rules apply).
 */
export class FunnelChart extends Component {
    static template = "erp_crm.FunnelChart";
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null, funnelId: false, period: "" });
        this.periods = [
            { value: "", label: "All time" },
            { value: "30", label: "Last 30 days" },
            { value: "90", label: "Last 90 days" },
            { value: "365", label: "Last 12 months" },
        ];
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call("sale.funnel.report", "get_funnel_chart_data", [], {
            funnel_id: this.state.funnelId,
            period: this.state.period ? parseInt(this.state.period) : false,
        });
        this.state.funnelId = this.state.data.funnel_id;
    }

    get maxEntered() {
        return Math.max(1, ...this.state.data.stages.map((stage) => stage.entered));
    }

    barWidth(stage) {
        return Math.max(2, (100 * stage.entered) / this.maxEntered);
    }

    formatAmount(value) {
        return formatFloat(value, { digits: [16, 0] });
    }

    async onFunnelChange(ev) {
        this.state.funnelId = parseInt(ev.target.value);
        await this.load();
    }

    async onPeriodChange(ev) {
        this.state.period = ev.target.value;
        await this.load();
    }

    openStage(stage) {
        const domain = [
            ["funnel_id", "=", this.state.funnelId],
            ["stage_id", "=", stage.id],
        ];
        this.action.doAction({
            type: "ir.actions.act_window",
            name: stage.name,
            res_model: "sale.funnel.report",
            views: [[false, "list"]],
            domain,
        });
    }
}

registry.category("actions").add("erp_crm.funnel_chart", FunnelChart);
