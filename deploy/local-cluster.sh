#!/usr/bin/env bash
# N Portcullis instances on loopback ports, sharing one PostgreSQL and one
# Redis, behind nginx (Debian's package) - scale-out on one machine.
#
#   deploy/local-cluster.sh start [N]   start N instances (default 3) and nginx
#   deploy/local-cluster.sh stop        stop everything start started
#   deploy/local-cluster.sh status      what is running
#
# Environment (defaults in brackets):
#   CLUSTER_BIN            the binary [target/release/portcullis, else target/debug]
#   CLUSTER_DIR               state: pids, logs, nginx config [/tmp/portcullis-cluster]
#   CLUSTER_PORT              nginx's port [8080]; instance i listens on CLUSTER_PORT+i
#   PORTCULLIS_DATABASE_URL   shared PostgreSQL [postgres://postgres@127.0.0.1:5432/portcullis_cluster]
#   PORTCULLIS_REDIS_URL      shared Redis [redis://127.0.0.1:6379]
# Other PORTCULLIS_* variables reach every instance unchanged.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${CLUSTER_DIR:-/tmp/portcullis-cluster}"
port="${CLUSTER_PORT:-8080}"
export PORTCULLIS_DATABASE_URL="${PORTCULLIS_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portcullis_cluster}"
export PORTCULLIS_REDIS_URL="${PORTCULLIS_REDIS_URL:-redis://127.0.0.1:6379}"

bin="${CLUSTER_BIN:-}"
if [ -z "$bin" ]; then
  for candidate in "$root/target/release/portcullis" "$root/target/debug/portcullis"; do
    if [ -x "$candidate" ]; then bin="$candidate"; break; fi
  done
fi

fail() { printf 'local-cluster: %s\n' "$*" >&2; exit 1; }

wait_ready() {
  local url="$1"
  for _ in $(seq 1 100); do
    if PORTCULLIS_LISTEN="$url" "$bin" probe readyz >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

start() {
  local n="${1:-3}"
  [ -n "$bin" ] || fail "no portcullis binary: build it or set CLUSTER_BIN"
  command -v nginx >/dev/null || fail "nginx is not installed (apt-get install nginx)"
  [ ! -e "$dir/pids" ] || fail "already running (state in $dir); stop it first"
  mkdir -p "$dir"
  : > "$dir/pids"
  "$bin" migrate >/dev/null

  local upstream=""
  for i in $(seq 1 "$n"); do
    local listen="127.0.0.1:$((port + i))"
    PORTCULLIS_LISTEN="$listen" \
    PORTCULLIS_TOKENS__ISSUER="${PORTCULLIS_TOKENS__ISSUER:-http://127.0.0.1:$port}" \
    PORTCULLIS_RATE_LIMIT__BACKEND="${PORTCULLIS_RATE_LIMIT__BACKEND:-layered}" \
    PORTCULLIS_RATE_LIMIT__INSTANCES="$n" \
    PORTCULLIS_RATE_LIMIT__TRUSTED_PROXIES='["127.0.0.1"]' \
      "$bin" serve >"$dir/instance-$i.log" 2>&1 &
    echo "$!" >> "$dir/pids"
    upstream="$upstream    server $listen max_fails=0;\n"
  done

  # As root, nginx's workers would switch to www-data and lose the state dir.
  if [ "$(id -u)" = 0 ]; then echo "user root;" > "$dir/nginx.conf"; else : > "$dir/nginx.conf"; fi
  printf 'pid %s/nginx.pid;\nerror_log %s/nginx-error.log;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n  client_body_temp_path %s/body;\n  proxy_temp_path %s/proxy;\n  upstream portcullis {\n%b    keepalive 64;\n  }\n  server {\n    listen 127.0.0.1:%s;\n    client_max_body_size 64k;\n    location / {\n      proxy_pass http://portcullis;\n      proxy_http_version 1.1;\n      proxy_set_header Connection "";\n      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    }\n  }\n}\n' \
    "$dir" "$dir" "$dir" "$dir" "$upstream" "$port" >> "$dir/nginx.conf"

  for i in $(seq 1 "$n"); do
    wait_ready "127.0.0.1:$((port + i))" || fail "instance $i did not become ready (see $dir/instance-$i.log)"
  done
  nginx -c "$dir/nginx.conf" -p "$dir" || fail "nginx did not start (see $dir/nginx-error.log)"
  wait_ready "127.0.0.1:$port" || fail "nginx does not reach the instances"
  echo "$n instances behind http://127.0.0.1:$port (state in $dir)"
}

stop() {
  if [ -f "$dir/nginx.pid" ]; then
    local nginx_pid
    nginx_pid="$(cat "$dir/nginx.pid")"
    # Fast shutdown: open keep-alive connections close too.
    kill -TERM "$nginx_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$nginx_pid" 2>/dev/null || true
    rm -f "$dir/nginx.pid"
  fi
  if [ -f "$dir/pids" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$dir/pids"
    while read -r pid; do
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done < "$dir/pids"
    rm -f "$dir/pids"
  fi
  echo "stopped"
}

status() {
  [ -f "$dir/pids" ] || { echo "not running"; return 0; }
  while read -r pid; do
    if kill -0 "$pid" 2>/dev/null; then echo "instance pid $pid: running"; else echo "instance pid $pid: gone"; fi
  done < "$dir/pids"
}

case "${1:-}" in
  start) start "${2:-3}" ;;
  stop) stop ;;
  status) status ;;
  *) sed -n '2,16p' "$0"; exit 2 ;;
esac
