# What the benchmark scripts share (sourced, from the repository root, with DB set):
# section headers, background processes stopped on exit, psql on the bench database, and the
# services and release binaries every benchmark needs.
BIN=$PWD/target/release/veza LT=$PWD/target/release/veza-loadtest
export VEZA_ENV=bench VEZA__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$DB"

log() { printf '\n== %s\n' "$*"; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
psql_db() { psql -q -h 127.0.0.1 -U postgres -d "$DB" -At -c "$1"; }

# $DB dropped and migrated afresh.
fresh_db() {
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
  "$BIN" migrate >/dev/null
}

# Waits (up to 20 s) for the node on port $1 to answer /ready.
wait_ready() {
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$1/ready" >/dev/null 2>&1 && return; sleep 0.2; done
  echo "the node on :$1 did not become ready" >&2; return 1
}

# Services up, pgbench present, the node and the load tool built for release.
prepare() {
  log "services, release build"
  scripts/services.sh all
  command -v pgbench >/dev/null || apt-get install -y -qq postgresql-contrib >/dev/null
  cargo build --release -p veza --bin veza
  cargo build --release -p veza-loadtest
}
