#!/usr/bin/env bash
# make bench-tracks (and the end of make bench): tracks measured against the physical baseline,
# on this machine, in one run.
#   1. upload: one 200 MiB WAV through POST /tracks (spool, hash, decode, peaks, loudness, store)
#      against dd writing 200 MiB to the same disk; the node's RSS before and after (a node in
#      its own process) and its processing time (from its log)
#   2. streaming: 200 clients reading random 256 KiB ranges of a 50 MiB file for 20 s, Veza's
#      GET /tracks/{id}/stream against nginx (Debian's) serving the same blob file
#   3. chat fan-out p99 at a fixed rate (1,000 members, 2 senders), alone and while 4 uploads
#      are processed over and over (the upload loops run at nice 19: they stand for remote
#      clients, so the node's own work is what competes with the chat, not its clients')
# Raw JSON and a summary go to bench/results/tracks/. Knobs: RANGE_SECS, FANOUT_RATE.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/results/tracks
WORK=$ROOT/target/bench-tracks
RANGE_SECS=${RANGE_SECS:-20}
FANOUT_RATE=${FANOUT_RATE:-200}
DB=veza_bench_tracks
PORT=18110 NGINX_PORT=18480
BIN=$ROOT/target/release/veza LT=$ROOT/target/release/veza-loadtest
export VEZA_ENV=bench VEZA__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$DB" VEZA__SERVER__PORT=$PORT \
  VEZA__TRACKS__STORAGE_URL="file://$WORK/blobs" VEZA__TRACKS__TMP_DIR="$WORK/spool" \
  VEZA__TRACKS__MAX_UPLOAD_BYTES=$((256 * 1024 * 1024)) VEZA__LOG__LEVEL="warn,veza::tracks=info"

log() { printf '\n== %s\n' "$*"; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f "$WORK/nginx/nginx.pid" ]] && kill "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT
wait_http() { for _ in $(seq 200); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }
kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$node_pid/status"; }

