#!/usr/bin/env bash
# make bench-login: login throughput with the audit hash chain on the path (every login appends
# a chained `auth.login` row under the chain's one lock), side by side in one run with the
# chain's own ceiling: pgbench appending the same row through the chain trigger, and appending
# it to a copy of the table without the chain.
#   1. 1000 load users; their shared password hash is deliberately cheap (argon2id, 8 KiB, one
#      pass) so the password check does not hide what the chain costs
#   2. one node; CLIENTS clients log users in back to back for SECS s
#   3. pgbench, CLIENTS connections, SECS s each: chained insert, then plain insert
#   4. `veza admin audit verify`: the chain the run wrote is whole
# Raw JSON and summary.md go to bench/results/login/. Knobs: SECS, CLIENTS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/results/login
SECS=${SECS:-15}
CLIENTS=${CLIENTS:-16}
DB=veza_bench_login
PORT=18510
source bench/lib.sh
prepare
mkdir -p "$OUT" && rm -f "$OUT"/*.json "$OUT"/*.tmp "$OUT"/summary.md

log "1. a fresh $DB with 1000 load users"
fresh_db
"$BIN" admin seed --users 1000 >/dev/null

log "2. $CLIENTS clients logging in for $SECS s"
VEZA__SERVER__PORT=$PORT "$BIN" serve 2>"$OUT/node.log.tmp" &
pids+=($!)
wait_ready $PORT
before=$(psql_db "SELECT count(*) FROM audit_log WHERE action = 'auth.login'")
"$LT" login --url "http://127.0.0.1:$PORT" --users 1000 -c "$CLIENTS" -d "$SECS" --out "$OUT/login.json" >/dev/null
after=$(psql_db "SELECT count(*) FROM audit_log WHERE action = 'auth.login'")
kill "${pids[@]}" 2>/dev/null || true
wait 2>/dev/null || true
pids=()

log "3. pgbench: the same row through the chain, and without it"
psql_db "DROP TABLE IF EXISTS audit_plain; CREATE TABLE audit_plain (LIKE audit_log INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES);
  DROP SEQUENCE IF EXISTS audit_plain_seq; CREATE SEQUENCE audit_plain_seq;
  ALTER TABLE audit_plain ALTER COLUMN chain_seq SET DEFAULT nextval('audit_plain_seq'), ALTER COLUMN prev_hash SET DEFAULT '',
  ALTER COLUMN hash SET DEFAULT ''"
row="(actor_id, action, target_type, target_id, ip, data, request_id) VALUES
  (gen_random_uuid(), 'auth.login', 'user', gen_random_uuid()::text, '127.0.0.1', '{}', 'bench')"
echo "INSERT INTO audit_log $row;" > "$OUT/chained.sql.tmp"
echo "INSERT INTO audit_plain $row;" > "$OUT/plain.sql.tmp"
for kind in chained plain; do
  pgbench -n -M prepared -h 127.0.0.1 -U postgres -c "$CLIENTS" -j 2 -T "$SECS" -f "$OUT/$kind.sql.tmp" "$DB" \
    > "$OUT/pgbench-$kind.txt.tmp"
  tps=$(grep -oP 'tps = \K[0-9.]+' "$OUT/pgbench-$kind.txt.tmp" | head -1)
  lat=$(grep -oP 'latency average = \K[0-9.]+' "$OUT/pgbench-$kind.txt.tmp" | head -1)
  echo "{\"tps\": $tps, \"latency_avg_ms\": $lat}" > "$OUT/pgbench-$kind.json"
  echo "$kind: $tps inserts/s"
done
psql_db "DROP TABLE audit_plain; DROP SEQUENCE audit_plain_seq"

log "4. the chain is whole"
"$BIN" admin audit verify > "$OUT/verify.txt.tmp" 2>&1 && verified=yes || verified=no
tail -1 "$OUT/verify.txt.tmp"

python3 - "$OUT" "$SECS" "$CLIENTS" "$before" "$after" "$verified" <<'PY'
import json, os, sys
out, secs, clients, before, after, verified = sys.argv[1:7]
r = json.load(open(os.path.join(out, "login.json")))
chained, plain = (json.load(open(os.path.join(out, f"pgbench-{k}.json"))) for k in ("chained", "plain"))
lat = r["latency"]
lines = [
    f"{clients} clients, {secs} s each, one node; the load users' cheap argon2 hash (8 KiB, 1 pass), so "
    "the rest of the login path shows.",
    "",
    "| | per s | p50 ms | p99 ms |",
    "|---|---|---|---|",
    f"| POST /api/v1/auth/login (password check, session, refresh token, chained audit row) | "
    f"{r['throughput_per_s']:,.1f} | {lat['p50_ms']:.1f} | {lat['p99_ms']:.1f} |",
    f"| pgbench: the audit row through the chain trigger (the chain's ceiling) | {chained['tps']:,.0f} | "
    f"{chained['latency_avg_ms']:.2f} (mean) | - |",
    f"| pgbench: the same row, no chain | {plain['tps']:,.0f} | {plain['latency_avg_ms']:.2f} (mean) | - |",
    "",
    f"Logins answered: {r['ok']:,}; `auth.login` rows written: {int(after) - int(before):,}; "
    f"errors: {sum(r['errors'].values())}; chain verified after the run: {verified}.",
]
open(os.path.join(out, "summary.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
