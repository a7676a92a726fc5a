#!/usr/bin/env bash
# An S3-speaking server for the tests of the s3:// blob store: moto's server mode, pinned in a
# venv made here (scripts/s3-requirements.txt), on 127.0.0.1:${VEZA_TEST_S3_PORT:-5055}.
# Idempotent: a server already answering is left alone. Every test makes its own bucket.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${VEZA_TEST_S3_PORT:-5055}
target=${CARGO_TARGET_DIR:-target}
venv="$target/s3-venv"

if curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1; then
  exit 0
fi
if [[ ! -x "$venv/bin/moto_server" ]] || ! cmp -s scripts/s3-requirements.txt "$venv/requirements.txt"; then
  echo "s3: installing moto's server into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r scripts/s3-requirements.txt
  cp scripts/s3-requirements.txt "$venv/requirements.txt"
fi
mkdir -p "$target"
nohup "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$target/s3-server.log" 2>&1 &
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && exit 0
  sleep 0.1
done
echo "s3: moto did not answer on :$port (see $target/s3-server.log)" >&2
exit 1