log "services, release build"
scripts/services.sh all
cargo build --release -p veza --bin veza
cargo build --release -p veza-loadtest
rm -rf "$WORK" && mkdir -p "$WORK/nginx/logs" "$OUT" && rm -f "$OUT"/*.json "$OUT"/summary.md

log "inputs: WAV files (distinct bytes each), users, a room of 1,000"
python3 - "$WORK" <<'PY'
import math, struct, sys
work = sys.argv[1]
def wav(path, mib, freq):
    rate, n = 44100, mib * 1024 * 1024 // 4
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 36 + 4 * n) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 2, rate, rate * 4, 4, 16))
        f.write(b"data" + struct.pack("<I", 4 * n))
        period = [int(12000 * math.sin(2 * math.pi * freq * i / rate)) for i in range(rate)]
        second = b"".join(struct.pack("<hh", s, s) for s in period)
        left = n
        while left > 0:
            take = min(left, rate)
            f.write(second[: 4 * take])
            left -= take
wav(f"{work}/big.wav", 200, 440)
wav(f"{work}/stream.wav", 50, 330)
for i in range(4):
    wav(f"{work}/loop{i}.wav", 30, 500 + 50 * i)
PY
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
"$BIN" migrate >/dev/null
room=$("$BIN" admin seed --users 1000 --rooms 1 --members 1000 | python3 -c 'import json,sys; print(json.load(sys.stdin)["rooms"][0])')
tokens=$WORK/tokens.jsonl
"$BIN" admin mint-tokens --limit 1000 > "$tokens"
token=$(head -1 "$tokens" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["token"])')
loop_tokens=$(sed -n '2,5p' "$tokens" | python3 -c 'import json,sys; print(" ".join(json.loads(l)["token"] for l in sys.stdin))')

log "node (bench profile, its own process)"
"$BIN" serve 2>"$WORK/node.log" & pids+=($!); node_pid=$!
wait_http "http://127.0.0.1:$PORT/health"
sleep 1

log "1. upload: 200 MiB, against dd"
dd_line=$(dd if=/dev/zero of="$WORK/dd.bin" bs=1M count=200 conv=fdatasync 2>&1 | tail -1)
rm -f "$WORK/dd.bin"
rss_before=$(kib VmRSS)
upload_stats=$(curl -sf -o "$WORK/big.json" -w '%{time_total} %{size_upload}' -H "authorization: Bearer $token" \
  -F "file=@$WORK/big.wav;filename=big.wav" "http://127.0.0.1:$PORT/api/v1/tracks")
rss_after=$(kib VmRSS)
hwm=$(kib VmHWM)
processed=$(grep -o '"elapsed_ms":[0-9]*' "$WORK/node.log" | tail -1 | cut -d: -f2)
python3 - "$OUT/upload.json" "$dd_line" "$upload_stats" "$rss_before" "$rss_after" "$hwm" "${processed:-0}" <<'PY'
import json, re, sys
path, dd_line, stats, before, after, hwm, processed = sys.argv[1:]
secs, size = (float(x) for x in stats.split())
m = re.search(r"([0-9.]+) s, ([0-9.]+) ([MG])B/s", dd_line)
dd_mbs = float(m.group(2)) * (1000 if m.group(3) == "G" else 1) if m else None
json.dump({"bytes": size, "seconds": secs, "mb_per_s": size / secs / 1e6, "dd_mb_per_s": dd_mbs, "dd": dd_line,
           "rss_before_kib": int(before), "rss_after_kib": int(after), "rss_peak_kib": int(hwm),
           "processing_ms": int(processed)}, open(path, "w"), indent=2)
PY
cat "$OUT/upload.json"

log "2. streaming: 200 clients, random 256 KiB ranges of 50 MiB, ${RANGE_SECS} s each: Veza, then nginx"
curl -sf -o "$WORK/stream.json" -H "authorization: Bearer $token" -F "file=@$WORK/stream.wav;filename=stream.wav" \
  "http://127.0.0.1:$PORT/api/v1/tracks"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/stream.json")
sha=$(sha256sum "$WORK/stream.wav" | cut -d' ' -f1)
blob="$WORK/blobs/${sha:0:2}/${sha:2:2}/$sha"
test -f "$blob"
cat > "$WORK/nginx/nginx.conf" <<NGINX
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { audio/wav wav; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location = /stream.wav { alias $blob; default_type audio/wav; }
  }
}
NGINX
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
wait_http "http://127.0.0.1:$NGINX_PORT/stream.wav"
"$LT" range-read --url "http://127.0.0.1:$PORT/api/v1/tracks/$id/stream" -c 200 -d "$RANGE_SECS" --out "$OUT/range-veza.json"
"$LT" range-read --url "http://127.0.0.1:$NGINX_PORT/stream.wav" -c 200 -d "$RANGE_SECS" --out "$OUT/range-nginx.json"
kill "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null || true

log "3. chat fan-out at $FANOUT_RATE msg/s: alone, then with 4 uploads processed over and over"
"$LT" chat-fanout --url "http://127.0.0.1:$PORT" --tokens "$tokens" --room "$room" --members 1000 --senders 2 \
  --rate "$FANOUT_RATE" -d 10 --out "$OUT/fanout-quiet.json"
i=0
for t in $loop_tokens; do
  ( renice -n 19 -p "$BASHPID" >/dev/null
    while true; do
      tid=$(curl -sf -H "authorization: Bearer $t" -F "file=@$WORK/loop$i.wav;filename=l.wav" \
        "http://127.0.0.1:$PORT/api/v1/tracks" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null) || break
      curl -sf -X DELETE -H "authorization: Bearer $t" "http://127.0.0.1:$PORT/api/v1/tracks/$tid" || break
    done ) & pids+=($!)
  i=$((i + 1))
done
sleep 2
processed_before=$(grep -c 'track processed' "$WORK/node.log" || true)
"$LT" chat-fanout --url "http://127.0.0.1:$PORT" --tokens "$tokens" --room "$room" --members 1000 --senders 2 \
  --rate "$FANOUT_RATE" -d 10 --out "$OUT/fanout-uploads.json"
processed_after=$(grep -c 'track processed' "$WORK/node.log" || true)
echo "{\"processed_during_run\": $((processed_after - processed_before))}" > "$OUT/fanout-uploads-count.json"

log "summary (bench/results/tracks/summary.md)"
python3 bench/tracks_summary.py "$OUT" | tee "$OUT/summary.md"
