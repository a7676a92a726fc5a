#!/usr/bin/env bash
# `make e2e` (part of `make test`): the web client end to end in Debian's Chromium. Builds web/
# (scripts/web.sh), starts one `veza serve` from the built debug binary (VEZA_BIN to use
# another) on a fresh database with real Redis and RabbitMQ (its own key prefix and exchange)
# and the client from web/dist, creates an admin and a moderator with the CLI, then runs the
# Playwright suite (web/e2e) against it: several users in several browser contexts at once.
# Screenshots and traces land in web/test-results/. Everything started here is stopped on
# exit; the database and the Redis keys are removed. Arguments go to `playwright test` (a spec,
# --grep). E2E_QUICK=1 (while developing, several at once): the client is bundled without the
# type check and budget into a private directory, and the test output goes to a private one too.
set -euo pipefail
cd "$(dirname "$0")/.."
start_s=$(date +%s)
target=${CARGO_TARGET_DIR:-target}
bin=${VEZA_BIN:-$target/debug/veza}
pg=${VEZA_TEST_PG:-postgres://postgres@127.0.0.1:5432}
redis=${VEZA_TEST_REDIS:-redis://127.0.0.1:6379}
amqp=${VEZA_TEST_AMQP:-amqp://guest:guest@127.0.0.1:5672/%2f}
run_id="e2e_$$_$RANDOM"
db="veza_$run_id"
prefix="veza-$run_id:"
password="e2e-password-1"
log() { echo "e2e: $*"; }

[[ -x "$bin" ]] || { log "FAILED: $bin is not built (cargo build --bin veza)"; exit 1; }
# shellcheck source=scripts/debian-package.sh disable=SC1091
source scripts/debian-package.sh
chromium=$(debian_package chromium chromium)
[[ -n "$chromium" ]] || { log "FAILED: no chromium (apt-get install chromium did not provide /usr/bin/chromium)"; exit 1; }
tmp=$(mktemp -d /tmp/veza-e2e.XXXXXX)
if [[ ${E2E_QUICK:-0} == 1 ]]; then
    out_dir=${E2E_OUTPUT:-$(mktemp -d /tmp/veza-e2e-out.XXXXXX)}
else
    out_dir=${E2E_OUTPUT:-$PWD/web/test-results}
fi
node_pid=""
cleanup() {
    local status=$?
    [[ -n "$node_pid" ]] && { kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; }
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    redis-cli -u "$redis" --scan --pattern "$prefix*" 2>/dev/null | xargs -r redis-cli -u "$redis" del >/dev/null 2>&1 || true
    if [[ $status -ne 0 && -s "$tmp/node.log" ]]; then
        mkdir -p "$out_dir"
        cp "$tmp/node.log" "$out_dir/node.log"
        echo "--- last lines of the node's log (all of it in $out_dir/node.log)"
        tail -n 20 "$tmp/node.log"
    fi
    rm -rf "$tmp"
    log "$([[ $status -eq 0 ]] && echo passed || echo FAILED) in $(( $(date +%s) - start_s )) s (output: $out_dir)"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ ${E2E_QUICK:-0} == 1 ]]; then
    web_dir="$tmp/dist"
    (cd web && npx vite build --outDir "$web_dir" --emptyOutDir --logLevel error)
else
    web_dir="$PWD/web/dist"
    bash scripts/web.sh build
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
# One copy of the binary with the config built into it (VEZA_CONFIG_DIR names no directory):
# a rebuild or a config edit while this runs changes nothing here.
cp "$bin" "$tmp/veza"
mkdir -p "$tmp/blobs" "$tmp/search" "$tmp/spool"
psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null
# The development mailer writes magic links to the log (veza::infra::mail at info): the suite
# reads them there, as a developer would.
export VEZA_CONFIG_DIR="$tmp/embedded-config" VEZA_ENV=test VEZA__DATABASE__URL="$pg/$db" \
    VEZA__LOG__LEVEL="warn,veza::infra::mail=info" VEZA__LOG__FORMAT=json \
    VEZA__SERVER__PORT="$port" VEZA__SERVER__WORKERS=2 VEZA__WEB__DIR="$web_dir" \
    VEZA__AUTH__PUBLIC_URL="$url" VEZA__AUTH__REDIRECT_ALLOWLIST="$url/auth/oauth" \
    VEZA__REDIS__URL="$redis" VEZA__REDIS__KEY_PREFIX="$prefix" \
    VEZA__AMQP__URL="$amqp" VEZA__AMQP__EXCHANGE="veza.$run_id" \
    VEZA__RATE_LIMIT__ENABLED=false VEZA__AUTH__LOGIN_IP_PER_MINUTE=100000 \
    VEZA__CHAT__SEND_PER_MINUTE=100000 VEZA__CHAT__SEND_BURST=10000 \
    VEZA__TRACKS__STORAGE_URL="file://$tmp/blobs" VEZA__TRACKS__TMP_DIR="$tmp/spool" VEZA__SEARCH__DIR="$tmp/search"
for who in admin:admin moderator:mod; do
    VEZA_ADMIN_PASSWORD="$password" "$tmp/veza" admin create-user \
        --email "${who#*:}@e2e.test" --username "e2e_${who#*:}" --role "${who%%:*}" >/dev/null
done
"$tmp/veza" serve >"$tmp/node.log" 2>&1 &
node_pid=$!
deadline=$(( $(date +%s) + 60 ))
until curl -sf -o /dev/null "$url/ready"; do
    (( $(date +%s) < deadline )) || { log "FAILED: the node did not answer $url/ready within 60 s"; exit 1; }
    sleep 0.1
done
log "node up at $url with the web client ($(( $(date +%s) - start_s )) s)"

cd web
VEZA_URL="$url" CHROMIUM="$chromium" E2E_OUTPUT="$out_dir" E2E_NODE_LOG="$tmp/node.log" E2E_PASSWORD="$password" \
    E2E_ADMIN=e2e_admin E2E_MODERATOR=e2e_mod E2E_AUDIO_DIR="$PWD/../tests/fixtures/audio" \
    npx playwright test "$@"
