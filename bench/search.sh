#!/usr/bin/env bash
# make bench-search: search at a million listings, the index side by side with PostgreSQL full
# text, in one run, on this machine.
#   1. seed (once per database): 1M listings, 100k tracks, 100k users, 10k rooms (COPY)
#   2. full reindex offline: time, documents, size on disk
#   3. node A answers from its index; node B has no index (PostgreSQL answers the same requests:
#      the fallback statements for /search, today's statement for /listings)
#   4. 16 clients, each query class alone for SECS seconds on A then on B: /search (common word,
#      rare word, two words, a typo, a prefix), /search/suggest, /listings with facets
#   5. freshness: 200 listing writes/s on node B, each searched for on node A until found
#   6. node A's RSS with the index open
# Raw JSON and a summary go to bench/results/search/. Knobs: SECS, LISTINGS, CLIENTS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/results/search
SECS=${SECS:-8}
CLIENTS=${CLIENTS:-16}
LISTINGS=${LISTINGS:-1000000}
DB=veza_bench_search
A_PORT=18400 B_PORT=18401
DATA=${DATA:-/tmp/veza-bench-search}
source bench/lib.sh
prepare
mkdir -p "$OUT" && rm -f "$OUT"/*.json "$OUT"/summary.md

log "1. catalogue in $DB"
have=$(psql_db "SELECT count(*) FROM listings" 2>/dev/null || echo 0)
if [ "$have" -lt "$LISTINGS" ]; then
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
  "$BIN" migrate >/dev/null
  /usr/bin/time -f '%e' -o "$OUT/seed-seconds.tmp" \
    "$BIN" admin seed-search --listings "$LISTINGS" --tracks $((LISTINGS / 10)) --users $((LISTINGS / 10)) \
    --rooms $((LISTINGS / 100)) | tee "$OUT/seed.json"
fi
psql_db "SELECT json_build_object('listings', (SELECT count(*) FROM listings), 'tracks', (SELECT count(*) FROM tracks),
  'users', (SELECT count(*) FROM users), 'rooms', (SELECT count(*) FROM rooms))" > "$OUT/catalogue.json"
cat "$OUT/catalogue.json"

log "2. full reindex (offline)"
rm -rf "$DATA" && mkdir -p "$DATA"
VEZA__NODE__ID=search-a VEZA__SEARCH__DIR=$DATA "$BIN" search reindex --offline | tee "$OUT/reindex.json"

log "3. node A (index) and node B (no index: PostgreSQL)"
VEZA__NODE__ID=search-a VEZA__SEARCH__DIR=$DATA VEZA__SERVER__PORT=$A_PORT "$BIN" serve & pids+=($!); a_pid=$!
VEZA__NODE__ID=search-b VEZA__SEARCH__DIR=/dev/null/no-index VEZA__SERVER__PORT=$B_PORT "$BIN" serve & pids+=($!)
for _ in $(seq 600); do
  state=$(curl -sf "http://127.0.0.1:$A_PORT/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["checks"]["search"])' 2>/dev/null || true)
  [ "$state" = ready ] && break
  sleep 0.5
done
[ "$state" = ready ] || { echo "node A's index never became ready" >&2; exit 1; }
curl -sf "http://127.0.0.1:$B_PORT/health" >/dev/null

category=$(psql_db "SELECT c.slug FROM categories c JOIN listings l ON l.category_id = c.id GROUP BY c.slug ORDER BY count(*) DESC LIMIT 1")
tag=$(psql_db "SELECT t FROM listings, unnest(tags) t WHERE status = 'active' GROUP BY t ORDER BY count(*) DESC LIMIT 1")
declare -A CLASSES=(
  [common]="/api/v1/search?q=guitar"
  [rare]="/api/v1/search?q=smorgasbord"
  [two-words]="/api/v1/search?q=vintage%20synth"
  [typo]="/api/v1/search?q=oscilator"
  [prefix]="/api/v1/search?q=sequ"
  [listings-facets]="/api/v1/listings?category=$category&min_price=10000"
  [listings-text-facets]="/api/v1/listings?q=vintage&tag=analog"
  [listings-all]="/api/v1/listings"
  # A different price floor each request: the index's kept answers (and PostgreSQL's facet
  # cache) almost never hit, so this is the walk's own cost.
  [listings-varied]="/api/v1/listings?min_price={id}"
  # The same within the largest category: a filter the per-segment price shelves do not take,
  # so the index walks the category's listings.
  [listings-category-varied]="/api/v1/listings?category=$category&min_price={id}"
  # A tag, and a condition, with a price never seen before: a quarter of the catalogue each.
  [listings-tag-varied]="/api/v1/listings?tag=$tag&min_price={id}"
  [listings-condition-varied]="/api/v1/listings?condition=used&min_price={id}"
  # The most common currency (half the catalogue) with a price never seen before.
  [listings-currency-varied]="/api/v1/listings?currency=EUR&min_price={id}"
  [suggest]="/api/v1/search/suggest?q=sequ"
  # A different word each request, drawn from the catalogue's own titles (so as often as
  # sellers use it: Zipf): the rows kept for showing results hit only as often as results repeat.
  [varied-words]="/api/v1/search?q={id}"
)
# Each class alone: PostgreSQL may still be running statements a class's clients gave up on
# (node B's facet queries over a million rows time out, not stop), which would load the next;
# and what a class dirtied is flushed before the next one starts.
settle() {
  for _ in $(seq 120); do
    busy=$(psql_db "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB' AND state = 'active' AND pid <> pg_backend_pid()")
    [ "$busy" = 0 ] && break
    sleep 0.5
  done
  # Node B's classes dirty shared buffers; their flush is PostgreSQL's work too, done here
  # rather than during the next class.
  psql_db "CHECKPOINT" >/dev/null
  sleep 1
}
log "4. $CLIENTS clients, $SECS s per class and node"
seq 100 7 70093 | shuf --random-source=<(yes) > "$OUT/prices.tmp"
psql_db "SELECT setseed(0.5); SELECT lower(split_part(title, ' ', 1 + (random() * 2)::int))
  FROM listings TABLESAMPLE SYSTEM (0.5) REPEATABLE (7) LIMIT 5000" | grep -E '^[a-z]{2,}$' > "$OUT/words.tmp"
for class in common rare two-words typo prefix varied-words listings-facets listings-text-facets listings-all listings-varied listings-category-varied listings-tag-varied listings-condition-varied listings-currency-varied suggest; do
  for node in a b; do
    port=$A_PORT; [ $node = b ] && port=$B_PORT
    # Suggestions need the index: node B has popular queries only.
    [ "$class" = suggest ] && [ $node = b ] && continue
    settle
    # A side that cannot answer (PostgreSQL's facets over the whole set time out) is recorded
    # as such; the run goes on.
    ids=$OUT/prices.tmp; [ "$class" = varied-words ] && ids=$OUT/words.tmp
    "$LT" rest-mixed --url "http://127.0.0.1:$port" --get "${CLASSES[$class]}" --ids "$ids" -c "$CLIENTS" -d "$SECS" \
      --out "$OUT/$class-$node.json" >/dev/null || echo "($class on $node: too many errors)"
    printf '%-22s %s ' "$class" "$node"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); e=next(iter(r["endpoints"].values()), {}); print(round(r["throughput_per_s"]), "req/s", e.get("latency"), "errors", r["errors"])' "$OUT/$class-$node.json"
  done
done

log "5. freshness: 200 listings/s written to node B (the index-less node takes the writes), each probed on node A"
"$BIN" admin seed --users 16 >/dev/null
"$BIN" admin mint-tokens --limit 16 > "$OUT/tokens.tmp"
category_id=$(psql_db "SELECT id FROM categories WHERE slug = '$category'")
"$LT" search-freshness --write-url "http://127.0.0.1:$B_PORT" --read-url "http://127.0.0.1:$A_PORT" \
  --tokens "$OUT/tokens.tmp" --category "$category_id" --rate 200 -d 20 --out "$OUT/freshness.json" | tail -12
rm -f "$OUT"/*.tmp

log "6. node A's memory"
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$a_pid/status")
echo "{\"rss_kib\": $rss_kb}" | tee "$OUT/rss.json"
python3 bench/search_summary.py "$OUT" | tee "$OUT/summary.md"
