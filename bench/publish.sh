#!/usr/bin/env bash
# make bench-publish: the server API's gRPC Publish against a user's WebSocket send, the same
# messages with the same guarantee (answered after the commit, one delivery each), one run:
#   1. 1000 load users, ROOMS public rooms of one member each, CLIENTS minted tokens, one API key
#   2. one node (bench profile: throttles raised; the key's own rate raised), gRPC on
#   3. alternately, ROUNDS times, SECS s each: WebSocket send->ack and gRPC Publish, with CLIENTS
#      messages in flight (one per socket / caller, callers on 2 HTTP/2 connections), then with
#      one in flight (unary latency); during gRPC runs the same sockets sit joined as listeners
#   4. every acked message is in PostgreSQL
# Aim (issue 18): gRPC publish reaches at least 80% of the WebSocket send rate.
# Raw JSON and summary.md go to bench/results/publish/. Knobs: SECS, CLIENTS, ROOMS, ROUNDS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/results/publish
SECS=${SECS:-10}
CLIENTS=${CLIENTS:-64}
ROOMS=${ROOMS:-64}
ROUNDS=${ROUNDS:-2}
DB=veza_bench_publish
PORT=18520
GRPC_PORT=18521
source bench/lib.sh
prepare
mkdir -p "$OUT" && rm -f "$OUT"/*.json "$OUT"/*.tmp "$OUT"/summary.md

log "1. a fresh $DB: 1000 load users, $ROOMS rooms, $CLIENTS tokens, an API key"
fresh_db
rooms=$("$BIN" admin seed --users 1000 --rooms "$ROOMS" --members 1 \
  | python3 -c 'import json,sys; print(" ".join("--room "+r for r in json.load(sys.stdin)["rooms"]))')
"$BIN" admin mint-tokens --limit "$CLIENTS" > "$OUT/tokens.jsonl.tmp"
key=$("$BIN" admin api-key create --name bench_bot --scopes publish --rate 100000000 2>/dev/null \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')

log "2. one node, gRPC on :$GRPC_PORT"
VEZA__SERVER__PORT=$PORT VEZA__GRPC__ENABLED=true VEZA__GRPC__PORT=$GRPC_PORT "$BIN" serve 2>"$OUT/node.log.tmp" &
pids+=($!); node_pid=$!
wait_ready $PORT
sleep 1

run() { # via clients name
  # shellcheck disable=SC2086
  VEZA_API_KEY=$key "$LT" publish --via "$1" --url "http://127.0.0.1:$PORT" --grpc "http://127.0.0.1:$GRPC_PORT" \
    --tokens "$OUT/tokens.jsonl.tmp" $rooms -c "$2" -d "$SECS" --node-pid "$node_pid" --out "$OUT/$3.json" | tail -4
}
log "3. $ROUNDS rounds, $SECS s each: ws and grpc, $CLIENTS in flight, then 1"
for round in $(seq 1 "$ROUNDS"); do
  run ws "$CLIENTS" "ws-c$CLIENTS-r$round"
  run grpc "$CLIENTS" "grpc-c$CLIENTS-r$round"
  run ws 1 "ws-c1-r$round"
  run grpc 1 "grpc-c1-r$round"
done

log "4. every acked message stored"
stored=$(psql_db "SELECT count(*) FROM messages")
kill "${pids[@]}" 2>/dev/null || true
wait 2>/dev/null || true
pids=()

python3 - "$OUT" "$SECS" "$CLIENTS" "$ROOMS" "$ROUNDS" "$stored" <<'PY'
import glob, json, os, sys
out, secs, clients, rooms, rounds, stored = sys.argv[1:7]
def runs(kind):
    rs = []
    for p in sorted(glob.glob(os.path.join(out, f"{kind}-r*.json"))):
        if p.endswith(".cpu.json"):
            continue
        r = json.load(open(p))
        r["cpu"] = json.load(open(p[:-5] + ".cpu.json"))
        rs.append(r)
    return rs
def best(rs):
    return max(rs, key=lambda r: r["throughput_per_s"])
acked = 0
rows = []
ratios = {}
for c in (clients, "1"):
    ws, grpc = runs(f"ws-c{c}"), runs(f"grpc-c{c}")
    acked += sum(r["ok"] for r in ws + grpc)
    for name, rs in (("WebSocket send -> ack", ws), ("gRPC Publish", grpc)):
        rates = ", ".join(f"{r['throughput_per_s']:,.0f}" for r in rs)
        b = best(rs)
        node_cpu = sum(r["cpu"]["node_cpu_s"] or 0 for r in rs)
        tool_cpu = sum(r["cpu"]["tool_cpu_s"] or 0 for r in rs)
        per_cpu = sum(r["ok"] for r in rs) / node_cpu if node_cpu else 0
        rows.append(f"| {name} | {c} | {rates} | {b['latency']['p50_ms']:.2f} | {b['latency']['p99_ms']:.2f} | "
                    f"{per_cpu:,.0f} | {tool_cpu / len(rs):.1f} | {sum(sum(r['errors'].values()) for r in rs)} |")
    mean = lambda rs: sum(r["throughput_per_s"] for r in rs) / len(rs)
    ratios[c] = (best(grpc)["throughput_per_s"] / best(ws)["throughput_per_s"], mean(grpc) / mean(ws))
lines = [
    f"One node (bench profile), {rooms} public rooms of one member each, {secs} s per run, {rounds} rounds "
    "alternating; each message answered after its commit and delivered once to the room's socket both ways "
    "(in gRPC runs the same sockets sit joined as listeners).",
    "",
    "| path | in flight | messages/s per round | p50 ms (best round) | p99 ms (best round) | messages per node CPU-s | load tool CPU s per run | errors |",
    "|---|---|---|---|---|---|---|---|",
    *rows,
    "",
    f"gRPC / WebSocket: best rounds {ratios[clients][0]:.0%}, means {ratios[clients][1]:.0%} with {clients} in flight "
    f"(aim >= 80%: {'met' if min(ratios[clients]) >= 0.8 else 'missed'}); best {ratios['1'][0]:.0%}, means "
    f"{ratios['1'][1]:.0%} with one in flight.",
    f"Acked: {acked:,}; rows in messages: {int(stored):,} ({'all stored' if int(stored) >= acked else 'MISSING ROWS'}).",
]
open(os.path.join(out, "summary.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
