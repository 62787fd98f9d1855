# RabbitMQ 4 from a Debian 13 root built once with debootstrap (sourced by scripts/infra.sh; no
# Docker engine). Debian 12 ships RabbitMQ 3.10, which has no single active consumer for streams.
#
# One or several nodes run from the same root, each with its own node name, ports, data and log
# directories (under the root's /var/lib/rabbitmq/mnesia/<node> and /var/log/rabbitmq), clustered
# with join_cluster. Node k (1-based) of a set listens on
#   streams 5551+k, AMQP 5671+k, management 15671+k, Prometheus 15691+k   (plus BROKER_PORT_OFFSET)
# so the default set's node 1 is the single broker of BROKER_NODES=1: rabbit@localhost, 5552, 15672.
#
#   BROKER_NODES        nodes of the set (default: as many as the set had, else 1)
#   BROKER_NAME         node-name prefix of the set (default rabbit: rabbit@localhost, rabbit2@localhost, ...);
#                       another name is another cluster with its own data, e.g. the tests' `cluster`
#   BROKER_PORT_OFFSET  added to every port (default 0 for rabbit, 100 for any other set)
#   BROKER_EXTRA_CONF   a file of rabbitmq.conf lines added to each node's configuration, e.g. a TLS listener
#                       (files it names are read inside the root: put them under $RMQ_ROOT/etc/rabbitmq/)

CACHE_DIR=${RABBITMQ_ROOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rabbitmq-streams-demo}
RMQ_ROOT="$CACHE_DIR/rabbitmq-root"
RMQ_SUITE=trixie
RMQ_HOME=/var/lib/rabbitmq
BROKER_NAME=${BROKER_NAME:-rabbit}
if [ "$BROKER_NAME" = rabbit ]; then BROKER_PORT_OFFSET=${BROKER_PORT_OFFSET:-0}; else BROKER_PORT_OFFSET=${BROKER_PORT_OFFSET:-100}; fi
# How many nodes the set has, remembered beside its data: a clustered node waits for its peers.
RMQ_NODES_FILE="$RMQ_ROOT$RMQ_HOME/$BROKER_NAME.nodes"
if [ -n "${BROKER_NODES:-}" ]; then
  RMQ_NODES=$BROKER_NODES
elif [ -f "$RMQ_NODES_FILE" ]; then
  RMQ_NODES=$(cat "$RMQ_NODES_FILE")
else
  RMQ_NODES=1
fi
[[ "$RMQ_NODES" =~ ^[1-9]$ ]] || die "BROKER_NODES must be 1 to 9 (got $RMQ_NODES)"

rmq_name() { if [ "$BROKER_NAME" = rabbit ] && [ "$1" = 1 ]; then echo rabbit@localhost; else echo "$BROKER_NAME$1@localhost"; fi; }
rmq_stream_port() { echo $((5551 + BROKER_PORT_OFFSET + $1)); }
rmq_amqp_port() { echo $((5671 + BROKER_PORT_OFFSET + $1)); }
rmq_management_port() { echo $((15671 + BROKER_PORT_OFFSET + $1)); }
rmq_prometheus_port() { echo $((15691 + BROKER_PORT_OFFSET + $1)); }
rmq_config() { if [ "$BROKER_NAME" = rabbit ] && [ "$1" = 1 ]; then echo /etc/rabbitmq/rabbitmq.conf; else echo "/etc/rabbitmq/$BROKER_NAME$1.conf"; fi; }
rmq_nodes() { seq 1 "$RMQ_NODES"; }
# A node argument: one node (1..N), or every node when empty.
rmq_selected() { if [ -n "${1:-}" ]; then echo "$1"; else rmq_nodes; fi; }

rmq_in_root() { chroot "$RMQ_ROOT" env HOME=$RMQ_HOME "$@"; }
rmq_ctl_on() { local k=$1; shift; rmq_in_root rabbitmqctl -n "$(rmq_name "$k")" "$@"; }
rmq_ctl() { rmq_ctl_on 1 "$@"; }
rmq_streams() { rmq_in_root /usr/lib/rabbitmq/bin/rabbitmq-streams -n "$(rmq_name 1)" "$@"; }

