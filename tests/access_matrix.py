"""Who may do what on every model of erp_crm: the one table that tests/test_access_matrix.py checks, cell by cell.

Columns are the users of ``USERS`` (the groups they get); each cell is four letters for create, read, write and
unlink, a letter where the model's access rights allow the operation and ``-`` where they refuse it. These are
the model-level rights (``ir.model.access``); which *records* a user reaches is the record rules' business,
checked in ``RECORD_VISIBILITY`` below and by the tests that search and read as each user.

Every ``_name`` of ``models/``, ``reports/`` and ``wizard/`` has a row (a test fails when a new model has none),
plus the two Odoo models erp_crm's records live in: the deal (``sale.order``) and the service request
(``project.task``), whose rights are Odoo's own.
"""

# column: the groups of that user (xml ids); ``pub`` is Odoo's public user (the website visitor)
USERS = {
    "pub": None,  # public (not logged in)
    "ptl": "base.group_portal",  # portal customer
    "emp": "base.group_user",  # employee without sales, accounting or project rights
    "s_own": "sales_team.group_sale_salesman",  # Sales: own documents only, no erp_crm group
    "s_all": "sales_team.group_sale_salesman_all_leads",  # Sales: all documents, no erp_crm group
    "s_mgr": "sales_team.group_sale_manager",  # Sales: administrator, no erp_crm group
    "e_usr": "erp_crm.erp_crm_group_user",  # ERP CRM: own and unassigned deals
    "e_all": "erp_crm.erp_crm_group_all_deals",  # ERP CRM: all deals
    "e_mgr": "erp_crm.erp_crm_group_manager",  # ERP CRM: manager
    "acct": "account.group_account_invoice",  # accountant (Invoicing: billing)
    "svc": "project.group_project_user",  # service user (Project: user)
    "svc_m": "project.group_project_manager",  # service manager (Project: administrator)
    # an ERP CRM user of another company only: the same rights on models, other records (see VISIBILITY)
    "co_b": "erp_crm.erp_crm_group_user",
}

# fmt: off
MATRIX = """
model                          pub   ptl   emp   s_own s_all s_mgr e_usr e_all e_mgr acct  svc   svc_m co_b
sale.funnel                    ----  ----  -r--  -r--  -r--  -r--  -r--  -r--  crwu  -r--  -r--  -r--  -r--
sale.funnel.stage              ----  ----  -r--  -r--  -r--  -r--  -r--  -r--  crwu  -r--  -r--  -r--  -r--
sale.funnel.stage.history      ----  ----  ----  -r--  -r--  -r--  -r--  -r--  -r--  ----  ----  ----  -r--
sale.lost.reason               ----  ----  -r--  -r--  -r--  -r--  -r--  -r--  crwu  -r--  -r--  -r--  -r--
sale.funnel.role               ----  ----  -r--  -r--  -r--  -r--  -r--  -r--  crwu  -r--  -r--  -r--  -r--
sale.funnel.robot              ----  ----  ----  -r--  -r--  -r--  -r--  -r--  crwu  ----  -r--  crwu  -r--
sale.funnel.robot.run          ----  ----  ----  -r--  -r--  -r--  -r--  -r--  -r--  ----  -r--  -r--  -r--
sale.order.role.user           ----  ----  ----  crwu  crwu  crwu  crwu  crwu  crwu  ----  ----  ----  crwu
project.service.type           ----  -r--  -r--  -r--  -r--  -r--  -r--  -r--  -r--  -r--  -r--  crwu  -r--
project.sla.policy             ----  ----  ----  ----  ----  ----  ----  ----  ----  ----  -r--  crwu  ----
project.task.sla               ----  ----  -r--  -r--  -r--  -r--  -r--  -r--  -r--  -r--  -r--  -r--  -r--
res.partner.ranking            ----  ----  ----  -r--  -r--  -r--  -r--  -r--  -r--  ----  ----  ----  -r--
res.partner.ranking.snapshot   ----  ----  ----  -r--  -r--  -r--  -r--  -r--  -r--  ----  ----  ----  -r--
res.partner.ranking.migration  ----  ----  ----  -r--  -r--  -r--  -r--  -r--  -r--  ----  ----  ----  -r--
res.partner.segment            ----  ----  ----  -r--  -r--  -r--  -r--  -r--  crwu  ----  ----  ----  -r--
sale.target                    ----  ----  ----  ----  ----  ----  -r--  -r--  crwu  ----  ----  ----  -r--
sale.funnel.report             ----  ----  ----  ----  ----  ----  -r--  -r--  -r--  ----  ----  ----  -r--
sale.forecast.report           ----  ----  ----  ----  ----  ----  -r--  -r--  -r--  ----  ----  ----  -r--
sale.kpi.report                ----  ----  ----  ----  ----  ----  -r--  -r--  -r--  ----  ----  ----  -r--
sale.source.report             ----  ----  ----  ----  ----  ----  -r--  -r--  -r--  ----  ----  ----  -r--
project.service.report         ----  ----  ----  ----  ----  ----  ----  ----  ----  ----  -r--  -r--  ----
sale.intake.throttle           ----  ----  ----  ----  ----  ----  ----  ----  ----  ----  ----  ----  ----
sale.order.lost                ----  ----  ----  crw-  crw-  crw-  crw-  crw-  crw-  ----  ----  ----  crw-
sale.order.dry.run             ----  ----  ----  crw-  crw-  crw-  crw-  crw-  crw-  ----  ----  ----  crw-
sale.funnel.robot.copy         ----  ----  ----  ----  ----  ----  ----  ----  crw-  ----  ----  ----  ----
sale.funnel.template           ----  ----  ----  ----  ----  ----  ----  ----  -r--  ----  ----  ----  ----
sale.funnel.template.role      ----  ----  ----  ----  ----  ----  ----  ----  -r--  ----  ----  ----  ----
sale.funnel.template.stage     ----  ----  ----  ----  ----  ----  ----  ----  -r--  ----  ----  ----  ----
sale.funnel.template.task.stage ----  ----  ----  ----  ----  ----  ----  ----  -r--  ----  ----  ----  ----
sale.funnel.template.robot     ----  ----  ----  ----  ----  ----  ----  ----  -r--  ----  ----  ----  ----
sale.funnel.template.sla       ----  ----  ----  ----  ----  ----  ----  ----  -r--  ----  ----  ----  ----
sale.funnel.setup              ----  ----  ----  ----  ----  ----  ----  ----  crw-  ----  ----  ----  ----
sale.funnel.setup.role         ----  ----  ----  ----  ----  ----  ----  ----  crw-  ----  ----  ----  ----
sale.order                     ----  -r--  ----  crw-  crw-  crwu  crw-  crw-  crwu  -rw-  -r--  -r--  crw-
project.task                   ----  -r--  crwu  crwu  crwu  crwu  crwu  crwu  crwu  crwu  crwu  crwu  crwu
"""
# fmt: on

