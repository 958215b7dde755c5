import { patch } from "@web/core/utils/patch";
import { SearchModel } from "@web/search/search_model";

/**
 * The deals' funnel panel (`<searchpanel class="o_erp_crm_funnel_panel">`): one board shows one funnel.
 * No "All" value (it would mix several funnels' columns); the funnel in context, else the first one, is
 * selected, and the board waits for the panel so that it never loads all funnels' deals first.
 */
function isFunnelPanel(model) {
    return (model.searchPanelInfo?.className || "").split(/\s+/).includes("o_erp_crm_funnel_panel");
}

patch(SearchModel.prototype, {
    _createCategoryTree(sectionId, result) {
        super._createCategoryTree(...arguments);
        if (!isFunnelPanel(this)) {
            return;
        }
        const category = this.sections.get(sectionId);
        if (category.fieldName !== "funnel_id") {
            return;
        }
        category.rootIds = category.rootIds.filter((id) => id !== false);
        if (!category.activeValueId && category.rootIds.length) {
            category.activeValueId = category.rootIds[0];
        }
    },

    _shouldWaitForData() {
        return isFunnelPanel(this) || super._shouldWaitForData(...arguments);
    },
});