rmq_build_root() {
  [ -x "$RMQ_ROOT/usr/sbin/rabbitmq-server" ] && return 0
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
  mkdir -p "$CACHE_DIR"
  local tmp="$RMQ_ROOT.partial"
  rmq_unmount "$tmp"
  rm -rf "$tmp"
  log "building a Debian $RMQ_SUITE root with rabbitmq-server in $RMQ_ROOT (once; about a minute)"
  debootstrap --variant=minbase --include=rabbitmq-server "$RMQ_SUITE" "$tmp" >"$CACHE_DIR/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE_DIR/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE_DIR/debootstrap.log)"; }
  mv "$tmp" "$RMQ_ROOT"
}

rmq_mount() {
  mountpoint -q "$RMQ_ROOT/proc" || mount -t proc proc "$RMQ_ROOT/proc"
  mountpoint -q "$RMQ_ROOT/dev" || mount --bind /dev "$RMQ_ROOT/dev"
}

rmq_unmount() {
  local root=${1:-$RMQ_ROOT}
  [ -d "$root" ] || return 0
  for m in proc dev; do
    if mountpoint -q "$root/$m" 2>/dev/null; then umount "$root/$m" 2>/dev/null || umount -l "$root/$m"; fi
  done
}

# A file written whole or not at all, and only when its content changes: a node of another set may be
# starting and reading it (make test runs several systems at once).
rmq_write_file() {
  local target=$1 tmp
  tmp=$(mktemp "$target.XXXXXX")
  cat >"$tmp"
  if cmp -s "$tmp" "$target"; then rm -f "$tmp"; else chmod 644 "$tmp" && mv -f "$tmp" "$target"; fi
}

# Each node's configuration: the repository's rabbitmq.conf with the node's ports.
rmq_configure() {
  install -d "$RMQ_ROOT/etc/rabbitmq"
  rmq_write_file "$RMQ_ROOT/etc/rabbitmq/enabled_plugins" <"$repo/infra/rabbitmq/enabled_plugins"
  local k
  for k in $(rmq_nodes); do
    {
      sed -e "s/^listeners.tcp.default = .*/listeners.tcp.default = $(rmq_amqp_port "$k")/" \
        -e "s/^stream.listeners.tcp.default = .*/stream.listeners.tcp.default = $(rmq_stream_port "$k")/" \
        -e "s/^stream.advertised_port = .*/stream.advertised_port = $(rmq_stream_port "$k")/" \
        -e "s/^management.tcp.port = .*/management.tcp.port = $(rmq_management_port "$k")/" \
        -e "s/^prometheus.tcp.port = .*/prometheus.tcp.port = $(rmq_prometheus_port "$k")/" \
        "$repo/infra/rabbitmq/rabbitmq.conf"
      if [ -n "${BROKER_EXTRA_CONF:-}" ]; then cat "$BROKER_EXTRA_CONF"; fi
    } | rmq_write_file "$RMQ_ROOT$(rmq_config "$k")"
  done
  # A hostname the nodes can resolve inside the root.
  grep -q '^127.0.0.1[[:space:]].*localhost' "$RMQ_ROOT/etc/hosts" 2>/dev/null || echo '127.0.0.1 localhost' >>"$RMQ_ROOT/etc/hosts"
}

