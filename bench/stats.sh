#!/usr/bin/env bash
# make bench-stats: GET /api/v1/admin/stats with a million messages, side by side in one run
# with the floor (GET /api/v1/users/me: an authenticated read that touches one row) and with
# what a request would cost without the rollup (pgbench running the messages-per-hour count
# over 48 h, the heaviest of the rollup's statements, per request).
#   1. seed (once per database): 10k load users and their rooms, MESSAGES messages over the last
#      72 h, 100k listings, 30 days of activity for every user
#   2. one node with a rollup every 5 s (it recomputes during the measured run); the first
#      rollup at this size (computed when the first request finds none) and the later ones
#   3. CLIENTS clients for SECS s each: /admin/stats, /users/me, pgbench's live count
# Raw JSON and summary.md go to bench/results/stats/. Knobs: SECS, CLIENTS, MESSAGES.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/results/stats
SECS=${SECS:-15}
CLIENTS=${CLIENTS:-16}
MESSAGES=${MESSAGES:-1000000}
DB=veza_bench_stats
PORT=18500
source bench/lib.sh
prepare
mkdir -p "$OUT" && rm -f "$OUT"/*.json "$OUT"/*.tmp "$OUT"/summary.md

log "1. data in $DB"
have=$(psql_db "SELECT count(*) FROM messages" 2>/dev/null || echo 0)
if [ "$have" -lt "$MESSAGES" ]; then
  fresh_db
  "$BIN" admin seed --users 10000 --rooms 1000 >/dev/null
  "$BIN" admin seed-market --listings 100000 >/dev/null
  # Messages spread evenly over 72 h, each room's in seq order, ids in time order.
  psql_db "WITH r AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM rooms),
      k AS (SELECT count(*) AS rooms FROM rooms), u AS (SELECT array_agg(id ORDER BY id) AS ids FROM users)
    INSERT INTO messages (room_id, seq, author_id, client_id, body, created_at)
    SELECT r.id, g / k.rooms + 1, u.ids[1 + g % array_length(u.ids, 1)], 'b' || g, 'bench message ' || g,
           now() - interval '72 hours' + (g::float8 / $MESSAGES) * interval '72 hours'
    FROM generate_series(0, $MESSAGES - 1) g CROSS JOIN k CROSS JOIN u JOIN r ON r.n = g % k.rooms ORDER BY g"
  psql_db "UPDATE rooms SET last_seq = m.s FROM (SELECT room_id, max(seq) AS s FROM messages GROUP BY room_id) m
    WHERE m.room_id = rooms.id"
  psql_db "INSERT INTO user_activity (day, user_id, last_at)
    SELECT (now() - d * interval '1 day')::date, id, now() - d * interval '1 day' FROM users, generate_series(0, 29) d"
  psql_db "VACUUM ANALYZE"
fi
psql_db "SELECT json_build_object('messages', (SELECT count(*) FROM messages), 'users', (SELECT count(*) FROM users),
  'listings', (SELECT count(*) FROM listings), 'user_activity', (SELECT count(*) FROM user_activity))" > "$OUT/data.json"
cat "$OUT/data.json"
# Every run starts from no rollup: the first one counts the whole table.
psql_db "TRUNCATE stats_rollup, event_counts_hourly, event_count_marks, event_count_state, node_heartbeats"

log "2. one node, a rollup every 5 s"
VEZA__SERVER__PORT=$PORT VEZA__STATS__ROLLUP_MS=5000 "$BIN" serve 2>"$OUT/node.log.tmp" &
pids+=($!)
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.2; done
# Every load user an admin here (roles travel in the token; which user mint-tokens hands out
# first does not matter then).
psql_db "UPDATE users SET roles = '{user,admin}' WHERE username LIKE 'load\_user\_%'"
token=$("$BIN" admin mint-tokens --limit 1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["token"])')
first=$( { /usr/bin/time -f '%e' curl -fsS -o "$OUT/stats-first.json" -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$PORT/api/v1/admin/stats"; } 2>&1 )
echo "first request (computes the first rollup): ${first} s"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("messages_24h", s["messages_24h"], "active_users", s["active_users"])' "$OUT/stats-first.json"

log "3. $CLIENTS clients, $SECS s each"
"$LT" rest-mixed --url "http://127.0.0.1:$PORT" --get /api/v1/admin/stats --token "$token" -c "$CLIENTS" -d "$SECS" \
  --out "$OUT/admin-stats.json" >/dev/null
"$LT" rest-mixed --url "http://127.0.0.1:$PORT" --get /api/v1/users/me --token "$token" -c "$CLIENTS" -d "$SECS" \
  --out "$OUT/users-me.json" >/dev/null
psql_db "SELECT json_agg(json_build_object('at', computed_at, 'took_ms', took_ms)) FROM stats_rollup" > "$OUT/rollup-last.json"
took=$(psql_db "SELECT took_ms FROM stats_rollup")
kill "${pids[@]}" 2>/dev/null || true
wait 2>/dev/null || true
pids=()
cat > "$OUT/live-count.sql.tmp" <<'SQL'
SELECT date_trunc('hour', created_at), count(*) FROM messages WHERE created_at > now() - interval '48 hours' GROUP BY 1;
SQL
(cd "$OUT" && rm -f pgbench_log.* && pgbench -n -M prepared -h 127.0.0.1 -U postgres -c "$CLIENTS" -j 2 -T "$SECS" -l \
  -f live-count.sql.tmp "$DB" > pgbench.txt.tmp)

python3 - "$OUT" "$first" "$took" "$SECS" "$CLIENTS" <<'PY'
import glob, json, os, sys
out, first, took, secs, clients = sys.argv[1:6]
lat = sorted(int(l.split()[2]) / 1000 for f in glob.glob(os.path.join(out, "pgbench_log.*")) for l in open(f))
pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))] if lat else float("nan")
live = {"requests": len(lat), "throughput_per_s": len(lat) / float(secs), "p50_ms": pct(0.5), "p99_ms": pct(0.99)}
json.dump(live, open(os.path.join(out, "live-count.json"), "w"))
for f in glob.glob(os.path.join(out, "pgbench_log.*")):
    os.remove(f)
def row(name, path):
    r = json.load(open(os.path.join(out, path)))
    e = next(iter(r["endpoints"].values()))["latency"]
    return f"| {name} | {r['throughput_per_s']:,.0f} | {e['p50_ms']:.2f} | {e['p99_ms']:.2f} | {sum(r['errors'].values())} |"
data = json.load(open(os.path.join(out, "data.json")))
lines = [
    f"Data: {data['messages']:,} messages, {data['users']:,} users, {data['listings']:,} listings, "
    f"{data['user_activity']:,} activity rows. {clients} clients, {secs} s each, one node, rollup every 5 s.",
    "",
    "| | req/s | p50 ms | p99 ms | errors |",
    "|---|---|---|---|---|",
    row("GET /api/v1/admin/stats", "admin-stats.json"),
    row("GET /api/v1/users/me (floor)", "users-me.json"),
    f"| live count per request (pgbench, messages per hour over 48 h) | {live['throughput_per_s']:,.1f} | "
    f"{live['p50_ms']:.1f} | {live['p99_ms']:.1f} | - |",
    "",
    f"First request (computes the first rollup, whole table): {first} s. Last rollup during the run: {took} ms.",
]
open(os.path.join(out, "summary.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
