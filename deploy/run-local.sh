#!/usr/bin/env bash
# Several dashboard servers behind a proxy, on this machine's loopback (README, "Several servers"):
# a throw-away PostgreSQL cluster with the database pmo, three Streamlit servers on 8601-8603 that
# share it, and HAProxy on 127.0.0.1:8600 keeping each browser on one server.
#
#   deploy/run-local.sh [run]     start everything and stay in the foreground; Ctrl+C stops it all
#   deploy/run-local.sh start     start everything and return (for a benchmark, say)
#   deploy/run-local.sh stop      stop what start or run left running
#   deploy/run-local.sh status    what runs
#
# Settings (environment):
#   DEPLOY_RUN_DIR   pids, logs, the cluster, the secrets (default deploy/run; made if missing)
#   DEPLOY_STORE     postgresql (default) or duckdb: the three servers on one DuckDB file in the
#                    run directory instead, which the store shares between processes
#   DEPLOY_WORKBOOK  a workbook to import instead of the demo portfolio (bench/out/ministry.xlsx)
#   DEPLOY_VENV      the virtualenv (default .venv of the checkout)
#   DEPLOY_PG_PORT   the cluster's port on 127.0.0.1 (default 5433, beside a system cluster's 5432)
#   PMO_AUTH         open (default here): open demo mode, no sign-in; loopback only
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=$(realpath -m -- "${DEPLOY_RUN_DIR:-$ROOT/deploy/run}")
STORE_KIND=${DEPLOY_STORE:-postgresql}
VENV=${DEPLOY_VENV:-$ROOT/.venv}
PY=$VENV/bin/python
PG_BIN=${DEPLOY_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=${DEPLOY_PG_PORT:-5433}
PROXY_PORT=8600 # as in deploy/haproxy.cfg
PORTS=(8601 8602 8603)
HAPROXY_CFG=$ROOT/deploy/haproxy.cfg
PIDS=$RUN/pids
LOGS=$RUN/logs

say() { printf '%s\n' "$*" >&2; }
die() {
    say "run-local: $*"
    if [ "${STARTING:-0}" = 1 ]; then
        STARTING=0
        stop_all
    fi
    exit 1
}

as_postgres() { # initdb and pg_ctl refuse to run as root
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_super() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }

listening() { (: </dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

healthy() {
    if command -v curl >/dev/null; then
        curl -fsS -m 3 -o /dev/null "$1/_stcore/health" 2>/dev/null
    else
        "$PY" -c 'import sys, urllib.request as u; u.urlopen(sys.argv[1] + "/_stcore/health", timeout=3)' "$1" 2>/dev/null
    fi
}

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# A pid file's process, if it is still the one we started (its command line names $2).
alive() {
    local file=$1 what=$2 pid
    [ -f "$file" ] || return 1
    pid=$(cat "$file")
    [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$what"
}

# --------------------------------------------------------------------------------------------
# The store

store_url() {
    if [ "$STORE_KIND" = duckdb ]; then
        echo "$RUN/pmo.duckdb"
    else
        echo "postgresql://pmo@127.0.0.1:$PG_PORT/pmo"
    fi
}

start_postgres() {
    local data=$RUN/pg/data sock=$RUN/pg/socket super
    super=$(pg_super)
    [ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 is not installed ($PG_BIN): apt-get install postgresql-15"
    mkdir -p "$RUN/pg"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$RUN/pg"; fi
    as_postgres test -w "$RUN/pg" ||
        die "the postgres user cannot reach $RUN/pg (a parent directory is closed to it): DEPLOY_RUN_DIR=/tmp/pmo-run, say"
    as_postgres mkdir -p "$sock"
    if [ ! -s "$data/PG_VERSION" ]; then
        say "initdb $data"
        as_postgres "$PG_BIN/initdb" -D "$data" -U "$super" --encoding=UTF8 --locale=C.UTF-8 \
            --auth-local=peer --auth-host=scram-sha-256 >"$LOGS/initdb.log"
        as_postgres tee -a "$data/postgresql.conf" >/dev/null <<EOF
# deploy/run-local.sh: loopback only
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$sock'
max_connections = 100
EOF
    fi
    if ! as_postgres "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        listening "$PG_PORT" && die "port $PG_PORT is taken: DEPLOY_PG_PORT=another one"
        as_postgres touch "$RUN/pg/postgres.log"
        # a session of its own: Ctrl+C in this terminal reaches this script, which stops it in order
        as_postgres setsid -w "$PG_BIN/pg_ctl" -D "$data" -l "$RUN/pg/postgres.log" -w -t 60 start >/dev/null
    fi
    if [ ! -s "$RUN/pgpass" ]; then
        local password
        password=$(random_hex 24)
        # the password travels on standard input, never on a command line
        printf "CREATE ROLE pmo LOGIN PASSWORD '%s';\nCREATE DATABASE pmo OWNER pmo;\n" "$password" |
            as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$PG_PORT" -U "$super" -d postgres -f - >/dev/null
        (
            umask 077
            echo "127.0.0.1:$PG_PORT:pmo:pmo:$password" >"$RUN/pgpass"
        )
    fi
    export PGPASSFILE=$RUN/pgpass
    say "  postgresql healthy: 127.0.0.1:$PG_PORT, database pmo"
}

stop_postgres() {
    local data=$RUN/pg/data
    [ -s "$data/PG_VERSION" ] || return 0
    if as_postgres "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        say "stopping PostgreSQL"
        as_postgres "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
    fi
}

load_data() {
    local log=$LOGS/load.log
    if [ -n "${DEPLOY_WORKBOOK:-}" ]; then
        DEPLOY_WORKBOOK=$(realpath -e "$DEPLOY_WORKBOOK") || die "no workbook $DEPLOY_WORKBOOK"
        # a byte-identical file already imported is reported and changes nothing
        say "importing $DEPLOY_WORKBOOK (once)"
        (cd "$ROOT" && "$PY" -m pmo import "$DEPLOY_WORKBOOK" --lang en) >"$log" 2>&1 ||
            die "the import failed: $log"
    else
        say "loading the demo portfolio (when the store is empty)"
        (cd "$ROOT" && "$PY" -m pmo demo --if-empty --lang en) >"$log" 2>&1 || die "the demo failed: $log"
    fi
}

# --------------------------------------------------------------------------------------------
# The servers and the proxy

# Every server signs its cookies with one secret (a browser moved to another server keeps its
# Streamlit cookies valid); made once per run directory, readable by its owner only.
cookie_secret() {
    if [ ! -s "$RUN/cookie_secret" ]; then
        (
            umask 077
            random_hex 32 >"$RUN/cookie_secret"
        )
    fi
    cat "$RUN/cookie_secret"
}

start_server() {
    local port=$1
    alive "$PIDS/streamlit-$port.pid" "server.port $port" && return 0
    listening "$port" && die "port $port is taken by another process"
    (
        cd "$ROOT"
        PMO_AUTH=${PMO_AUTH:-open} STREAMLIT_SERVER_COOKIE_SECRET=$SECRET \
            setsid "$VENV/bin/python" -m ui.serve --server.headless true --server.address 127.0.0.1 \
            --server.port "$port" --server.fileWatcherType none --browser.gatherUsageStats false \
            >"$LOGS/streamlit-$port.log" 2>&1 &
        echo $! >"$PIDS/streamlit-$port.pid"
    )
}

ensure_haproxy() {
    command -v haproxy >/dev/null && return 0
    [ "$(id -u)" = 0 ] || die "haproxy is missing: apt-get install haproxy (as root)"
    say "installing haproxy"
    apt-get install -y -qq haproxy >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; }
}

start_proxy() {
    alive "$PIDS/haproxy.pid" haproxy && return 0
    listening "$PROXY_PORT" && die "port $PROXY_PORT is taken by another process"
    haproxy -c -q -f "$HAPROXY_CFG" || die "$HAPROXY_CFG is not valid"
    setsid haproxy -W -f "$HAPROXY_CFG" >"$LOGS/haproxy.log" 2>&1 &
    echo $! >"$PIDS/haproxy.pid"
}

wait_healthy() {
    local name=$1 url=$2 pidfile=$3 deadline=$((SECONDS + 120))
    until healthy "$url"; do
        if ! alive "$pidfile" "${4:-}"; then
            die "$name did not start: $(tail -n 20 "$LOGS/$name.log" 2>/dev/null)"
        fi
        [ $SECONDS -lt $deadline ] || die "$name is not healthy after 120 s: $LOGS/$name.log"
        sleep 0.5
    done
    say "  $name healthy: $url"
}

start_all() {
    STARTING=1 # a failure on the way stops what was started
    mkdir -p "$PIDS" "$LOGS"
    [ -x "$PY" ] || die "no virtualenv at $VENV (make setup, or DEPLOY_VENV=...)"
    case "$STORE_KIND" in
        postgresql) start_postgres ;;
        duckdb) ;;
        *) die "DEPLOY_STORE is postgresql or duckdb, not '$STORE_KIND'" ;;
    esac
    PMO_DB=$(store_url)
    export PMO_DB
    say "store: $PMO_DB"
    load_data
    SECRET=$(cookie_secret)
    for port in "${PORTS[@]}"; do start_server "$port"; done
    ensure_haproxy
    start_proxy
    for port in "${PORTS[@]}"; do
        wait_healthy "streamlit-$port" "http://127.0.0.1:$port" "$PIDS/streamlit-$port.pid" "server.port $port"
    done
    wait_healthy haproxy "http://127.0.0.1:$PROXY_PORT" "$PIDS/haproxy.pid" haproxy
    say "ready: http://127.0.0.1:$PROXY_PORT (servers ${PORTS[*]}; HAProxy's page http://127.0.0.1:8609/)"
    say "pids and logs: $RUN"
    STARTING=0
}

stop_pid() {
    local file=$1 what=$2 pid
    if alive "$file" "$what"; then
        pid=$(cat "$file")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 100); do
            [ -d "/proc/$pid" ] || break
            sleep 0.2
        done
        if [ -d "/proc/$pid" ]; then
            say "  $(basename "$file" .pid) did not stop in 20 s: killed"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$file"
}

