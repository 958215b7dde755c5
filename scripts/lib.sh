# shellcheck shell=bash
# Helpers shared by scripts/demo and scripts/test. Source this file, do not run it.
#
# Environment understood by every script:
#   PYTHON            interpreter that can `import odoo` (default: the first of python3 on the PATH,
#                     then the user's pyenv interpreters, that can)
#   PGHOST PGPORT PGUSER PGPASSWORD
#                     PostgreSQL connection, as for psql; unset = local socket, OS user
#   ERP_CRM_WORKDIR   scratch dir outside the repo (default: ~/.cache/erp_crm)

# Absolute path of the repository root (the addon itself), symlinks resolved.
ERP_CRM_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
# A scheduler may run us without HOME: take the user's home from the password database.
HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
export HOME
ERP_CRM_WORKDIR="${ERP_CRM_WORKDIR:-${XDG_CACHE_HOME:-$HOME/.cache}/erp_crm}"

# PYTHON: the interpreter that imports Odoo. Without PYTHON set, the first python3 that can, among the one on
# the PATH and the user's pyenv ones (a non-interactive shell may not have pyenv's shims on its PATH).
pick_python() {
    local candidate
    for candidate in python3 "$HOME/.pyenv/shims/python3" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin/python3 \
        "$ERP_CRM_WORKDIR/venv/bin/python3"; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import odoo' >/dev/null 2>&1; then
            printf '%s\n' "$candidate"
            return
        fi
    done
    printf '%s\n' python3
}
PYTHON="${PYTHON:-$(pick_python)}"

