#!/usr/bin/env bash
# The production topology on one machine, on loopback: a Redis primary and its replica watched
# by three sentinels, two `opswall serve` behind nginx, two `opswall feeds` workers.
#
#   scripts/cluster-demo.sh up      start it all; writes .cluster/env (KEY=value lines)
#   scripts/cluster-demo.sh down    stop exactly the processes .cluster/env names
#   scripts/cluster-demo.sh status  which of them run
#
# Ports start at CLUSTER_BASE_PORT (default 18000): nginx +0, serve +1 +2, primary +10,
# replica +11, sentinels +20..+22. Logs are in .cluster/logs/ (CLUSTER_DIR moves .cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DIR="${CLUSTER_DIR:-$ROOT/.cluster}"
BASE="${CLUSTER_BASE_PORT:-18000}"
SERVICE=opswall

pids_of() { grep -E "^$1=" "$DIR/env" | cut -d= -f2- | tr -d '"'; }

down() {
  [ -f "$DIR/env" ] || { echo "no .cluster/env: nothing to stop"; return 0; }
  local pids
  pids="$(pids_of SERVE_PIDS) $(pids_of FEEDS_PIDS) $(pids_of NGINX_PID) $(pids_of SENTINEL_PIDS) $(pids_of REPLICA_PID) $(pids_of PRIMARY_PID)"
  for pid in $pids; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    local alive=0
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
  mv "$DIR/env" "$DIR/env.stopped"
  echo "stopped: $pids"
}

