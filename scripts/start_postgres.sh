#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for the database advisor's tests and benchmark (issue 21):
# never the system cluster on 5432. `scripts/start_postgres.sh [--port N] [--dir D]`
# initializes D (default /tmp/perfwatch-pg-PORT) once, with pg_stat_statements preloaded and
# tracking nested statements, listening on 127.0.0.1:PORT only, trusts local connections from
# the superuser and asks others for a password (scram); installs postgresql-15-hypopg when
# missing; starts the cluster (waiting until it accepts connections) unless it already runs; and
# prints the superuser URL on stdout's last line. Idempotent: run it again, get the same URL.
# As root the cluster runs as `postgres` (initdb refuses root).
set -euo pipefail

port=55432
dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --port) port="$2"; shift 2 ;;
        --dir) dir="$2"; shift 2 ;;
        *) echo "usage: $0 [--port N] [--dir D]" >&2; exit 2 ;;
    esac
done
case "$port" in ''|*[!0-9]*) echo "--port must be a number: $port" >&2; exit 2 ;; esac
dir="${dir:-/tmp/perfwatch-pg-$port}"
bin=/usr/lib/postgresql/15/bin
[ -x "$bin/initdb" ] || { echo "PostgreSQL 15 is not installed ($bin/initdb): apt-get install postgresql-15" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
if [ ! -f /usr/share/postgresql/15/extension/hypopg.control ]; then
    echo "apt: installing postgresql-15-hypopg" >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 postgresql-15-hypopg >/dev/null
fi

# Who runs the cluster: postgres when we are root, else ourselves.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
owner=$(if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi)

if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    chmod 700 "$dir"
    as_owner "$bin/initdb" -D "$dir" -U "$owner" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >&2
    # The superuser connects over TCP without a password (tests make their own roles with one).
    { echo "host all $owner 127.0.0.1/32 trust"; cat "$dir/pg_hba.conf"; } > "$dir/pg_hba.tmp"
    mv "$dir/pg_hba.tmp" "$dir/pg_hba.conf"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir/pg_hba.conf"
fi
if ! grep -q "^include 'perfwatch.conf'" "$dir/postgresql.conf"; then
    echo "include 'perfwatch.conf'  # scripts/start_postgres.sh rewrites it on every run" >> "$dir/postgresql.conf"
fi

# The settings live in their own file, rewritten on every run: a cluster made by an older version
# of this script gets them too (restarted when they changed).
settings=$(cat <<CONF
# scripts/start_postgres.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
# Room for the advisor's 50k-statement test and the 5,000-statement benchmark.
pg_stat_statements.max = 60000
max_connections = 100
shared_buffers = 128MB
fsync = off
CONF
)
changed=0
if [ "$(cat "$dir/perfwatch.conf" 2>/dev/null)" != "$settings" ]; then
    printf '%s\n' "$settings" > "$dir/perfwatch.conf"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir/perfwatch.conf"
    changed=1
fi

if ! as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >&2
elif [ "$changed" -eq 1 ]; then
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 -m fast restart >&2
fi
echo "postgres://$owner@127.0.0.1:$port/postgres"
