#!/usr/bin/env bash
# Before/after of a change on the realtime path: the same fan-out and persistence-burst
# scenarios as `make bench`, run against two release builds of `veza` alternately (ABBA...), on
# one database, with one load tool, so the machine's drift falls on both sides alike.
#   bench/ab.sh OLD_VEZA_BIN NEW_VEZA_BIN [ROUNDS]
# Needs target/release/veza-loadtest (cargo build --release -p veza-loadtest). Prints the medians;
# raw JSON goes to bench/results/ab/. OLD_SETUP / NEW_SETUP, when set, are shell commands run
# before each side's node starts (bench/automod.sh: one binary, rules off and on).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OLD=${1:?old veza binary} NEW=${2:?new veza binary} ROUNDS=${3:-3}
OUT=${OUT:-$ROOT/bench/results/ab}
LT=${LT:-$ROOT/target/release/veza-loadtest}
RATES=${RATES:-200,400,600,800,900,1000,1100,1200,1300,1400,1500,1650,1800,2000,2200}
DB=veza_bench_ab
NODE_PORT=18110
export VEZA_ENV=bench VEZA__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$DB" VEZA__SERVER__PORT=$NODE_PORT

node_pid=
cleanup() { [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null || true; }
trap cleanup EXIT
wait_http() { for _ in $(seq 200); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }

scripts/services.sh all >/dev/null
mkdir -p "$OUT" && rm -f "$OUT"/*.json
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
"$NEW" migrate >/dev/null
fan_room=$("$NEW" admin seed --users 1000 --rooms 1 --members 1000 | python3 -c 'import json,sys; print(json.load(sys.stdin)["rooms"][0])')
burst_rooms=$("$NEW" admin seed --users 1000 --rooms 100 --members 1 | python3 -c 'import json,sys; print(" ".join("--room "+r for r in json.load(sys.stdin)["rooms"]))')
tokens=$OUT/tokens.jsonl.tmp
"$NEW" admin mint-tokens --limit 1000 > "$tokens"

run() { # run LABEL BIN ROUND
  if [ "$1" = old ]; then eval "${OLD_SETUP:-true}"; else eval "${NEW_SETUP:-true}"; fi
  "$2" serve & node_pid=$!
  wait_http "http://127.0.0.1:$NODE_PORT/health"
  sleep 1
  "$LT" chat-fanout --url "http://127.0.0.1:$NODE_PORT" --tokens "$tokens" --room "$fan_room" --members 1000 \
    --senders 2 --rate "$RATES" -d 4 --stop-p99-ms 100 --out "$OUT/fanout-$1-$3.json" >/dev/null
  # shellcheck disable=SC2086 # one --room flag per room
  "$LT" chat-fanout --url "http://127.0.0.1:$NODE_PORT" --tokens "$tokens" $burst_rooms --members 100 --senders 1 \
    --window 32 -d 10 --out "$OUT/burst-$1-$3.json" >/dev/null
  kill "$node_pid" && wait "$node_pid" 2>/dev/null || true
  node_pid=
}

for round in $(seq "$ROUNDS"); do
  if (( round % 2 )); then run old "$OLD" "$round"; run new "$NEW" "$round"
  else run new "$NEW" "$round"; run old "$OLD" "$round"; fi
  echo "round $round done"
done
rm -f "$OUT"/*.tmp

python3 bench/ab_summary.py "$OUT" "$ROUNDS"
