#!/usr/bin/env bash
# make bench-scaling: the per-node figures SCALING.md sizes a cluster with, in one run on this
# machine (2 cores shared by every node, PostgreSQL, RabbitMQ, Redis and the load tool):
#   1. RabbitMQ alone as the fan-out uses it (veza-loadtest broker): confirmed publishes and
#      envelopes delivered per second, to 2 and to 8 node queues
#   2. one node: ROOMS rooms of 3 members, one unthrottled sender each (window 32), SECS s:
#      acked messages/s (= persistence commits of rows), deliveries/s, node CPU per message;
#      once alone (no RabbitMQ, no Redis) and once with both configured, as in a cluster
#   3. three nodes on the same rooms: senders on node 1, the other members on nodes 2 and 3, so
#      every delivery crosses RabbitMQ: deliveries/s, envelopes out/in (the nodes' own
#      veza_amqp_envelopes_total), each node's CPU
#   4. step 2 (alone) again after deploy/postgres/partition-messages.sql: commits/s on a
#      partitioned messages table, and the script's duplicate check
# Raw JSON and summary.md in bench/results/scaling/. Knobs: SECS, ROOMS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/results/scaling
SECS=${SECS:-10}
ROOMS=${ROOMS:-100}
DB=veza_bench_scaling
source bench/lib.sh
prepare
mkdir -p "$OUT" && rm -f "$OUT"/*.json "$OUT"/*.tmp "$OUT"/summary.md
export VEZA__AMQP__URL="amqp://guest:guest@127.0.0.1:5672/%2f" VEZA__AMQP__EXCHANGE=veza.bench.scaling \
  VEZA__REDIS__URL="redis://127.0.0.1:6379" VEZA__REDIS__KEY_PREFIX="bench-scaling:" VEZA__LOG__LEVEL=warn

# shellcheck disable=SC2034 # set by start_node, read through ${!name}
node1="" node2="" node3=""
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
envelopes() { curl -fsS "http://127.0.0.1:$1/metrics" | awk -v d="$2" '$1 == "veza_amqp_envelopes_total{direction=\""d"\"}" {print $2}'; }

log "1. RabbitMQ alone"
"$LT" broker --queues 2 -d "$SECS" --out "$OUT/broker-q2.json"
"$LT" broker --queues 8 -d "$SECS" --out "$OUT/broker-q8.json"

seed() {
  fresh_db
  rooms=$("$BIN" admin seed --users $((ROOMS * 3)) --rooms "$ROOMS" --members 3 \
    | python3 -c 'import json,sys; print(" ".join("--room "+r for r in json.load(sys.stdin)["rooms"]))')
  "$BIN" admin mint-tokens --limit $((ROOMS * 3)) > "$OUT/tokens.jsonl.tmp"
}

start_node() { # index port
  VEZA__NODE__ID="scale-$1" VEZA__SERVER__PORT=$2 "$BIN" serve 2>"$OUT/node-$1.log.tmp" &
  pids+=($!); eval "node$1=$!"
  wait_ready "$2"
}

one_node() { # name [alone | redis | amqp]: what of RabbitMQ and Redis the node has (default both)
  local without=()
  case ${2:-} in
    alone) without=(-u VEZA__AMQP__URL -u VEZA__REDIS__URL) ;;
    redis) without=(-u VEZA__AMQP__URL) ;;
    amqp) without=(-u VEZA__REDIS__URL) ;;
  esac
  env "${without[@]}" VEZA__NODE__ID=scale-1 VEZA__SERVER__PORT=18601 "$BIN" serve 2>"$OUT/node-1.log.tmp" &
  pids+=($!); node1=$!
  wait_ready 18601
  sleep 1
  local before; before=$(cpu_ticks "$node1")
  # shellcheck disable=SC2086
  "$LT" chat-fanout --url http://127.0.0.1:18601 --tokens "$OUT/tokens.jsonl.tmp" $rooms --members $((ROOMS * 3)) \
    --senders 1 --window 32 -d "$SECS" --out "$OUT/$1.json" | tail -3
  echo "{\"node_cpu_s\": $(( $(cpu_ticks "$node1") - before ))e-2, \"stored\": $(psql_db "SELECT count(*) FROM messages")}" > "$OUT/$1-node.json"
  kill "${pids[@]}"; wait 2>/dev/null || true; pids=()
  sleep 6 # the node's drain
}

log "2. one node, $ROOMS rooms x 3 members, one unthrottled sender each: alone, with Redis, with RabbitMQ, with both"
for mode in alone redis amqp; do
  seed
  one_node "one-node-$mode" "$mode"
done
seed
one_node one-node

log "3. three nodes: senders on node 1, members on nodes 2 and 3"
seed
start_node 1 18601; start_node 2 18602; start_node 3 18603
sleep 2
declare -A cpu0
for i in 1 2 3; do pid_var="node$i"; cpu0[$i]=$(cpu_ticks "${!pid_var}"); done
out1=$(envelopes 18601 out); in2=$(envelopes 18602 in); in3=$(envelopes 18603 in)
# shellcheck disable=SC2086
"$LT" cross-node --url http://127.0.0.1:18601 --url http://127.0.0.1:18602 --url http://127.0.0.1:18603 \
  --tokens "$OUT/tokens.jsonl.tmp" $rooms --members $((ROOMS * 3)) --senders 1 --window 32 -d "$SECS" \
  --out "$OUT/three-nodes.json" | tail -3
sleep 2
cpu=()
for i in 1 2 3; do pid_var="node$i"; cpu+=("$(( $(cpu_ticks "${!pid_var}") - cpu0[$i] ))e-2"); done
printf '{"node_cpu_s": [%s, %s, %s], "envelopes_out_node1": %s, "envelopes_in_node2": %s, "envelopes_in_node3": %s}\n' \
  "${cpu[@]}" "$(( $(envelopes 18601 out) - out1 ))" "$(( $(envelopes 18602 in) - in2 ))" "$(( $(envelopes 18603 in) - in3 ))" \
  > "$OUT/three-nodes-node.json"
kill "${pids[@]}"; wait 2>/dev/null || true; pids=()

log "4. one node on a partitioned messages table"
seed
psql -v ON_ERROR_STOP=1 -q -h 127.0.0.1 -U postgres -d "$DB" -f deploy/postgres/partition-messages.sql >/dev/null
one_node partitioned alone
psql_db "SELECT count(*) FROM veza_messages_duplicates()" > "$OUT/partitioned-duplicates.tmp"

python3 bench/scaling_summary.py "$OUT" "$SECS" "$ROOMS" | tee "$OUT/summary.md"
rm -f "$OUT"/*.tmp
