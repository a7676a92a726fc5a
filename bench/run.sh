#!/usr/bin/env bash
# make bench: Veza measured side by side with its peers, on this machine, in one run.
#   1. chat-fanout, one room x 1,000 members, 2 senders, stepped rates until p99 > 100 ms or a
#      loss: Veza, the bare actix-web-actors broadcaster and Socket.IO 4, alternately, twice each
#   2. connect-idle: authenticated idle WebSockets, RSS per connection, connects/s
#   3. rest-mixed: GET /api/v1/listings/{id} vs pgbench running the same SELECT; GET /health vs
#      the bare peer's hello-world handler
#   4. persistence burst: 100 rooms, unthrottled senders (ack window), acked/s, rows checked
# Raw JSON and a summary go to bench/results/latest/. Knobs: STEP_SECS, RATES, IDLE_CONNS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/results/latest
STEP_SECS=${STEP_SECS:-4}
RATES=${RATES:-25,50,100,200,400,600,800,900,1000,1100,1200,1300,1400,1500,1650,1800,2000,2200}
IDLE_CONNS=${IDLE_CONNS:-}
DB=veza_bench_make
NODE_PORT=18100 BARE_PORT=18200 SIO_PORT=18300
BIN=$ROOT/target/release/veza LT=$ROOT/target/release/veza-loadtest BARE=$ROOT/target/release/veza-peer-bare
export VEZA_ENV=bench VEZA__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$DB" VEZA__SERVER__PORT=$NODE_PORT

