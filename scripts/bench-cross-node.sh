#!/usr/bin/env bash
# cross-node latency: two release nodes on one database, fan-out through RabbitMQ, presence and
# limits on Redis. Senders connect to node 1, every other member to node 2.
#   RATE=100 MEMBERS=500 SECS=15 scripts/bench-cross-node.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-100} MEMBERS=${MEMBERS:-500} SECS=${SECS:-15}
DB=veza_bench_cross
OUT=${OUT:-bench/results/cross-node-${MEMBERS}x-rate${RATE}.json}
scripts/services.sh all
cargo build --release -p veza --bin veza && cargo build --release -p veza-loadtest
BIN=./target/release/veza
export VEZA_ENV=production VEZA__LOG__LEVEL=warn \
  VEZA__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$DB" \
  VEZA__AMQP__URL="amqp://guest:guest@127.0.0.1:5672/%2f" VEZA__AMQP__EXCHANGE=veza.bench.cross \
  VEZA__REDIS__URL="redis://127.0.0.1:6379" VEZA__REDIS__KEY_PREFIX="bench-cross:" \
  VEZA__CHAT__SEND_PER_MINUTE=1000000 VEZA__CHAT__SEND_BURST=10000 \
  VEZA__RATE_LIMIT__IP_PER_MINUTE=1000000 VEZA__RATE_LIMIT__IP_BURST=100000
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null
"$BIN" migrate >/dev/null
room=$("$BIN" admin seed --users "$MEMBERS" --rooms 1 --members "$MEMBERS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rooms"][0])')
tokens=$(mktemp)
"$BIN" admin mint-tokens --limit "$MEMBERS" > "$tokens"
VEZA__NODE__ID=bench-1 VEZA__SERVER__PORT=18091 "$BIN" serve & n1=$!
VEZA__NODE__ID=bench-2 VEZA__SERVER__PORT=18092 "$BIN" serve & n2=$!
trap 'kill $n1 $n2 2>/dev/null; rm -f "$tokens"' EXIT
for port in 18091 18092; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
done
./target/release/veza-loadtest cross-node --url http://127.0.0.1:18091 --url http://127.0.0.1:18092 \
  --tokens "$tokens" --room "$room" --members "$MEMBERS" --senders 2 --rate "$RATE" -d "$SECS" --out "$OUT"
