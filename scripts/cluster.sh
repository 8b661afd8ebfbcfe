#!/usr/bin/env bash
# A multi-host world on one machine, for the topology and fault tests (docs/reliability.md): test hosts made
# with network namespaces on one bridge, three RabbitMQ nodes clustered across three of them, a Redis primary,
# its replica and three Sentinels across three more, and empty hosts for the service's processes. Partitions
# are real (iptables in the hosts), a slow link is tc's tbf. Needs root; installs what is missing (Debian).
# Nothing here touches the default RabbitMQ node or Redis on loopback, nor any address outside 10.77.0.0/24.
#
#   scripts/cluster.sh up                 create what is missing and start what is not running; idempotent
#   scripts/cluster.sh down               stop everything and remove hosts, bridge and state; idempotent
#   scripts/cluster.sh status             hosts, servers (up/down), the RabbitMQ cluster, the Redis primary
#   scripts/cluster.sh env                the variables the apps and tests use to reach this world
#   scripts/cluster.sh kill NODE          SIGKILL a server: mq1..mq3, redis1, redis2, sentinel1..sentinel3
#   scripts/cluster.sh stop|start NODE    stop one gracefully / start it again (a rolling restart)
#   scripts/cluster.sh partition A B      drop all traffic between hosts A and B (each a host, a list a,b, or
#                                         a group: mq, redis); heal removes every partition and slow link
#   scripts/cluster.sh slow A B RATE      limit what A sends to B to RATE (tc tbf, e.g. 1mbit)
#   scripts/cluster.sh heal
#   scripts/cluster.sh leader QUEUE       the RabbitMQ node leading quorum queue QUEUE (mq1..mq3)
#   scripts/cluster.sh ctl ARGS...        rabbitmqctl ARGS on the cluster (through mq1), e.g. set_policy
#   scripts/cluster.sh primary            the Redis node Sentinel calls primary now (redis1 or redis2)
#   scripts/cluster.sh exec HOST CMD...   run a command on a host
set -euo pipefail

STATE="${VISIONQ_CLUSTER_DIR:-/tmp/visionq-cluster}"
BRIDGE=vqbr0
NET=10.77.0
SENTINEL_NAME=visionq
RABBIT_BIN=/usr/lib/rabbitmq/bin

# host -> last octet of its address
declare -A IP=([api]=10 [worker1]=21 [worker2]=22 [mq1]=31 [mq2]=32 [mq3]=33 [redis1]=41 [redis2]=42 [redis3]=43)
HOSTS=(api worker1 worker2 mq1 mq2 mq3 redis1 redis2 redis3)
declare -A GROUP=([mq]="mq1 mq2 mq3" [redis]="redis1 redis2 redis3" [workers]="worker1 worker2")

log() { echo "cluster: $*" >&2; }
die() {
  log "$*"
  exit 1
}
addr() { echo "$NET.${IP[$1]:?unknown host $1}"; }
ns() { echo "vq-$1"; }
on() {
  local host="$1"
  shift
  ip netns exec "$(ns "$host")" "$@"
}

ensure_packages() {
  local missing=() pair binary package
  for pair in ip:iproute2 iptables:iptables tc:iproute2 openssl:openssl socat:socat \
    redis-server:redis-server redis-sentinel:redis-sentinel rabbitmq-server:rabbitmq-server; do
    binary="${pair%%:*}"
    package="${pair#*:}"
    command -v "$binary" >/dev/null 2>&1 || [ -x "/usr/sbin/$binary" ] || missing+=("$package")
  done
  [ "${#missing[@]}" -eq 0 ] && return
  log "installing ${missing[*]}"
  flock /tmp/apt.lock apt-get update -qq
  DEBIAN_FRONTEND=noninteractive flock /tmp/apt.lock apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ---- hosts -------------------------------------------------------------------------------------------------

make_network() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$NET.1/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
  fi
  local host
  for host in "${HOSTS[@]}"; do
    if ip netns list | grep -qw "$(ns "$host")"; then continue; fi
    ip netns add "$(ns "$host")"
    ip link add "vq-$host" type veth peer name eth0 netns "$(ns "$host")"
    ip link set "vq-$host" master "$BRIDGE" up
    on "$host" ip addr add "$(addr "$host")/24" dev eth0
    on "$host" ip link set eth0 up
    on "$host" ip link set lo up
  done
}

