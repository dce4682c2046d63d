#!/usr/bin/env bash
# A private ClickHouse server for the ClickHouse backend's tests (issue 18): never the system
# service on 8123/9000. `scripts/start_clickhouse.sh --dir D [--http-port N] [--tcp-port M]`
# writes a config (listening on 127.0.0.1 only, user `default` without a password from loopback,
# data, logs and pid under D) and starts `clickhouse-server` in the background as the calling
# user, waits until its HTTP interface answers `SELECT 1`, and prints the server's URL
# (`clickhouse://127.0.0.1:PORT/perfwatch_test`) on stdout's last line. Free ports are picked
# when not given. Stop it with `kill $(cat D/clickhouse.pid)`.
# Works with Debian's clickhouse-server 18.16 (the `<yandex>` config root, which current
# servers still accept).
set -euo pipefail

dir=""
http_port=""
tcp_port=""
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) dir="$2"; shift 2 ;;
        --http-port) http_port="$2"; shift 2 ;;
        --tcp-port) tcp_port="$2"; shift 2 ;;
        *) echo "usage: $0 --dir D [--http-port N] [--tcp-port M]" >&2; exit 2 ;;
    esac
done
[ -n "$dir" ] || { echo "usage: $0 --dir D [--http-port N] [--tcp-port M]" >&2; exit 2; }
server=$(command -v clickhouse-server || true)
[ -n "$server" ] || { echo "clickhouse-server is not installed: apt-get install clickhouse-server" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
http_port="${http_port:-$(free_port)}"
tcp_port="${tcp_port:-$(free_port)}"
for port in "$http_port" "$tcp_port"; do
    case "$port" in ''|*[!0-9]*) echo "ports must be numbers: $port" >&2; exit 2 ;; esac
done

mkdir -p "$dir/data" "$dir/tmp" "$dir/log" "$dir/user_files" "$dir/format_schemas"
dir=$(cd "$dir" && pwd)
cat > "$dir/config.xml" <<CONF
<?xml version="1.0"?>
<!-- scripts/start_clickhouse.sh: a private test server, rewritten on every start. -->
<yandex>
    <logger>
        <level>warning</level>
        <log>$dir/log/clickhouse-server.log</log>
        <errorlog>$dir/log/clickhouse-server.err.log</errorlog>
        <size>10M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$http_port</http_port>
    <tcp_port>$tcp_port</tcp_port>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>67108864</uncompressed_cache_size>
    <mark_cache_size>67108864</mark_cache_size>
</yandex>
CONF
cat > "$dir/users.xml" <<CONF
<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
CONF

"$server" --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
# The server writes no pid file in the foreground: keep its pid for whoever stops it.
echo $! > "$dir/clickhouse.pid"
for _ in $(seq 1 120); do
    if [ "$(curl -s "http://127.0.0.1:$http_port/?query=SELECT%201" 2>/dev/null)" = "1" ]; then
        echo "clickhouse://127.0.0.1:$http_port/perfwatch_test"
        exit 0
    fi
    sleep 0.5
done
echo "clickhouse-server did not answer on 127.0.0.1:$http_port within 60 s; its log:" >&2
tail -n 30 "$dir/log/stdout.log" "$dir/log/clickhouse-server.err.log" >&2 2>/dev/null || true
exit 1
