#!/usr/bin/env bash
# A private ClickHouse server for tests: `.ci/clickhouse.sh start|stop|status`.
#
# It copies the packaged config (Debian's clickhouse-server 18.16.1) into a private directory,
# moves every port and path there, starts the server in the background recording its pid, and
# waits until it answers a query. `stop` ends exactly that pid. Exits non-zero when the server
# cannot be started, so CI fails instead of skipping the ClickHouse tests.
set -euo pipefail

CH_DIR="${CH_DIR:-${TMPDIR:-/tmp}/traitbase-ci-clickhouse}"
CH_TCP_PORT="${CH_TCP_PORT:-19000}"
CH_HTTP_PORT="${CH_HTTP_PORT:-18123}"
CH_INTERSERVER_PORT="${CH_INTERSERVER_PORT:-19009}"
CH_TIMEOUT="${CH_TIMEOUT:-60}"
SRC_CONFIG="${CH_SRC_CONFIG:-/etc/clickhouse-server}"
PIDFILE="$CH_DIR/server.pid"

answers() {
    clickhouse-client --host 127.0.0.1 --port "$CH_TCP_PORT" --query "SELECT 1" >/dev/null 2>&1
}

# A killed server whose parent never reaps it stays a zombie, which `kill -0` still finds: look at
# its state instead.
alive() {
    local pid=$1 state
    [[ -r "/proc/$pid/stat" ]] || return 1
    state=$(sed -e 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f1)
    [[ "$state" != Z ]]
}

write_config() {
    mkdir -p "$CH_DIR"/{conf,data,tmp,user_files,format_schemas,log}
    cp "$SRC_CONFIG/users.xml" "$CH_DIR/conf/users.xml"
    # Private ports and directories; UTC so DateTime columns read back the naive UTC times written.
    sed -e "s#<http_port>[0-9]*</http_port>#<http_port>$CH_HTTP_PORT</http_port>#" \
        -e "s#<tcp_port>[0-9]*</tcp_port>#<tcp_port>$CH_TCP_PORT</tcp_port>#" \
        -e "s#<interserver_http_port>[0-9]*</interserver_http_port>#<interserver_http_port>$CH_INTERSERVER_PORT</interserver_http_port>#" \
        -e "s#<path>/var/lib/clickhouse/</path>#<path>$CH_DIR/data/</path>#" \
        -e "s#<tmp_path>[^<]*</tmp_path>#<tmp_path>$CH_DIR/tmp/</tmp_path>#" \
        -e "s#<user_files_path>[^<]*</user_files_path>#<user_files_path>$CH_DIR/user_files/</user_files_path>#" \
        -e "s#<format_schema_path>[^<]*</format_schema_path>#<format_schema_path>$CH_DIR/format_schemas/</format_schema_path>#" \
        -e "s#<log>[^<]*</log>#<log>$CH_DIR/log/server.log</log>#" \
        -e "s#<errorlog>[^<]*</errorlog>#<errorlog>$CH_DIR/log/server.err.log</errorlog>#" \
        -e "s#<!-- <timezone>[^<]*</timezone> -->#<timezone>UTC</timezone>#" \
        -e "s#<listen_host>::1</listen_host>##" \
        "$SRC_CONFIG/config.xml" >"$CH_DIR/conf/config.xml"
}

start() {
    command -v clickhouse-server >/dev/null || { echo "clickhouse-server is not installed" >&2; return 1; }
    if [[ -f "$PIDFILE" ]] && alive "$(cat "$PIDFILE")"; then
        echo "ClickHouse already running (pid $(cat "$PIDFILE")) on 127.0.0.1:$CH_TCP_PORT"
        return 0
    fi
    write_config
    clickhouse-server --config-file="$CH_DIR/conf/config.xml" >"$CH_DIR/log/stdout.log" 2>&1 &
    echo $! >"$PIDFILE"
    local waited=0
    until answers; do
        if ! alive "$(cat "$PIDFILE")"; then
            echo "clickhouse-server exited; last log lines:" >&2
            tail -n 20 "$CH_DIR/log/stdout.log" "$CH_DIR/log/server.err.log" >&2 2>/dev/null || true
            return 1
        fi
        if ((waited >= CH_TIMEOUT * 10)); then
            echo "ClickHouse is not answering after ${CH_TIMEOUT}s" >&2
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    echo "ClickHouse answers on 127.0.0.1:$CH_TCP_PORT (pid $(cat "$PIDFILE"), data in $CH_DIR)"
}

stop() {
    [[ -f "$PIDFILE" ]] || { echo "ClickHouse is not running"; return 0; }
    local pid
    pid=$(cat "$PIDFILE")
    if alive "$pid"; then
        kill -TERM "$pid"
        local waited=0
        while alive "$pid" && ((waited < 300)); do
            sleep 0.1
            waited=$((waited + 1))
        done
        if alive "$pid"; then kill -KILL "$pid"; fi
    fi
    rm -f "$PIDFILE"
    echo "ClickHouse stopped (pid $pid)"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) answers && echo "ClickHouse answers on 127.0.0.1:$CH_TCP_PORT" ;;
*)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
