"""What the web client asks when it opens a kanban of project tasks grouped by stage (tests and bench/), as
tests/kanban.py does for deals: one grouped read with every column unfolded, then the columns' progress bars."""

import json

from lxml import etree


def task_kanban_read_spec(env, view_xmlid):
    """The unfold read specification the web client builds from a task kanban view's fields."""
    view = env.ref(view_xmlid)
    fields_in_view = env["project.task"].get_views([(view.id, "kanban")])["models"]["project.task"]["fields"]
    spec = {}
    for name, description in fields_in_view.items():
        if description["type"] == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        elif description["type"] in ("one2many", "many2many"):
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


def task_kanban_progress_bar(env, view_xmlid):
    """The progress bar of the kanban view, as the web client sends it to read_progress_bar."""
    view = env.ref(view_xmlid)
    arch = env["project.task"].get_views([(view.id, "kanban")])["views"]["kanban"]["arch"]
    bar = etree.fromstring(arch).find(".//progressbar")
    field, colors = bar.get("field"), json.loads(bar.get("colors"))
    return {"field": field, "colors": colors}


def open_task_kanban(tasks, project, spec, progress_bar, limit=80):
    """Open the kanban of ``project``'s tasks as its action does: grouped by stage, every column unfolded."""
    tasks = tasks.with_context(default_project_id=project.id, read_group_expand=True)
    domain = [("project_id", "=", project.id)]
    tasks.web_read_group(
        domain,
        ["stage_id"],
        ["__count"],
        auto_unfold=True,
        unfold_read_specification=spec,
        unfold_read_default_limit=limit,
    )
    tasks.read_progress_bar(domain, "stage_id", progress_bar)
