#!/usr/bin/env bash
# `make prometheus-live` (test): the rules and the dashboard against two real nodes and a real
# Prometheus. Two `veza serve` from the built debug binary on one fresh database, sharing Redis,
# RabbitMQ (their own key prefix and exchange) and a file blob store; Debian's prometheus
# scraping both every second with deploy/prometheus/rules loaded; traffic from
# deploy/prometheus/live.py (pinned venv): accounts, reads, problems, chat between a user on each
# node, a listing and an offer, a track, server API calls. Then, through Prometheus' HTTP API
# and the nodes' /metrics: both targets up; every metric a rule or a panel uses is exported by
# each node; every rule and panel expression runs; the traffic panels have data; every rule
# group is loaded and healthy; the counters the load moves have moved. Each node's /metrics is
# kept in target/prometheus-live/ (with the logs when the run fails). Everything started here
# is stopped on exit; the database, the exchange and the Redis keys are removed.
set -euo pipefail
cd "$(dirname "$0")/.."
start_ns=$(date +%s%N)
target=${CARGO_TARGET_DIR:-target}
bin="$target/debug/veza"
venv="$target/prometheus-venv"
pg=${VEZA_TEST_PG:-postgres://postgres@127.0.0.1:5432}
redis=${VEZA_TEST_REDIS:-redis://127.0.0.1:6379}
amqp=${VEZA_TEST_AMQP:-amqp://guest:guest@127.0.0.1:5672/%2f}
run_id="prom_$$_$RANDOM"
db="veza_$run_id"
prefix="veza-$run_id:"
exchange="veza.$run_id"
password="live-password-1"
log() { echo "prometheus-live: $*"; }
elapsed() { local ms=$(( ($(date +%s%N) - start_ns) / 1000000 )); printf '%d.%01d s' $((ms / 1000)) $((ms % 1000 / 100)); }

# Prometheus: Debian's package (the service it may try to start is not used).
# shellcheck source=scripts/debian-package.sh disable=SC1091
source scripts/debian-package.sh
prometheus=$(debian_package prometheus prometheus)
[[ -n "$prometheus" ]] || { log "FAILED: no prometheus binary (apt-get install prometheus did not provide /usr/bin/prometheus)"; exit 1; }
[[ -x "$bin" ]] || { log "FAILED: $bin is not built (cargo build --bin veza)"; exit 1; }

# shellcheck source=scripts/pinned-venv.sh disable=SC1091
source scripts/pinned-venv.sh
pinned_venv "$venv" deploy/prometheus/requirements.txt
py="$venv/bin/python"

tmp=$(mktemp -d /tmp/veza-prometheus-live.XXXXXX)
pids=()
cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    "$py" deploy/prometheus/live.py drop-exchange --url "$amqp" --exchange "$exchange" >/dev/null 2>&1 || true
    redis-cli -u "$redis" --scan --pattern "$prefix*" 2>/dev/null | xargs -r redis-cli -u "$redis" del >/dev/null 2>&1 || true
    if [[ $status -ne 0 && -d "$tmp" ]]; then
        mkdir -p "$target/prometheus-live"
        cp "$tmp"/node-*.log "$tmp"/prometheus.log "$target/prometheus-live/" 2>/dev/null || true
        for f in "$tmp"/node-*.log "$tmp"/prometheus.log; do
            [[ -s "$f" ]] && { echo "--- last lines of $(basename "$f")"; tail -n 15 "$f"; }
        done
    fi
    rm -rf "$tmp"
    log "$([[ $status -eq 0 ]] && echo passed || echo FAILED) in $(elapsed)"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # url, what, seconds
    local deadline=$(( $(date +%s) + $3 ))
    until curl -sf -o /dev/null "$1"; do
        if (( $(date +%s) > deadline )); then log "FAILED: $2 did not answer $1 within $3 s"; return 1; fi
        sleep 0.1
    done
}

# The binary may be rebuilt while this runs: start both nodes from one copy, with the config
# files built into it (VEZA_CONFIG_DIR names no directory), which match its code even while
# config/*.toml is being edited for the next build.
cp "$bin" "$tmp/veza"
mkdir -p "$tmp/blobs" "$tmp/search" "$tmp/spool-1" "$tmp/spool-2" "$tmp/prometheus"
psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null
export VEZA_CONFIG_DIR="$tmp/embedded-config" VEZA_ENV=test VEZA__DATABASE__URL="$pg/$db" VEZA__LOG__LEVEL=${PROMETHEUS_LIVE_LOG:-warn} \
    VEZA__REDIS__URL="$redis" VEZA__REDIS__KEY_PREFIX="$prefix" \
    VEZA__AMQP__URL="$amqp" VEZA__AMQP__EXCHANGE="$exchange" \
    VEZA__RATE_LIMIT__ENABLED=false VEZA__JWT__ACCESS_TTL_SECS=3600 \
    VEZA__CHAT__SEND_PER_MINUTE=100000000 VEZA__CHAT__SEND_BURST=1000000 \
    VEZA__SERVER_API__BURST=1 \
    VEZA__TRACKS__STORAGE_URL="file://$tmp/blobs" VEZA__SEARCH__DIR="$tmp/search"
VEZA_ADMIN_PASSWORD="$password" "$tmp/veza" admin create-user \
    --email root@live.test --username root --role admin >/dev/null
# A server API key held to 1 call/s with no burst (VEZA__SERVER_API__BURST=1): the load gets
# both answers, so veza_server_api_calls_total and veza_rate_limited_total have series.
"$tmp/veza" admin api-key create --name live_probe --scopes info --rate 1 >"$tmp/api-key.json" 2>"$tmp/api-key.err" ||
    { log "FAILED: veza admin api-key create: $(cat "$tmp/api-key.err")"; exit 1; }
api_key=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$tmp/api-key.json")

ports=()
for n in 1 2; do
    port=$(free_port)
    ports+=("$port")
    VEZA__NODE__ID="prom-live-$n" VEZA__SERVER__PORT="$port" VEZA__TRACKS__TMP_DIR="$tmp/spool-$n" \
        "$tmp/veza" serve >"$tmp/node-$n.log" 2>&1 &
    pids+=($!)
done
node1="http://127.0.0.1:${ports[0]}" node2="http://127.0.0.1:${ports[1]}"
wait_http "$node1/ready" "node 1" 60
wait_http "$node2/ready" "node 2" 60
# Fan-out needs both brokers' links up before the chat starts.
for node in "$node1" "$node2"; do
    for _ in $(seq 100); do
        curl -sf "$node/health" | grep -q '"amqp":"ok"' && break
        sleep 0.1
    done
    curl -sf "$node/health" | grep -q '"amqp":"ok"' || { log "FAILED: $node has no RabbitMQ link: $(curl -s "$node/health")"; exit 1; }
done
log "nodes up at $node1 and $node2 ($(elapsed))"

pport=$(free_port)
prom="http://127.0.0.1:$pport"
"$py" deploy/prometheus/live.py config --template deploy/prometheus/prometheus.yml \
    --rules-dir deploy/prometheus/rules --targets-file "$tmp/targets.json" \
    --nodes "127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}" --out "$tmp/prometheus.yml"
"$prometheus" --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/prometheus" \
    --web.listen-address="127.0.0.1:$pport" --log.level=warn >"$tmp/prometheus.log" 2>&1 &
pids+=($!)
wait_http "$prom/-/ready" "prometheus" 30
log "prometheus $("$prometheus" --version 2>&1 | head -1 | awk '{print $3}') up at $prom ($(elapsed))"

"$py" deploy/prometheus/live.py wait-scraped --prometheus "$prom" --nodes "127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}"
log "both nodes scraped twice ($(elapsed))"
"$py" deploy/prometheus/live.py load --node1 "$node1" --node2 "$node2" \
    --admin root --admin-password "$password" --api-key "$api_key" --audio tests/fixtures/audio
load_end=$(date +%s.%N)
log "load done ($(elapsed))"

"$py" deploy/prometheus/live.py check --prometheus "$prom" --nodes "$node1,$node2" \
    --rules-dir deploy/prometheus/rules --dashboard deploy/grafana/veza.json --since "$load_end" \
    --save-dir "$target/prometheus-live"