remove_network() {
  local host
  for host in "${HOSTS[@]}"; do
    ip netns del "$(ns "$host")" 2>/dev/null || true
    ip link del "vq-$host" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
}

# ---- certificates: a CA and one server certificate for every host address, made here, never committed -----

make_certificates() {
  local dir="$STATE/tls"
  [ -f "$dir/server.pem" ] && return
  mkdir -p "$dir"
  local sans="IP:127.0.0.1" host
  for host in "${HOSTS[@]}"; do sans="$sans,IP:$(addr "$host")"; done
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=visionq test CA" \
    -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=visionq test server" \
    -keyout "$dir/server-key.pem" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=%s\n' "$sans" >"$dir/san.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial \
    -days 2 -extfile "$dir/san.ext" -out "$dir/server.pem" 2>/dev/null
  chmod 644 "$dir"/*.pem
}

# ---- RabbitMQ ----------------------------------------------------------------------------------------------

mq_index() { echo "${1#mq}"; }
mq_node() { echo "vq$(mq_index "$1")@$(addr "$1")"; }
mq_port() { echo "570$(mq_index "$1")"; }
mq_tls_port() { echo "571$(mq_index "$1")"; }

mq_env() {
  local host="$1" dir="$STATE/$1"
  echo HOME="$dir" RABBITMQ_NODENAME="$(mq_node "$host")" RABBITMQ_USE_LONGNAME=true \
    RABBITMQ_DIST_PORT="2570$(mq_index "$host")" RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/pid" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
}

mq_ctl() {
  local host="$1"
  shift
  # shellcheck disable=SC2046
  on "$host" env $(mq_env "$host") "$RABBIT_BIN/rabbitmqctl" -q -n "$(mq_node "$host")" "$@"
}

mq_configure() {
  local host="$1" dir="$STATE/$1"
  [ -f "$dir/rabbitmq.conf" ] && return
  mkdir -p "$dir/log" "$dir/mnesia"
  cat "$STATE/cookie" >"$dir/.erlang.cookie"
  chmod 400 "$dir/.erlang.cookie"
  echo '[].' >"$dir/enabled_plugins"
  echo '[].' >"$dir/advanced.config"
  cat >"$dir/rabbitmq.conf" <<EOF
listeners.tcp.default = $(mq_port "$host")
listeners.ssl.default = $(mq_tls_port "$host")
ssl_options.cacertfile = $STATE/tls/ca.pem
ssl_options.certfile = $STATE/tls/server.pem
ssl_options.keyfile = $STATE/tls/server-key.pem
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
# The test hosts reach the brokers over their own network, not loopback.
loopback_users = none
heartbeat = 10
log.file.level = warning
log.console = false
EOF
}

mq_running() { [ -f "$STATE/$1/pid" ] && kill -0 "$(cat "$STATE/$1/pid")" 2>/dev/null; }
mq_answers() { mq_ctl "$1" status >/dev/null 2>&1; }

mq_start() {
  local host="$1"
  mq_configure "$host"
  if mq_running "$host"; then return; fi
  log "starting RabbitMQ $(mq_node "$host")"
  # shellcheck disable=SC2046
  on "$host" env $(mq_env "$host") setsid "$RABBIT_BIN/rabbitmq-server" >>"$STATE/$host/log/stdout.log" 2>&1 </dev/null &
}

mq_await() {
  local host="$1"
  for _ in $(seq 1 240); do
    if mq_ctl "$host" await_startup >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  die "RabbitMQ on $host did not start: see $STATE/$host/log"
}

mq_join() {
  local host="$1"
  if mq_ctl "$host" cluster_status --formatter json 2>/dev/null | grep -q "$(mq_node mq1)"; then return; fi
  log "joining $(mq_node "$host") to $(mq_node mq1)"
  mq_ctl "$host" stop_app
  mq_ctl "$host" join_cluster "$(mq_node mq1)" >/dev/null 2>&1
  mq_ctl "$host" start_app
}

mq_kill() {
  local host="$1"
  # The node and its helpers (epmd, erl_child_setup) all live in the host's namespace.
  local pids
  pids="$(ip netns pids "$(ns "$host")" 2>/dev/null | tr '\n' ' ')"
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
  rm -f "$STATE/$host/pid"
}

mq_stop() {
  local host="$1"
  mq_running "$host" || return 0
  log "stopping RabbitMQ $(mq_node "$host")"
  mq_ctl "$host" stop >/dev/null 2>&1 || mq_kill "$host"
  for _ in $(seq 1 60); do mq_running "$host" || break; sleep 0.5; done
  mq_kill "$host"
}

# ---- Redis and Sentinel ------------------------------------------------------------------------------------

redis_port() { echo "640${1#redis}"; }
redis_tls_port() { echo "641${1#redis}"; }
sentinel_host() { echo "redis${1#sentinel}"; }
sentinel_port() { echo "2640${1#sentinel}"; }

redis_configure() {
  local host="$1" dir="$STATE/$1"
  [ -f "$dir/redis.conf" ] && return
  mkdir -p "$dir"
  cat >"$dir/redis.conf" <<EOF
bind $(addr "$host") 127.0.0.1
port $(redis_port "$host")
tls-port $(redis_tls_port "$host")
tls-cert-file $STATE/tls/server.pem
tls-key-file $STATE/tls/server-key.pem
tls-ca-cert-file $STATE/tls/ca.pem
tls-auth-clients no
protected-mode no
save ""
appendonly no
dir $dir
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
EOF
  if [ "$host" != redis1 ]; then echo "replicaof $(addr redis1) $(redis_port redis1)" >>"$dir/redis.conf"; fi
}

sentinel_configure() {
  local name="$1" dir="$STATE/$1"
  [ -f "$dir/sentinel.conf" ] && return
  mkdir -p "$dir"
  cat >"$dir/sentinel.conf" <<EOF
bind $(addr "$(sentinel_host "$name")") 127.0.0.1
port $(sentinel_port "$name")
protected-mode no
daemonize yes
pidfile $dir/sentinel.pid
logfile $dir/sentinel.log
dir $dir
sentinel monitor $SENTINEL_NAME $(addr redis1) $(redis_port redis1) 2
sentinel down-after-milliseconds $SENTINEL_NAME 2000
sentinel failover-timeout $SENTINEL_NAME 10000
sentinel parallel-syncs $SENTINEL_NAME 1
EOF
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

redis_start() {
  local host="$1"
  redis_configure "$host"
  pid_alive "$STATE/$host/redis.pid" && return
  log "starting Redis on $host"
  on "$host" redis-server "$STATE/$host/redis.conf"
}

sentinel_start() {
  local name="$1" host
  host="$(sentinel_host "$name")"
  sentinel_configure "$name"
  pid_alive "$STATE/$name/sentinel.pid" && return
  log "starting Sentinel $name on $host"
  on "$host" redis-sentinel "$STATE/$name/sentinel.conf"
}

kill_pidfile() {
  local file="$1" signal="${2:-KILL}"
  if pid_alive "$file"; then kill "-$signal" "$(cat "$file")" 2>/dev/null || true; fi
  for _ in $(seq 1 40); do pid_alive "$file" || break; sleep 0.25; done
  rm -f "$file"
}

redis_primary() {
  local name reply
  for name in sentinel1 sentinel2 sentinel3; do
    reply="$(redis-cli -h "$(addr "$(sentinel_host "$name")")" -p "$(sentinel_port "$name")" \
      sentinel get-master-addr-by-name "$SENTINEL_NAME" 2>/dev/null | head -1)" || continue
    case "$reply" in
      "$(addr redis1)") echo redis1; return ;;
      "$(addr redis2)") echo redis2; return ;;
    esac
  done
  return 1
}

# ---- faults ------------------------------------------------------------------------------------------------

expand() {
  local item
  for item in ${1//,/ }; do
    if [ -n "${GROUP[$item]:-}" ]; then echo "${GROUP[$item]}"; else
      [ -n "${IP[$item]:-}" ] || die "unknown host $item"
      echo "$item"
    fi
  done
}

partition() {
  local a b
  for a in $(expand "$1"); do
    for b in $(expand "$2"); do
      [ "$a" = "$b" ] && continue
      # Both ends drop, so that neither side's packets (nor its RSTs) get through.
      on "$a" iptables -C INPUT -s "$(addr "$b")" -j DROP 2>/dev/null || on "$a" iptables -A INPUT -s "$(addr "$b")" -j DROP
      on "$a" iptables -C OUTPUT -d "$(addr "$b")" -j DROP 2>/dev/null || on "$a" iptables -A OUTPUT -d "$(addr "$b")" -j DROP
      on "$b" iptables -C INPUT -s "$(addr "$a")" -j DROP 2>/dev/null || on "$b" iptables -A INPUT -s "$(addr "$a")" -j DROP
      on "$b" iptables -C OUTPUT -d "$(addr "$a")" -j DROP 2>/dev/null || on "$b" iptables -A OUTPUT -d "$(addr "$a")" -j DROP
      log "partitioned $a from $b"
    done
  done
}

slow() {
  local a b rate="$3"
  for a in $(expand "$1"); do
    # htb sorts traffic (prio is not in this kernel): by default unlimited class 1:10; what a filter sends to
    # 1:30 goes through a tbf at RATE.
    if ! on "$a" tc qdisc show dev eth0 | grep -q 'qdisc htb 1:'; then
      on "$a" tc qdisc replace dev eth0 root handle 1: htb default 10
      on "$a" tc class add dev eth0 parent 1: classid 1:10 htb rate 10gbit 2>/dev/null
      on "$a" tc class add dev eth0 parent 1: classid 1:30 htb rate 10gbit 2>/dev/null
      on "$a" tc qdisc add dev eth0 parent 1:30 handle 30: tbf rate "$rate" burst 32kbit latency 400ms
    fi
    for b in $(expand "$2"); do
      on "$a" tc filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst "$(addr "$b")/32" flowid 1:30
      log "limited $a -> $b to $rate"
    done
  done
}

heal() {
  local host
  for host in "${HOSTS[@]}"; do
    ip netns list | grep -qw "$(ns "$host")" || continue
    on "$host" iptables -F INPUT 2>/dev/null || true
    on "$host" iptables -F OUTPUT 2>/dev/null || true
    on "$host" tc qdisc del dev eth0 root 2>/dev/null || true
  done
  log "healed: no partitions, no slow links"
}

kill_node() {
  case "$1" in
    mq[123]) mq_kill "$1" ;;
    redis[12]) kill_pidfile "$STATE/$1/redis.pid" KILL ;;
    sentinel[123]) kill_pidfile "$STATE/$1/sentinel.pid" KILL ;;
    *) die "unknown node $1 (mq1..mq3, redis1, redis2, sentinel1..sentinel3)" ;;
  esac
  log "killed $1"
}

stop_node() {
  case "$1" in
    mq[123]) mq_stop "$1" ;;
    redis[12]) kill_pidfile "$STATE/$1/redis.pid" TERM ;;
    sentinel[123]) kill_pidfile "$STATE/$1/sentinel.pid" TERM ;;
    *) die "unknown node $1" ;;
  esac
}

start_node() {
  case "$1" in
    mq[123]) mq_start "$1" && mq_await "$1" ;;
    redis[12]) redis_start "$1" ;;
    sentinel[123]) sentinel_start "$1" ;;
    *) die "unknown node $1" ;;
  esac
}

# ---- whole world -------------------------------------------------------------------------------------------

up() {
  [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
  ensure_packages
  mkdir -p "$STATE"
  [ -f "$STATE/cookie" ] || (umask 077 && openssl rand -hex 20 >"$STATE/cookie")
  make_network
  make_certificates
  local host
  for host in mq1 mq2 mq3; do mq_start "$host"; done
  redis_start redis1
  redis_start redis2
  for host in sentinel1 sentinel2 sentinel3; do sentinel_start "$host"; done
  for host in mq1 mq2 mq3; do mq_await "$host"; done
  mq_join mq2
  mq_join mq3
  for _ in $(seq 1 40); do redis_primary >/dev/null && break; sleep 0.25; done
  log "up: $(status_line)"
}

down() {
  local host name
  for host in mq1 mq2 mq3; do mq_kill "$host" 2>/dev/null || true; done
  for host in redis1 redis2; do kill_pidfile "$STATE/$host/redis.pid" KILL; done
  for name in sentinel1 sentinel2 sentinel3; do kill_pidfile "$STATE/$name/sentinel.pid" KILL; done
  # Whatever else runs on a test host (service processes, proxies) goes with it.
  for host in "${HOSTS[@]}"; do
    local pids
    pids="$(ip netns pids "$(ns "$host")" 2>/dev/null | tr '\n' ' ')"
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
  done
  remove_network
  rm -rf "$STATE"
  log "down"
}

status_line() {
  local out="" host name
  for host in mq1 mq2 mq3; do out="$out $host:$(mq_answers "$host" && echo up || echo down)"; done
  for host in redis1 redis2; do out="$out $host:$(pid_alive "$STATE/$host/redis.pid" && echo up || echo down)"; done
  for name in sentinel1 sentinel2 sentinel3; do
    out="$out $name:$(pid_alive "$STATE/$name/sentinel.pid" && echo up || echo down)"
  done
  echo "${out# } primary:$(redis_primary || echo none)"
}

env_vars() {
  echo "AMQP_URL=amqp://guest:guest@$(addr mq1):$(mq_port mq1),amqp://guest:guest@$(addr mq2):$(mq_port mq2),amqp://guest:guest@$(addr mq3):$(mq_port mq3)"
  echo "AMQPS_URL=amqps://guest:guest@$(addr mq1):$(mq_tls_port mq1)"
  echo "REDIS_SENTINELS=$(addr redis1):26401,$(addr redis2):26402,$(addr redis3):26403"
  echo "REDIS_SENTINEL_NAME=$SENTINEL_NAME"
  echo "REDISS_URL=rediss://$(addr redis1):$(redis_tls_port redis1)"
  echo "CLUSTER_CA=$STATE/tls/ca.pem"
}

leader() {
  local queue="${1:?queue name}" host node listing
  for host in mq1 mq2 mq3; do
    mq_running "$host" || continue
    listing="$(mq_ctl "$host" list_queues name leader --no-table-headers 2>/dev/null)" || continue
    node="$(awk -v q="$queue" '$1 == q { print $2 }' <<<"$listing")"
    [ -n "$node" ] || return 1
    for host in mq1 mq2 mq3; do [ "$(mq_node "$host")" = "$node" ] && echo "$host" && return; done
  done
  return 1
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status)
    ip link show "$BRIDGE" >/dev/null 2>&1 || { echo "down: no bridge $BRIDGE"; exit 0; }
    status_line
    mq_answers mq1 && mq_ctl mq1 cluster_status 2>/dev/null | sed -n '/Running Nodes/,/Versions/p' | grep '@' || true
    ;;
  env) env_vars ;;
  kill) kill_node "${2:?node}" ;;
  stop) stop_node "${2:?node}" ;;
  start) start_node "${2:?node}" ;;
  partition) partition "${2:?host}" "${3:?host}" ;;
  slow) slow "${2:?host}" "${3:?host}" "${4:?rate, e.g. 1mbit}" ;;
  heal) heal ;;
  leader) leader "${2:-}" ;;
  primary) redis_primary ;;
  ctl)
    shift
    mq_ctl mq1 "$@"
    ;;
  exec)
    host="${2:?host}"
    shift 2
    on "$host" "$@"
    ;;
  *)
    sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
