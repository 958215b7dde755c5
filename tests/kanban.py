"""What the web client asks when it opens a kanban of sale orders grouped by stage (tests and bench/)."""

PROGRESS_BAR = {
    "field": "activity_state",
    "colors": {"planned": "success", "today": "warning", "overdue": "danger"},
    "sum_field": "amount_total",
}


def kanban_read_spec(env, view_xmlid):
    """The unfold read specification the web client builds from a kanban view's fields."""
    view = env.ref(view_xmlid)
    fields_in_view = env["sale.order"].get_views([(view.id, "kanban")])["models"]["sale.order"]["fields"]
    spec = {}
    for name, description in fields_in_view.items():
        if description["type"] == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        elif description["type"] in ("one2many", "many2many"):
            spec[name] = {"fields": {}}
        else:
            spec[name] = {}
    return spec


def open_stage_kanban(orders, domain, spec, limit=80):
    """Grouped read with every column unfolded, then the columns' progress bars."""
    orders = orders.with_context(read_group_expand=True)
    orders.web_read_group(
        domain,
        ["stage_id"],
        ["amount_total:sum", "__count"],
        auto_unfold=True,
        unfold_read_specification=spec,
        unfold_read_default_limit=limit,
    )
    orders.read_progress_bar(domain, "stage_id", PROGRESS_BAR)