log() { printf '\n== %s\n' "$*"; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_http() { for _ in $(seq 200); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }

log "services, peers, release build"
scripts/services.sh all
command -v node >/dev/null || { apt-get install -y -qq nodejs npm >/dev/null; }
(cd loadtests/peers/socketio && npm ci --no-audit --no-fund --silent)
command -v pgbench >/dev/null || apt-get install -y -qq postgresql-contrib >/dev/null
cargo build --release -p veza --bin veza
cargo build --release -p veza-loadtest -p veza-peer-bare
mkdir -p "$OUT" && rm -f "$OUT"/*.json "$OUT"/summary.md
start=$(date +%s)

log "database $DB: seed"
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
"$BIN" migrate >/dev/null
fan_room=$("$BIN" admin seed --users 1000 --rooms 1 --members 1000 | python3 -c 'import json,sys; print(json.load(sys.stdin)["rooms"][0])')
burst_rooms=$("$BIN" admin seed --users 1000 --rooms 100 --members 1 | python3 -c 'import json,sys; print(" ".join("--room "+r for r in json.load(sys.stdin)["rooms"]))')
"$BIN" admin seed-market --listings 2000 >/dev/null
tokens=$OUT/tokens.jsonl.tmp
"$BIN" admin mint-tokens --limit 1000 > "$tokens"
psql -q -h 127.0.0.1 -U postgres -d "$DB" -At -c "SELECT id FROM listings WHERE status = 'active'" > "$OUT/listing-ids.tmp"
psql -q -h 127.0.0.1 -U postgres -d "$DB" -c "CREATE TABLE bench_listing_ids AS SELECT row_number() OVER () AS n, id FROM listings WHERE status = 'active'; CREATE UNIQUE INDEX ON bench_listing_ids (n)" >/dev/null
n_ids=$(wc -l < "$OUT/listing-ids.tmp")

log "nodes: veza (bench profile, one node), bare peer, socket.io peer"
"$BIN" serve & pids+=($!); node_pid=$!
"$BARE" $BARE_PORT >/dev/null & pids+=($!)
node loadtests/peers/socketio/server.js $SIO_PORT >/dev/null & pids+=($!)
wait_http "http://127.0.0.1:$NODE_PORT/health"
wait_http "http://127.0.0.1:$BARE_PORT/health"
sleep 1

log "1. chat-fanout: 1,000 members, 2 senders, rates $RATES, $STEP_SECS s per step, alternately"
for round in 1 2; do
  "$LT" chat-fanout --url "http://127.0.0.1:$NODE_PORT" --tokens "$tokens" --room "$fan_room" --members 1000 \
    --senders 2 --rate "$RATES" -d "$STEP_SECS" --stop-p99-ms 100 --out "$OUT/fanout-veza-$round.json"
  "$LT" chat-fanout --protocol bare --url "http://127.0.0.1:$BARE_PORT" --members 1000 \
    --senders 2 --rate "$RATES" -d "$STEP_SECS" --stop-p99-ms 100 --out "$OUT/fanout-bare-$round.json"
  "$LT" chat-fanout --protocol socketio --url "http://127.0.0.1:$SIO_PORT" --members 1000 \
    --senders 2 --rate "$RATES" -d "$STEP_SECS" --stop-p99-ms 100 --out "$OUT/fanout-socketio-$round.json"
done

log "4. persistence burst: 100 rooms, 100 unthrottled senders (window 32)"
# shellcheck disable=SC2086 # one --room flag per room
"$LT" chat-fanout --url "http://127.0.0.1:$NODE_PORT" --tokens "$tokens" $burst_rooms --members 100 --senders 1 \
  --window 32 -d 10 --out "$OUT/burst.json"
rooms_sql=$(echo "$burst_rooms" | sed "s/--room //g; s/ /','/g")
stored=$(psql -q -h 127.0.0.1 -U postgres -d "$DB" -At -c "SELECT count(*) FROM messages WHERE room_id IN ('$rooms_sql')")
echo "{\"stored\": $stored}" > "$OUT/burst-stored.json"

log "3. rest-mixed: GET /api/v1/listings/{id} vs pgbench (same SELECT, 32 connections)"
"$LT" rest-mixed --url "http://127.0.0.1:$NODE_PORT" --get '/api/v1/listings/{id}' --ids "$OUT/listing-ids.tmp" \
  -c 32 -d 10 --out "$OUT/rest-listing.json"
cat > "$OUT/pgbench-listing.sql.tmp" <<SQL
\set n random(1, $n_ids)
SELECT l.id, l.seller_id, l.title, l.description, l.price_amount, l.currency, l.category_id, l.tags, l.condition, l.track_id, l.status, l.created_at, l.updated_at, l.published_at, u.username FROM listings l JOIN users u ON u.id = l.seller_id WHERE l.id = (SELECT id FROM bench_listing_ids WHERE n = :n);
SQL
pgbench -n -M prepared -h 127.0.0.1 -U postgres -c 32 -j 2 -T 10 -f "$OUT/pgbench-listing.sql.tmp" "$DB" \
  | tee "$OUT/pgbench.txt.tmp"
tps=$(grep -oP 'tps = \K[0-9.]+' "$OUT/pgbench.txt.tmp" | head -1)
echo "{\"tps\": $tps}" > "$OUT/pgbench-listing.json"

log "3. rest-mixed: GET /health, Veza vs the bare peer's hello-world handler (64 clients)"
"$LT" rest-mixed --url "http://127.0.0.1:$NODE_PORT" --get /health -c 64 -d 10 --out "$OUT/rest-health-veza.json"
"$LT" rest-mixed --url "http://127.0.0.1:$BARE_PORT" --get /health -c 64 -d 10 --out "$OUT/rest-health-bare.json"

log "2. connect-idle"
limit=$(ulimit -Hn)
conns=${IDLE_CONNS:-$(( limit > 50000 ? 50000 : limit - 1500 ))}
"$LT" connect-idle --url "http://127.0.0.1:$NODE_PORT" --tokens "$tokens" -n "$conns" --concurrency 256 \
  --hold 5 --node-pid "$node_pid" --out "$OUT/connect-idle.json"

rm -f "$OUT"/*.tmp
log "summary (bench/results/latest/summary.md), $(( $(date +%s) - start )) s after the build"
python3 bench/summarize.py "$OUT" | tee "$OUT/summary.md"
