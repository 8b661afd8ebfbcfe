#!/usr/bin/env bash
# Installs (Debian) and starts the servers the tests and production mode use: RabbitMQ and Redis on loopback.
# Idempotent: installs only what is missing, starts only what is not answering.
#
#   scripts/services.sh [up]                 install if needed, start, wait until both answer
#   scripts/services.sh stop|start rabbitmq  stop or start one server (used by the restart tests)
#   scripts/services.sh stop|start redis
#   scripts/services.sh status
#   scripts/services.sh sweep                 delete the queues that killed test and bench runs left behind
set -euo pipefail

REDIS_PORT="${REDIS_PORT:-6379}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

log() { echo "services: $*" >&2; }

apt_updated=0
ensure_package() {
  local binary="$1" package="$2"
  if command -v "$binary" >/dev/null 2>&1 || [ -x "/usr/sbin/$binary" ]; then return; fi
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  log "installing $package"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$package" >/dev/null
}

rabbit_up() { rabbitmq-diagnostics -q ping >/dev/null 2>&1; }
redis_up() { redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

wait_for() {
  local what="$1" check="$2" seconds="$3"
  for _ in $(seq 1 "$((seconds * 2))"); do
    if $check; then return 0; fi
    sleep 0.5
  done
  log "$what did not answer within ${seconds}s"
  return 1
}

start_rabbitmq() {
  if rabbit_up; then return; fi
  log "starting rabbitmq"
  # Quorum queues need a running Erlang node; -detached returns at once, so wait for it to answer.
  $SUDO rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_for rabbitmq rabbit_up 120
  $SUDO rabbitmqctl await_startup >/dev/null
}

stop_rabbitmq() {
  log "stopping rabbitmq"
  $SUDO rabbitmqctl stop >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do rabbit_up || return 0; sleep 0.5; done
}

start_redis() {
  if redis_up; then return; fi
  log "starting redis"
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >/dev/null
  wait_for redis redis_up 30
}

stop_redis() {
  log "stopping redis"
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do redis_up || return 0; sleep 0.5; done
}

# The names tests and benchmarks give their queues; a run removes its own, but not one that was killed. Only
# queues with no consumer go: one a running test still uses is left alone (rerun the sweep once it is done).
TEST_QUEUES='^visionq[.-](test-|e2e-|hook-e2e-|aio-|bench-|deploy-|faults-|jepsen-)'
sweep_rabbitmq() {
  local names count=0
  names="$($SUDO rabbitmqctl list_queues name consumers --no-table-headers -q | awk '$2 == 0 { print $1 }' |
    grep -E "$TEST_QUEUES" || true)"
  for name in $names; do
    $SUDO rabbitmqctl delete_queue "$name" -q >/dev/null && count=$((count + 1))
  done
  log "deleted $count leftover test queue(s)"
}

case "${1:-up}" in
  up)
    ensure_package rabbitmq-server rabbitmq-server
    ensure_package redis-server redis-server
    start_rabbitmq
    start_redis
    log "rabbitmq and redis are up (AMQP_URL=amqp://guest:guest@127.0.0.1:5672 REDIS_URL=redis://127.0.0.1:$REDIS_PORT)"
    ;;
  start) "start_${2:?which server}" ;;
  stop) "stop_${2:?which server}" ;;
  sweep) sweep_rabbitmq ;;
  status)
    rabbit_up && echo "rabbitmq: up" || echo "rabbitmq: down"
    redis_up && echo "redis: up" || echo "redis: down"
    ;;
  *)
    echo "usage: $0 [up|status|sweep|start rabbitmq|start redis|stop rabbitmq|stop redis]" >&2
    exit 2
    ;;
esac
