#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the journal's tests (Debian's package; the
# server refuses to run as root, so it runs as the postgres user, as ../shared/TOOLCHAIN.md
# measured). As root:
#   eval "$(bash .ci/postgres.sh start)"    # exports REFUNDKIT_TEST_POSTGRES, REFUNDKIT_PG_DIR
#   cargo test --workspace --locked          # the journal's tests then run on PostgreSQL too
#   bash .ci/postgres.sh stop "$REFUNDKIT_PG_DIR"
set -euo pipefail

bin_of() {
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/$1" ]; then echo "$d/$1"; return 0; fi
  done
  command -v "$1"
}

case "${1:-}" in
start)
  if ! bin_of initdb >/dev/null 2>&1; then
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
  fi
  initdb="$(bin_of initdb)"
  pg_ctl="$(bin_of pg_ctl)"
  dir="$(mktemp -d)"
  chown postgres "$dir"
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  runuser -u postgres -- "$initdb" -D "$dir/pg" -A trust -U postgres >&2
  runuser -u postgres -- "$pg_ctl" -D "$dir/pg" -l "$dir/log" -w start \
    -o "-p $port -k $dir/pg -c listen_addresses=127.0.0.1 -c max_connections=300" >&2
  echo "export REFUNDKIT_TEST_POSTGRES=postgres://postgres@127.0.0.1:$port/postgres REFUNDKIT_PG_DIR=$dir"
  ;;
stop)
  dir="${2:?the directory start printed}"
  runuser -u postgres -- "$(bin_of pg_ctl)" -D "$dir/pg" -m fast stop >&2 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start | stop DIR" >&2
  exit 2
  ;;
esac
