#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests: `scripts/postgres.sh start DIR PORT` prints its
# URL; `scripts/postgres.sh stop DIR` stops it. Runs the server as the postgres user when root.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?data directory}
port=${3:-54329}

bin_of() {
  command -v "$1" 2>/dev/null && return
  ls /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    initdb=$(bin_of initdb); pg_ctl=$(bin_of pg_ctl)
    [ -n "$initdb" ] && [ -n "$pg_ctl" ] || { echo "PostgreSQL server binaries (initdb, pg_ctl) not found" >&2; exit 1; }
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_owner "$initdb" -D "$dir/data" -A trust -U postgres >/dev/null
    as_owner "$pg_ctl" -D "$dir/data" -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c timezone=America/New_York" -l "$dir/server.log" -w start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    pg_ctl=$(bin_of pg_ctl)
    [ -d "$dir/data" ] && as_owner "$pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