rmq_pid_of() { cat "$RMQ_ROOT$RMQ_HOME/mnesia/$(rmq_name "$1").pid" 2>/dev/null || true; }
# Node k's Erlang VM is alive: the pid it wrote, a live process whose root is this root (not a pid
# reused by another process after a kill -9). Read from /proc, not asked with rabbitmqctl (a second each).
rmq_node_running() {
  local pid
  pid=$(rmq_pid_of "$1")
  [ -n "$pid" ] && [ -d "$RMQ_ROOT/proc/1" ] && [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$(readlink -f "$RMQ_ROOT")" ]
}

# A client's view of node k (a real stream connection, as the operator): for status and for a
# broker on our port that is not ours.
rmq_probe() {
  RABBITMQ_HOST=127.0.0.1 RABBITMQ_STREAM_PORT=$(rmq_stream_port "$1") RABBITMQ_MANAGEMENT_URL="http://127.0.0.1:$(rmq_management_port "$1")" \
    RABBITMQ_USER=${RABBITMQ_USER:-operator} RABBITMQ_PASSWORD=${RABBITMQ_PASSWORD:-${OPERATOR_RABBITMQ_PASSWORD:-}} \
    node "$here/stream-probe.mjs" "${@:2}"
}

# The node's stream listener accepts connections (no account needed). A TCP connect, not
# rabbitmq-diagnostics check_port_listener: the same answer without an Erlang VM's start (a second each).
rmq_listening() { port_open "$(rmq_stream_port "$1")"; }

rmq_wait_ready() {
  local k=$1 deadline=$((SECONDS + ${2:-120}))
  while [ $SECONDS -lt $deadline ]; do
    if rmq_listening "$k"; then return 0; fi
    sleep 0.25
  done
  return 1
}

# The accounts (scripts/infra/credentials.sh): an administrator for people and tools, and one user
# per service with only what it needs; guest goes. Users and permissions are cluster-wide. One
# definitions import sets them all (users, passwords, tags, permissions): each rabbitmqctl call costs
# an Erlang VM's start, about a second, and `up` runs on every second system's start.
rmq_accounts() {
  local users
  users=$(rmq_ctl list_users --quiet --no-table-headers 2>/dev/null | awk '{print $1}')
  # customer-service declares its stream (or super stream: an exchange and its partitions) and writes
  # to it; reading is what asking the broker for the last publishing id takes. order-service reads the
  # stream and stores its offset (a read permission): nothing else.
  # A file in the broker user's home inside the root, readable by it alone (the CLI runs as that user,
  # and does not read standard input through the root's su), removed right after.
  local file=$RMQ_HOME/accounts.json
  (umask 077 && rmq_account_definitions \
    "operator $OPERATOR_RABBITMQ_PASSWORD administrator .* .* .*" \
    "customer-service $CUSTOMER_SERVICE_RABBITMQ_PASSWORD - ^customer.* ^customer.* ^customer.*" \
    "order-service $ORDER_SERVICE_RABBITMQ_PASSWORD - ^$ ^$ ^customer.*" >"$RMQ_ROOT$file")
  rmq_in_root chown rabbitmq: "$file"
  rmq_ctl import_definitions "$file" >/dev/null || { rm -f "$RMQ_ROOT$file"; die "could not import RabbitMQ's accounts"; }
  rm -f "$RMQ_ROOT$file"
  if grep -qx guest <<<"$users"; then rmq_ctl delete_user guest >/dev/null && log "deleted RabbitMQ's default user guest"; fi
}

# Definitions (JSON) of users given as "name password tags|- configure write read" (vhost /), with
# RabbitMQ's salted SHA-256 password hashes: base64(salt ‖ sha256(salt ‖ password)).
rmq_account_definitions() {
  node -e '
    const { createHash, randomBytes } = require("node:crypto");
    const users = [], permissions = [];
    for (const spec of process.argv.slice(1)) {
      const [name, password, tags, configure, write, read] = spec.split(" ");
      const salt = randomBytes(4);
      const hash = Buffer.concat([salt, createHash("sha256").update(Buffer.concat([salt, Buffer.from(password, "utf8")])).digest()]);
      users.push({ name, password_hash: hash.toString("base64"), hashing_algorithm: "rabbit_password_hashing_sha256", tags: tags === "-" ? [] : [tags] });
      permissions.push({ user: name, vhost: "/", configure, write, read });
    }
    process.stdout.write(JSON.stringify({ users, permissions }));' "$@"
}

rmq_start_node() {
  local k=$1
  rmq_node_running "$k" && return 0
  log "starting RabbitMQ 4 node $(rmq_name "$k") (streams 127.0.0.1:$(rmq_stream_port "$k"))"
  rmq_in_root env RABBITMQ_NODENAME="$(rmq_name "$k")" RABBITMQ_NODE_PORT="$(rmq_amqp_port "$k")" \
    RABBITMQ_CONFIG_FILE="$(rmq_config "$k")" rabbitmq-server -detached >/dev/null 2>&1 || true
}

# Nodes 2..N join node 1's cluster (once: a member that restarts rejoins by itself). A node that
# is not a member yet is reset first: only a blank node may join.
rmq_form_cluster() {
  [ "$RMQ_NODES" -gt 1 ] || return 0
  local k members
  members=$(rmq_ctl cluster_status --formatter json 2>/dev/null || true)
  for k in $(seq 2 "$RMQ_NODES"); do
    if grep -q "\"$(rmq_name "$k")\"" <<<"$members"; then continue; fi
    log "joining $(rmq_name "$k") to $(rmq_name 1)"
    rmq_ctl_on "$k" stop_app >/dev/null
    rmq_ctl_on "$k" reset >/dev/null
    rmq_ctl_on "$k" join_cluster "$(rmq_name 1)" >/dev/null
    rmq_ctl_on "$k" start_app >/dev/null
  done
  echo "$RMQ_NODES" >"$RMQ_NODES_FILE"
}

# A stream declared before the cluster grew has fewer members than nodes: add the missing replicas.
# One listing of every stream with its members (a CLI call per stream cost 1-1.6 s each: an Erlang VM).
rmq_replicate_streams() {
  [ "$RMQ_NODES" -gt 1 ] || return 0
  local stream type members k
  while IFS=$'\t' read -r stream type members; do
    [ "$type" = stream ] || continue
    for k in $(rmq_nodes); do
      [[ "$members" == *"$(rmq_name "$k")"[],]* ]] && continue
      log "adding a replica of stream $stream on $(rmq_name "$k")"
      rmq_streams add_replica "$stream" "$(rmq_name "$k")" >/dev/null || true
    done
  done < <(rmq_ctl list_queues --quiet --no-table-headers name type members 2>/dev/null || true)
}

