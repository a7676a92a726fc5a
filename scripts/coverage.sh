#!/usr/bin/env bash
# make coverage: line coverage of the whole suite (`cargo test --workspace`, real services) with
# cargo-tarpaulin, per crate. Not in CI: an instrumented build and run take about half an hour
# here. tarpaulin's llvm engine reads the raw profiles itself (llvm-tools cannot be installed
# here; the profiler runtime ships with the standard library). Output: target/coverage/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${CARGO_TARGET_DIR:-target}/coverage
command -v cargo-tarpaulin >/dev/null || cargo install cargo-tarpaulin --locked
scripts/services.sh all
mkdir -p "$out"
# Tests run as in `make test`; the slowest (a chaos scenario) waits well under 10 minutes.
cargo tarpaulin --workspace --engine llvm --skip-clean --target-dir "${CARGO_TARGET_DIR:-target}/tarpaulin" \
    --timeout 600 --out Json --output-dir "$out" --exclude-files 'loadtests/*' 'tests/*' 'fuzz/*' \
    -- --test-threads "${TEST_THREADS:-2}" 2>&1 | tee "$out/run.log" | grep -E '^(test result|\|\||[0-9.]+% coverage)' || true
python3 scripts/coverage_summary.py "$out/tarpaulin-report.json" | tee "$out/summary.md"