status() {
  [ -f "$DIR/env" ] || { echo "not running (no .cluster/env)"; return 1; }
  for name in PRIMARY_PID REPLICA_PID SENTINEL_PIDS SERVE_PIDS FEEDS_PIDS NGINX_PID; do
    for pid in $(pids_of "$name"); do
      if kill -0 "$pid" 2>/dev/null; then echo "$name $pid running"; else echo "$name $pid gone"; fi
    done
  done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_until() {  # wait_until "what" command...: readiness, up to 180 s
  local what="$1"; shift
  for _ in $(seq 1 900); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "cluster-demo: $what did not come up; see $DIR/logs/" >&2
  return 1
}

pid_file() {  # pid_file FILE: the pid a daemon wrote, once it has
  wait_until "pid file $1" test -s "$1"
  cat "$1"
}

up() {
  if [ -f "$DIR/env" ]; then
    echo "already up (.cluster/env exists): run '$0 down' first" >&2
    exit 1
  fi
  for port in "$BASE" $((BASE + 1)) $((BASE + 2)) $((BASE + 10)) $((BASE + 11)) \
              $((BASE + 20)) $((BASE + 21)) $((BASE + 22)); do
    port_free "$port" || { echo "port $port is taken: set CLUSTER_BASE_PORT" >&2; exit 1; }
  done
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  local nginx_bin; nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
  # shellcheck source=scripts/venv.sh
  source "$ROOT/scripts/venv.sh"

  rm -rf "$DIR"
  mkdir -p "$DIR"/{primary,replica,sentinel,logs} "$DIR"/nginx/{body,proxy,fastcgi,uwsgi,scgi}
  chmod -R 0777 "$DIR/nginx"   # nginx's workers run as nobody when started by root
  local primary=$((BASE + 10)) replica=$((BASE + 11))
  # each node its own copy: a failover makes Redis rewrite the file it was started from
  cp "$ROOT/deploy/redis/cluster-demo.conf" "$DIR/primary/redis.conf"
  cp "$ROOT/deploy/redis/cluster-demo.conf" "$DIR/replica/redis.conf"
  redis-server "$DIR/primary/redis.conf" --port "$primary" --dir "$DIR/primary" \
    --daemonize yes --pidfile "$DIR/primary/redis.pid" --logfile "$DIR/logs/primary.log"
  redis-server "$DIR/replica/redis.conf" --port "$replica" --dir "$DIR/replica" \
    --replicaof 127.0.0.1 "$primary" \
    --daemonize yes --pidfile "$DIR/replica/redis.pid" --logfile "$DIR/logs/replica.log"
  local primary_pid replica_pid sentinel_pids="" sentinels=""
  primary_pid="$(pid_file "$DIR/primary/redis.pid")"
  replica_pid="$(pid_file "$DIR/replica/redis.pid")"
  for i in 0 1 2; do
    local sport=$((BASE + 20 + i))
    sed -e "s/@PORT@/$sport/" -e "s/@PRIMARY@/$primary/" -e "s/@SERVICE@/$SERVICE/" \
      -e "s#@DIR@#$DIR/sentinel#" "$ROOT/deploy/redis/sentinel-demo.conf.in" \
      > "$DIR/sentinel/sentinel-$sport.conf"
    redis-server "$DIR/sentinel/sentinel-$sport.conf" --sentinel --daemonize yes \
      --pidfile "$DIR/sentinel/$sport.pid" --logfile "$DIR/logs/sentinel-$sport.log"
    sentinel_pids="$sentinel_pids $(pid_file "$DIR/sentinel/$sport.pid")"
    sentinels="${sentinels:+$sentinels,}127.0.0.1:$sport"
  done
  wait_until "the replica's sync" sh -c \
    "redis-cli -p $replica info replication | grep -q 'master_link_status:up'"

  local secret ingest password
  secret="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))')"
  ingest="wk_$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')"
  password="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(18))')"
  export REDIS_SENTINELS="$sentinels" SENTINEL_SERVICE="$SERVICE" WALL_REDIS_REPLICAS=1 \
    WALL_SECRET_KEY="$secret" WALL_INGEST_KEY="$ingest" WALL_ADMIN_PASSWORD="$password" \
    WALL_TRUSTED_PROXIES=1 WALL_PREFIX="${WALL_PREFIX:-wall:}"
  unset REDIS_URL
  local serve_pids="" feeds_pids="" upstreams=""
  for i in 1 2; do
    local port=$((BASE + i))
    nohup .venv/bin/opswall serve --host 127.0.0.1 --port "$port" \
      > "$DIR/logs/serve-$port.log" 2>&1 &
    serve_pids="$serve_pids $!"
    upstreams="$upstreams        server 127.0.0.1:$port max_fails=1 fail_timeout=3s;"$'\n'
  done
  for i in 1 2; do
    nohup .venv/bin/opswall feeds > "$DIR/logs/feeds-$i.log" 2>&1 &
    feeds_pids="$feeds_pids $!"
  done
  local conf="$DIR/nginx/nginx.conf"
  python3 - "$ROOT/deploy/nginx/cluster-demo.conf.in" "$conf" "$DIR" "$BASE" "$upstreams" <<'PY'
import sys
src, dst, where, port, upstreams = sys.argv[1:]
text = open(src).read().replace("@DIR@", where).replace("@PORT@", port)
open(dst, "w").write(text.replace("@UPSTREAMS@", upstreams.rstrip("\n")))
PY
  "$nginx_bin" -c "$conf" -p "$DIR/nginx"
  local nginx_pid; nginx_pid="$(pid_file "$DIR/nginx/nginx.pid")"
  for i in 1 2; do
    wait_until "opswall serve on $((BASE + i))" curl -fsS "http://127.0.0.1:$((BASE + i))/livez"
  done
  local url="http://127.0.0.1:$BASE"
  wait_until "nginx at $url" curl -fsS "$url/login"
  local token screen
  token="$(WALL_USER=admin WALL_PASSWORD="$password" .venv/bin/opswall users token admin)"
  screen="$(WALL_TOKEN="$token" .venv/bin/opswall screens token issue s1 --url "$url" | tail -1)"
  cat > "$DIR/env" <<ENV
NGINX_URL=$url
REDIS_SENTINELS=$sentinels
SENTINEL_SERVICE=$SERVICE
REDIS_PRIMARY_PORT=$primary
REDIS_REPLICA_PORT=$replica
WALL_PREFIX=$WALL_PREFIX
WALL_INGEST_KEY=$ingest
WALL_ADMIN_PASSWORD=$password
ADMIN_TOKEN=$token
SCREEN_URL_S1=$screen
SERVE_URLS="http://127.0.0.1:$((BASE + 1)) http://127.0.0.1:$((BASE + 2))"
PRIMARY_PID=$primary_pid
REPLICA_PID=$replica_pid
SENTINEL_PIDS="${sentinel_pids# }"
SERVE_PIDS="${serve_pids# }"
FEEDS_PIDS="${feeds_pids# }"
NGINX_PID=$nginx_pid
ENV
  chmod 600 "$DIR/env"
  echo "up: $url (screen s1: $screen)"
  echo "processes and keys: .cluster/env; stop with: $0 down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