rmq_up() {
  local k first_port
  first_port=$(rmq_stream_port 1)
  if port_open "$first_port" && ! { [ -d "$RMQ_ROOT/proc/1" ] && rmq_node_running 1; }; then
    # Something else already listens: accept it only if it is a stream broker this project can use.
    if [ "$RMQ_NODES" = 1 ] && rmq_probe 1; then log "RabbitMQ stream port $first_port already answers"; return 0; fi
    die "port $first_port is taken by a broker this project cannot use (see the line above); stop it first"
  fi
  need_root
  rmq_build_root
  rmq_mount
  rmq_configure
  for k in $(rmq_nodes); do rmq_start_node "$k"; done
  for k in $(rmq_nodes); do
    rmq_wait_ready "$k" || die "RabbitMQ node $(rmq_name "$k") did not accept stream connections on $(rmq_stream_port "$k") (logs: $RMQ_ROOT/var/log/rabbitmq)"
  done
  [ -f "$RMQ_NODES_FILE" ] || echo "$RMQ_NODES" >"$RMQ_NODES_FILE"
  rmq_form_cluster
  rmq_accounts
  rmq_replicate_streams
  for k in $(rmq_nodes); do rmq_wait_ready "$k" 60 || die "RabbitMQ node $(rmq_name "$k") is not ready after joining the cluster"; done
  if [ "$RMQ_NODES" = 1 ]; then
    log "RabbitMQ ready: stream 127.0.0.1:$first_port, management http://127.0.0.1:$(rmq_management_port 1) (operator, see .run/credentials.env), prometheus :$(rmq_prometheus_port 1)"
  else
    log "RabbitMQ cluster of $RMQ_NODES ready: streams 127.0.0.1:$first_port-$(rmq_stream_port "$RMQ_NODES"), management :$(rmq_management_port 1)-$(rmq_management_port "$RMQ_NODES")"
  fi
}

# Clean stop of one node, or of every node (the last ones first: node 1 stops last and starts first).
rmq_stop() {
  [ -d "$RMQ_ROOT/proc/1" ] || return 0
  local k
  for k in $(rmq_selected "${1:-}" | sort -rn); do
    rmq_ctl_on "$k" stop >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do port_open "$(rmq_stream_port "$k")" || break; sleep 0.25; done
  done
}

rmq_start() {
  need_root
  rmq_mount
  rmq_configure
  local k
  for k in $(rmq_selected "${1:-}"); do rmq_start_node "$k"; done
  for k in $(rmq_selected "${1:-}"); do rmq_wait_ready "$k" || die "RabbitMQ node $(rmq_name "$k") did not come back"; done
}