stop_all() {
    say "stopping"
    stop_pid "$PIDS/haproxy.pid" haproxy
    for port in "${PORTS[@]}"; do stop_pid "$PIDS/streamlit-$port.pid" "server.port $port"; done
    stop_postgres
    say "stopped"
}

status() {
    local file
    for file in "$PIDS"/*.pid; do
        [ -e "$file" ] || continue
        if [ -d "/proc/$(cat "$file")" ]; then
            say "$(basename "$file" .pid): pid $(cat "$file")"
        else
            say "$(basename "$file" .pid): gone"
        fi
    done
    if [ -s "$RUN/pg/data/PG_VERSION" ]; then
        as_postgres "$PG_BIN/pg_ctl" -D "$RUN/pg/data" status >/dev/null 2>&1 &&
            say "postgresql: port $PG_PORT" || say "postgresql: stopped"
    fi
}

# In the foreground: stop everything on Ctrl+C or TERM; say when a process has gone.
run_foreground() {
    trap 'stop_all; exit 130' INT
    trap 'stop_all; exit 143' TERM
    start_all
    say "Ctrl+C stops everything"
    local told=""
    while :; do
        sleep 2 &
        wait $! || true
        for port in "${PORTS[@]}"; do
            if ! alive "$PIDS/streamlit-$port.pid" "server.port $port" && [[ $told != *" $port"* ]]; then
                say "the server on $port has stopped (HAProxy sends its browsers to the others): $LOGS/streamlit-$port.log"
                told="$told $port"
            fi
        done
    done
}

case "${1:-run}" in
    run) run_foreground ;;
    start) start_all ;;
    stop) stop_all ;;
    status) status ;;
    *) die "usage: $0 [run|start|stop|status]" ;;
esac
