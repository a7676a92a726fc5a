#!/usr/bin/env bash
# The server API from a third-party client (part of `make test`): grpcio, grpcio-tools and
# grpcio-status, pinned in a venv made here, generate Python stubs from the repository's .proto
# and call every operation of a real node (own database, gRPC on, Redis and RabbitMQ as
# configured for tests) — the proof that the contract is usable outside Rust.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}
venv="$target/grpc-python-venv"
pg=${VEZA_TEST_PG:-postgres://postgres@127.0.0.1:5432}
db="veza_pyclient_$$"
port=${PYCLIENT_PORT:-19$(( RANDOM % 900 + 100 ))}
grpc_port=$(( port + 1000 ))
node_id="pyclient-$$"

source scripts/pinned-venv.sh
pinned_venv "$venv" clients/python/requirements.txt
cargo build -q --bin veza

node_pid=""
work=$(mktemp -d /tmp/veza-pyclient.XXXXXX)
cleanup() {
    [[ -n "$node_pid" ]] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null

# Stubs from the .proto, as any Python project would make them.
mkdir -p "$work/stubs"
"$venv/bin/python" -m grpc_tools.protoc -Iproto --python_out="$work/stubs" --grpc_python_out="$work/stubs" \
    proto/veza/server/v1/server.proto

export VEZA_ENV=test VEZA__DATABASE__URL="$pg/$db" VEZA__SERVER__PORT="$port" VEZA__NODE__ID="$node_id" \
    VEZA__GRPC__ENABLED=true VEZA__GRPC__PORT="$grpc_port" VEZA__RATE_LIMIT__ENABLED=false \
    VEZA__LOG__LEVEL=${PYCLIENT_LOG:-error} \
    VEZA__TRACKS__STORAGE_URL="file://$work/blobs" VEZA__TRACKS__TMP_DIR="$work/spool" VEZA__SEARCH__DIR="$work/search"
key() { "$target/debug/veza" admin api-key create --name "$1" --scopes "$2" 2>/dev/null \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'; }
API_KEY=$(key py_bot publish,publish_as,push,presence,history,subscribe,disconnect,info,watch)
READER_KEY=$(key py_reader history)
"$target/debug/veza" serve >"$target/pyclient-node.log" 2>&1 &
node_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/ready" >/dev/null || { echo "python client: the node did not start"; cat "$target/pyclient-node.log"; exit 1; }

STUBS="$work/stubs" BASE="http://127.0.0.1:$port" GRPC="127.0.0.1:$grpc_port" NODE_ID="$node_id" \
    API_KEY="$API_KEY" READER_KEY="$READER_KEY" "$venv/bin/python" clients/python/test_server_api.py