# Messages go to stderr so that functions can print results on stdout.
log() { printf '[erp_crm] %s\n' "$*" >&2; }
die() { printf '[erp_crm] ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# Wall-clock time in seconds (with decimals on bash >= 5).
now() { printf '%s\n' "${EPOCHREALTIME:-$SECONDS}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# apt_install PKG...: install Debian packages (root only; runs apt-get update first).
apt_install() {
    if [ "$(id -u)" != 0 ] || ! have apt-get; then
        die "Missing $*: install them (Debian: sudo apt-get install -y $*) and re-run."
    fi
    log "Installing Debian packages: $* (apt-get update + install, may take a few minutes)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || die "apt-get update failed."
    apt-get install -y -qq --no-install-recommends "$@" >&2 || die "apt-get install $* failed."
}

# find_odoo: locate the Odoo 19 install that $PYTHON imports. Sets:
#   ODOO_ROOT         parent dir of the `odoo` package (e.g. /opt/odoo19)
#   ODOO_ADDONS_PATH  <root>/addons (if present),<root>/odoo/addons
find_odoo() {
    local out
    # Import odoo.release too: it tells the version and catches a stray "odoo" package.
    if ! out="$("$PYTHON" -c 'import odoo, odoo.release, os; print(os.path.dirname(odoo.__path__[0])); print(odoo.release.version_info[0])' 2>/dev/null)"; then
        install_odoo_venv
        out="$("$PYTHON" -c 'import odoo, odoo.release, os; print(os.path.dirname(odoo.__path__[0])); print(odoo.release.version_info[0])')" \
            || die "Odoo installed into $ERP_CRM_WORKDIR/venv does not import: see the messages above."
    fi
    ODOO_ROOT="$(printf '%s\n' "$out" | sed -n 1p)"
    local major
    major="$(printf '%s\n' "$out" | sed -n 2p)"
    if [ "$major" != 19 ]; then
        printf '%s\n' "$PYTHON imports Odoo $major from $ODOO_ROOT but erp_crm needs Odoo 19.0 Community: install it (with its requirements) and make it the one $PYTHON imports." >&2
        exit 1
    fi
    ODOO_ADDONS_PATH="$ODOO_ROOT/odoo/addons"
    if [ -d "$ODOO_ROOT/addons" ]; then
        ODOO_ADDONS_PATH="$ODOO_ROOT/addons,$ODOO_ADDONS_PATH"
    fi
    export ODOO_ROOT ODOO_ADDONS_PATH
}

# install_odoo_venv: no python3 here imports Odoo 19. Create a virtual environment outside the repository
# ($ERP_CRM_WORKDIR/venv) and install Odoo 19.0 Community into it from ODOO_SRC: a local checkout (used in place)
# or a git URL (cloned, branch 19.0), by default Odoo's official repository. Sets PYTHON to the venv's python.
install_odoo_venv() {
    local venv="$ERP_CRM_WORKDIR/venv" src="${ODOO_SRC:-https://github.com/odoo/odoo.git}" base_python
    base_python="$(command -v python3 || true)"
    [ -n "$base_python" ] || die "python3 is missing: install it (Debian: apt-get install python3 python3-venv)."
    log "No python3 imports Odoo 19: installing Odoo 19.0 Community from $src into $venv"
    if [ -d "$src" ]; then
        src="$(cd "$src" && pwd -P)"
    else
        have git || apt_install git
        local clone="$ERP_CRM_WORKDIR/odoo-src"
        if [ ! -f "$clone/odoo/release.py" ]; then
            rm -rf "$clone"
            git clone --depth 1 --branch 19.0 "$src" "$clone" >&2 || die "git clone of $src (branch 19.0) failed."
        fi
        src="$clone"
    fi
    [ -f "$src/odoo/release.py" ] && [ -f "$src/requirements.txt" ] \
        || die "$src is not an Odoo source tree (odoo/release.py and requirements.txt expected)."
    # Debian libraries Odoo's requirements build against (psycopg2, python-ldap), and venv itself.
    local debs=()
    "$base_python" -c 'import ensurepip, venv' 2>/dev/null || debs+=(python3-venv)
    dpkg -s libpq-dev >/dev/null 2>&1 || debs+=(libpq-dev)
    dpkg -s libldap2-dev >/dev/null 2>&1 || debs+=(libldap2-dev)
    dpkg -s libsasl2-dev >/dev/null 2>&1 || debs+=(libsasl2-dev)
    dpkg -s python3-dev >/dev/null 2>&1 || debs+=(python3-dev)
    [ "${#debs[@]}" = 0 ] || apt_install "${debs[@]}" build-essential
    [ -x "$venv/bin/python3" ] || "$base_python" -m venv "$venv" >&2 || die "Could not create $venv."
    # Some of Odoo's pinned sdists need an older setuptools in their build environment.
    local constraints="$ERP_CRM_WORKDIR/pip-constraints.txt"
    printf 'setuptools<70\n' >"$constraints"
    PIP_CONSTRAINT="$constraints" "$venv/bin/python3" -m pip install -q -r "$src/requirements.txt" >&2 \
        || die "Installing Odoo's Python requirements into $venv failed."
    # Odoo runs from its source tree: a .pth puts it on the venv's path.
    "$venv/bin/python3" -c 'import site, sys; open(site.getsitepackages()[0] + "/odoo-src.pth", "w").write(sys.argv[1] + "\n")' "$src"
    PYTHON="$venv/bin/python3"
    export PYTHON
}

# True when PostgreSQL is (or should be) on this machine, i.e. PGHOST is unset,
# a socket directory, or a loopback name.
pg_is_local() {
    case "${PGHOST:-}" in
        "" | /* | localhost | 127.0.0.1 | ::1) return 0 ;;
        *) return 1 ;;
    esac
}

# psql with no ~/.psqlrc, unaligned, tuples only, quiet. Stops on SQL errors.
pg_query() { # pg_query DB SQL
    psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

_start_local_cluster() {
    have pg_lsclusters || die "PostgreSQL is not running and pg_lsclusters is missing: start your PostgreSQL server or set PGHOST/PGPORT."
    # pg_lsclusters -h: "<ver> <name> <port> <status> <owner> <datadir> <log>"
    local clusters ver name port
    clusters="$(pg_lsclusters -h 2>/dev/null || true)"
    if [ -z "$clusters" ]; then
        [ "$(id -u)" = 0 ] || die "No PostgreSQL cluster exists: create one (sudo pg_createcluster --start <version> main)."
        ver="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -n | tail -n 1)"
        [ -n "$ver" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql."
        log "Creating PostgreSQL cluster $ver/main"
        pg_createcluster "$ver" main >&2 || die "pg_createcluster $ver main failed."
        clusters="$(pg_lsclusters -h)"
    fi
    # Prefer the cluster listening on $PGPORT (or 5432), else the first one.
    read -r ver name port _ < <(printf '%s\n' "$clusters" | awk -v p="${PGPORT:-5432}" '$3 == p { print; found = 1; exit } END { if (!found) exit 1 }' \
        || printf '%s\n' "$clusters" | head -n 1)
    log "Starting PostgreSQL cluster $ver/$name (port $port)"
    pg_ctlcluster "$ver" "$name" start >&2 \
        || die "Could not start PostgreSQL cluster $ver/$name (try: sudo pg_ctlcluster $ver $name start)."
    local _
    for _ in $(seq 1 30); do
        pg_isready -q && return 0
        sleep 1
    done
    die "PostgreSQL cluster $ver/$name did not become ready within 30s."
}

# ensure_postgres: make sure a server answers and that we can log in as a role
# that may create databases. Honours PGHOST/PGPORT/PGUSER/PGPASSWORD.
ensure_postgres() {
    if ! have pg_isready || ! have psql; then
        pg_is_local || die "psql/pg_isready are missing: install postgresql-client."
        apt_install postgresql
    fi
    if ! pg_isready -q; then
        pg_is_local || die "PostgreSQL at ${PGHOST}:${PGPORT:-5432} does not accept connections."
        _start_local_cluster
    fi

    local role="${PGUSER:-$(id -un)}"
    # Odoo aborts when connecting as `postgres` (cli/server.py check_postgres_user).
    [ "$role" != postgres ] || die "Odoo refuses the 'postgres' role: set PGUSER to another superuser role (or unset it)."

    local err
    if ! err="$(pg_query postgres 'select 1' 2>&1 >/dev/null)"; then
        if printf '%s' "$err" | grep -q "role \"$role\" does not exist" && pg_is_local && [ "$(id -u)" = 0 ]; then
            log "Creating PostgreSQL superuser role '$role'"
            # cd / : postgres cannot read root's cwd; drop PGUSER etc. so createuser
            # connects as postgres through the local socket (peer auth).
            (cd / && su postgres -c "env -u PGUSER -u PGPASSWORD -u PGDATABASE createuser -s '$role'") >&2 \
                || die "Could not create the PostgreSQL role '$role'."
            err="$(pg_query postgres 'select 1' 2>&1 >/dev/null)" || die "Cannot connect to PostgreSQL as '$role': $err"
        else
            die "Cannot connect to PostgreSQL as '$role': $err (create it with: sudo -u postgres createuser -s $role)"
        fi
    fi
    if [ "$(pg_query postgres 'select rolsuper or rolcreatedb from pg_roles where rolname = current_user')" != t ]; then
        die "PostgreSQL role '$role' may not create databases: grant it CREATEDB (or make it a superuser)."
    fi
}

# odoo_db_args: fill the array ODOO_DB_ARGS with Odoo's --db_* options for the
# PG* variables that are set (nothing when unset: Odoo then uses the local socket).
# PGPASSWORD is deliberately NOT put on the command line (it would show in `ps`):
# libpq, and Odoo 19's own config (env_name='PGPASSWORD'), read it from the environment.
odoo_db_args() {
    ODOO_DB_ARGS=()
    [ -z "${PGHOST:-}" ] || ODOO_DB_ARGS+=("--db_host=$PGHOST")
    [ -z "${PGPORT:-}" ] || ODOO_DB_ARGS+=("--db_port=$PGPORT")
    [ -z "${PGUSER:-}" ] || ODOO_DB_ARGS+=("--db_user=$PGUSER")
}

db_exists() { # db_exists DB
    [ "$(pg_query postgres "select 1 from pg_database where datname = '$1'")" = 1 ]
}

# module_state DB MODULE: prints the module's state in ir_module_module ('' if none).
module_state() {
    pg_query "$1" "select state from ir_module_module where name = '$2'" 2>/dev/null || true
}

# drop_db DB [DATA_DIR]: drop a database (kicking out open sessions) and its filestore.
drop_db() {
    dropdb --if-exists --force "$1" 2>/dev/null || dropdb --if-exists "$1" || return 1
    if [ -n "${2:-}" ]; then rm -rf "${2:?}/filestore/$1"; fi
}

# expose_addon: Odoo finds a module by its directory name, and this checkout's
# directory may have any name. Create <workdir>/addons/erp_crm -> <repo root>
# OUTSIDE the repo and print the full addons path to use:
#   <workdir>/addons,<odoo addons>
# If that link already points at another checkout that still exists (e.g. a CI
# clone running next to a developer's tree), use a per-checkout directory
# instead so that neither run silently tests the other's code.
expose_addon() {
    local dir="$ERP_CRM_WORKDIR/addons" link target
    case "$(mkdir -p "$ERP_CRM_WORKDIR" && cd "$ERP_CRM_WORKDIR" && pwd -P)/" in
        "$ERP_CRM_REPO"/*) die "ERP_CRM_WORKDIR ($ERP_CRM_WORKDIR) must be outside the repository." ;;
    esac
    link="$dir/erp_crm"
    if [ -L "$link" ]; then
        target="$(readlink "$link")"
        if [ "$target" != "$ERP_CRM_REPO" ] && [ -f "$target/__manifest__.py" ]; then
            dir="$ERP_CRM_WORKDIR/checkouts/$(printf '%s' "$ERP_CRM_REPO" | cksum | cut -d' ' -f1)/addons"
            link="$dir/erp_crm"
        fi
    fi
    mkdir -p "$dir"
    if [ -e "$link" ] && [ ! -L "$link" ]; then
        die "$link exists and is not a symlink: remove it."
    fi
    ln -sfn "$ERP_CRM_REPO" "$link"
    printf '%s\n' "$dir,${ODOO_ADDONS_PATH:?call find_odoo first}"
}