# Faults: kill -9 a node (no goodbye to its peers or clients), or freeze and thaw it.
rmq_signal() {
  local signal=$1 k=${2:?node number} pid
  pid=$(rmq_pid_of "$k")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || die "node $(rmq_name "$k") is not running"
  kill "-$signal" "$pid"
  if [ "$signal" = KILL ]; then for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done; fi
}

# The processes that run inside the root (every set's nodes, epmd), by their root directory: their command
# lines name paths inside the root only.
rmq_root_pids() {
  local pid root
  root=$(readlink -f "$RMQ_ROOT")
  for pid in $(pgrep -x 'beam.smp|epmd|erl_child_setup|inet_gethost' 2>/dev/null); do
    if [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$root" ]; then echo "$pid"; fi
  done
}

rmq_down() {
  [ -d "$RMQ_ROOT" ] || return 0
  if [ -d "$RMQ_ROOT/proc/1" ]; then rmq_stop; fi
  # Nodes of other sets (the tests' cluster, aux), and epmd, stay behind after this set's nodes stop.
  local pids
  pids=$(rmq_root_pids)
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086
    kill $pids 2>/dev/null || true
    for _ in $(seq 1 60); do [ -z "$(rmq_root_pids)" ] && break; sleep 0.25; done
    pids=$(rmq_root_pids)
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  fi
  rmq_unmount
}

rmq_clean() {
  rmq_down
  rm -rf "$RMQ_ROOT$RMQ_HOME/mnesia" "$RMQ_ROOT$RMQ_HOME"/*.nodes
}

# Which node (1..N) is the leader (writer) of a stream.
rmq_stream_leader() {
  local status k
  status=$(rmq_streams stream_status "${1:?stream name}" --formatter json)
  for k in $(rmq_nodes); do
    if node -e 'const rows = JSON.parse(process.argv[1]); process.exit(rows.some((r) => r.role === "writer" && r.node === process.argv[2]) ? 0 : 1)' "$status" "$(rmq_name "$k")"; then
      echo "$k"
      return 0
    fi
  done
  return 1
}

# Bytes a stream's segments take on node 1's disk, index files apart (its newest directory: a
# stream declared again gets a new one). The load test divides them by the stream's events.
rmq_stream_bytes() {
  local dir
  dir=$(ls -1dt "$RMQ_ROOT$RMQ_HOME/mnesia/$(rmq_name 1)/stream/__${1:?stream name}_"* 2>/dev/null | head -1)
  [ -n "$dir" ] || die "no directory of stream $1 on $(rmq_name 1)"
  stat -c %s "$dir"/*.segment | awk '{ bytes += $1 } END { print bytes }'
}

rmq_status() {
  local k role leader=""
  if [ "$RMQ_NODES" -gt 1 ]; then leader=$(rmq_stream_leader "${STREAM_NAME:-customer}" 2>/dev/null || true); fi
  for k in $(rmq_nodes); do
    role=""
    [ "$RMQ_NODES" -gt 1 ] && role=$([ "$k" = "$leader" ] && echo ", leader of stream ${STREAM_NAME:-customer}" || echo ", member")
    if rmq_probe "$k" --quiet; then
      echo "rabbitmq: up ($(rmq_name "$k"), stream 127.0.0.1:$(rmq_stream_port "$k"), management :$(rmq_management_port "$k")$role)"
    else
      echo "rabbitmq: down ($(rmq_name "$k"), stream 127.0.0.1:$(rmq_stream_port "$k"))"
    fi
  done
}

# What the tools and tests need to reach this set (sourced by the Makefile): the operator, and the cluster's nodes.
rmq_client_env() {
  local k hosts=()
  for k in $(rmq_nodes); do hosts+=("127.0.0.1:$(rmq_stream_port "$k")"); done
  printf 'RABBITMQ_USER=operator\nRABBITMQ_PASSWORD=%s\n' "$OPERATOR_RABBITMQ_PASSWORD"
  if [ "$RMQ_NODES" -gt 1 ]; then
    printf 'RABBITMQ_HOSTS=%s\n' "$(IFS=,; echo "${hosts[*]}")"
  fi
}
