#!/usr/bin/env bash
# make soak: one node (bench profile) held at the most connections this machine allows for a long
# run, with chat traffic and REST reads; the load tool samples the node's RSS and open files and
# fails on any error, an RSS drift of 5% or more over the measured window, or open files that
# do not come back. Not part of CI (it takes over half an hour): run it, and put the figures in
# BENCHMARKS.md. Knobs: CONNS (default: the open-files limit less 1,500), WARMUP, SECONDS_, SENDERS,
# SEND_EVERY, REST_RATE. Output: bench/results/soak/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/results/soak
DB=veza_soak
NODE_PORT=18400
ROOMS=${ROOMS:-100}
WARMUP=${WARMUP:-300}
SECONDS_=${SECONDS_:-1800}
BIN=$ROOT/target/release/veza LT=$ROOT/target/release/veza-loadtest
export VEZA_ENV=bench VEZA__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$DB" VEZA__SERVER__PORT=$NODE_PORT

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

scripts/services.sh all
cargo build --release -p veza --bin veza -p veza-loadtest
mkdir -p "$OUT" && rm -f "$OUT"/*.json "$OUT"/*.tmp

psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
"$BIN" migrate >/dev/null
# Every load user is a member of every room, so connection i may join room i mod ROOMS.
rooms=$("$BIN" admin seed --users 1000 --rooms "$ROOMS" --members 1000 \
  | python3 -c 'import json,sys; print(" ".join("--room "+r for r in json.load(sys.stdin)["rooms"]))')
"$BIN" admin seed-market --listings 2000 >/dev/null
"$BIN" admin mint-tokens --limit 1000 --ttl-secs $(( WARMUP + SECONDS_ + 3600 )) > "$OUT/tokens.tmp"
psql -q -h 127.0.0.1 -U postgres -d "$DB" -At -c "SELECT id FROM listings WHERE status = 'active'" > "$OUT/ids.tmp"

limit=$(ulimit -Hn)
conns=${CONNS:-$(( limit > 51500 ? 50000 : limit - 1500 ))}
"$BIN" serve & pids+=($!); node_pid=$!
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$NODE_PORT/health" >/dev/null && break; sleep 0.1; done

status=0
echo "soak: $conns connections, $ROOMS rooms, ${WARMUP} s warm-up, ${SECONDS_} s measured (node pid $node_pid)"
# shellcheck disable=SC2086 # one --room flag per room
"$LT" soak --url "http://127.0.0.1:$NODE_PORT" --tokens "$OUT/tokens.tmp" $rooms -n "$conns" \
  --senders "${SENDERS:-300}" --send-every "${SEND_EVERY:-3}" \
  --rest-clients 8 --rest-rate "${REST_RATE:-100}" --ids "$OUT/ids.tmp" \
  --get '/api/v1/listings/{id}' --get '/api/v1/rooms/{room}/messages?limit=20' --get '/api/v1/listings?limit=20' \
  --warmup "$WARMUP" -d "$SECONDS_" --sample 10 --node-pid "$node_pid" --out "$OUT/soak.json" || status=$?
rm -f "$OUT"/*.tmp
exit $status