OPERATIONS = ("create", "read", "write", "unlink")

# Record rules: which of the scenario's records (TestAccessMatrix in tests/test_access_matrix.py) each user
# reaches by searching, one row per user, one column per model (``VISIBILITY_MODELS``).
# Deals of company A: ``o1`` and ``o2`` (Sally's, an ERP CRM user; ``o1`` is the portal customer's), ``ot``
# (Sam's), ``un`` (unassigned); ``b``: a deal of the other company (its ERP CRM user's). ``A`` stands for the
# four deals of company A. Rows hanging on a deal (history, robot log, the three reports) are named by their deal.
# Rankings: ``ra`` and ``rb`` (a customer in each company). Service requests: ``r1`` (about ``o1``, the portal
# customer's), ``r2`` (about ``ot``).
# ``denied``: the user may not read the model at all (AccessError); ``none``: a readable model, no record reached.
# fmt: off
VISIBILITY = """
user   deal      history   robot_log ranking   request   funnel    forecast  kpi
pub    denied    denied    denied    denied    denied    denied    denied    denied
ptl    o1        denied    denied    denied    r1        denied    denied    denied
emp    denied    denied    denied    denied    none      denied    denied    denied
s_own  un        un        none      ra        none      denied    denied    denied
s_all  A         A         o1,ot     ra        r1,r2     denied    denied    denied
s_mgr  A         A         o1,ot     ra        r1,r2     denied    denied    denied
e_usr  o1,o2,un  o1,o2,un  o1        ra        r1        o1,o2,un  o1,o2,un  o1,o2,un
e_all  A         A         o1,ot     ra        r1,r2     A         A         A
e_mgr  A         A         o1,ot     ra        r1,r2     A         A         A
acct   A         denied    denied    denied    none      denied    denied    denied
svc    A         denied    none      denied    r1,r2     denied    denied    denied
svc_m  A         denied    none      denied    r1,r2     denied    denied    denied
co_b   b         b         none      rb        none      b         b         b
"""
# fmt: on
COMPANY_A_DEALS = ("o1", "o2", "ot", "un")
VISIBILITY_MODELS = {
    "deal": "sale.order",
    "history": "sale.funnel.stage.history",
    "robot_log": "sale.funnel.robot.run",
    "ranking": "res.partner.ranking",
    "request": "project.task",  # service requests
    "funnel": "sale.funnel.report",  # Funnel Analysis
    "forecast": "sale.forecast.report",
    "kpi": "sale.kpi.report",  # Salesperson KPIs
}


def parse_matrix(text=MATRIX):
    """{(model, user): {operation: allowed}} from the table."""
    lines = [line.split() for line in text.strip().splitlines()]
    header, rows = lines[0][1:], lines[1:]
    cells = {}
    for model, *perms in rows:
        if len(perms) != len(header):
            raise ValueError(f"row {model} has {len(perms)} cells for {len(header)} users")
        for user, perm in zip(header, perms, strict=True):
            if len(perm) != 4 or any(c not in f"{letter}-" for c, letter in zip(perm, "crwu", strict=True)):
                raise ValueError(f"cell {model} × {user} is {perm!r}: four letters of c, r, w, u or -")
            cells[model, user] = {op: perm[i] != "-" for i, op in enumerate(OPERATIONS)}
    return header, [row[0] for row in rows], cells


def parse_visibility(text=VISIBILITY):
    """{(model, user): None (denied) or frozenset of scenario labels} from the table."""
    lines = [line.split() for line in text.strip().splitlines()]
    models, rows = [VISIBILITY_MODELS[column] for column in lines[0][1:]], lines[1:]
    cells = {}
    for user, *values in rows:
        if len(values) != len(models):
            raise ValueError(f"row {user} has {len(values)} cells for {len(models)} models")
        for model, value in zip(models, values, strict=True):
            if value == "denied":
                cells[model, user] = None
            elif value == "none":
                cells[model, user] = frozenset()
            else:
                labels = value.split(",")
                cells[model, user] = frozenset(COMPANY_A_DEALS if labels == ["A"] else labels)
    return [row[0] for row in rows], cells
