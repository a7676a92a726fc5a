#!/usr/bin/env bash
# `make contract`: schemathesis (pinned, in a venv made here) against a real node, once with a
# user's token and once with an admin's, every check on, the stateful phase included, from the
# committed configuration (contract/schemathesis.toml). The node runs on its own fresh database
# with rate limits off and long-lived tokens, so the run measures the contract, not the limits.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
venv="$target/contract-venv"
pg=${VEZA_TEST_PG:-postgres://postgres@127.0.0.1:5432}
db="veza_contract_$$"
port=${CONTRACT_PORT:-18$(( RANDOM % 900 + 100 ))}
base="http://127.0.0.1:$port"
password="contract-password-1"

source scripts/pinned-venv.sh
pinned_venv "$venv" contract/requirements.txt
cargo build -q --bin veza

node_pid=""
files=$(mktemp -d /tmp/veza-contract-files.XXXXXX)
cleanup() {
    [[ -n "$node_pid" ]] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$files"
}
trap cleanup EXIT
psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null

export VEZA_ENV=test VEZA__DATABASE__URL="$pg/$db" VEZA__SERVER__PORT="$port" \
    VEZA__RATE_LIMIT__ENABLED=false VEZA__JWT__ACCESS_TTL_SECS=86400 VEZA__LOG__LEVEL=${CONTRACT_LOG:-error} \
    VEZA__CHAT__SEND_PER_MINUTE=100000000 VEZA__CHAT__SEND_BURST=1000000 \
    VEZA__TRACKS__STORAGE_URL="file://$files/blobs" VEZA__TRACKS__TMP_DIR="$files/spool"
VEZA_ADMIN_PASSWORD="$password" "$target/debug/veza" admin create-user \
    --email root@contract.test --username root --role admin >/dev/null
"$target/debug/veza" serve >"$target/contract-node.log" 2>&1 &
node_pid=$!
for _ in $(seq 100); do curl -sf "$base/ready" >/dev/null && break; sleep 0.1; done
curl -sf "$base/ready" >/dev/null || { echo "contract: the node did not become ready"; cat "$target/contract-node.log"; exit 1; }

token() { # login -> access token
    curl -sf "$base/api/v1/auth/login" -H 'content-type: application/json' \
        -d "{\"login\":\"$1\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
curl -sf "$base/api/v1/auth/register" -H 'content-type: application/json' \
    -d "{\"email\":\"ana@contract.test\",\"username\":\"ana\",\"password\":\"$password\"}" >/dev/null
"$venv/bin/python" contract/check_patterns.py "$base/api/v1/openapi.json"
# A category to list under: generated category_ids name none, so without it no listing is
# ever created and the stateful phase never reaches a listing's lifecycle or its offers.
export CONTRACT_CATEGORY
CONTRACT_CATEGORY=$(curl -sf "$base/api/v1/admin/categories" -H "authorization: Bearer $(token root)" \
    -H 'content-type: application/json' -d '{"name":"Contract instruments"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
status=0
for who in ana root; do
    echo "contract: schemathesis as $who"
    PYTHONPATH=contract CONTRACT_TOKEN=$(token "$who") "$venv/bin/st" --config-file contract/schemathesis.toml run \
        "$base/api/v1/openapi.json" --url "$base" ${CONTRACT_ARGS:-} || status=1
done
exit $status
