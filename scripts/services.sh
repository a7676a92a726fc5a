#!/usr/bin/env bash
# Makes sure the services Veza uses answer on loopback: PostgreSQL 5432, Redis 6379, RabbitMQ 5672.
# For each: answering? done. Installed? start it. Missing? apt-get install it (as root), then start.
# Idempotent, and quiet when everything is already up.
#   scripts/services.sh            all three, the nginx binary (load-balancer tests) and libopus
#   scripts/services.sh postgres   only PostgreSQL and libopus (`make run`: Redis and RabbitMQ
#                                  are optional; the build links libopus)
set -euo pipefail

want="${1:-all}"
say() { echo "services: $*" >&2; }
die() { say "$*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # name seconds check-command...
  local name=$1 secs=$2; shift 2
  for _ in $(seq 1 $((secs * 4))); do
    if "$@"; then return 0; fi
    sleep 0.25
  done
  die "$name did not answer within ${secs}s"
}

apt_install() {
  [ "$(id -u)" = 0 ] || die "$* is not installed; install it (apt-get install $*) or run this as root"
  say "installing $* from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${VEZA_APT_UPDATED:-}" ]; then apt-get update -qq >/dev/null; export VEZA_APT_UPDATED=1; fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- PostgreSQL -------------------------------------------------------------------------------
pg_up() {
  if command -v pg_isready >/dev/null; then pg_isready -q -h 127.0.0.1 -p 5432; else port_open 5432; fi
}

pg_trust_loopback() { # a fresh Debian cluster asks passwords over TCP; Veza's dev URL has none
  local hba
  hba=$(find /etc/postgresql -path '*/main/pg_hba.conf' 2>/dev/null | sort -V | tail -n 1)
  [ -n "$hba" ] || return 0
  if ! grep -q "veza: trust loopback" "$hba"; then
    sed -i '1i # veza: trust loopback (development and tests)\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
}

pg_start() {
  local version
  version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
  say "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
}

ensure_postgres() {
  pg_up && return 0
  if [ -z "$(find /etc/postgresql -path '*/main' -maxdepth 2 2>/dev/null)" ]; then
    apt_install postgresql
    pg_trust_loopback
  fi
  pg_start
  wait_for PostgreSQL 60 pg_up
}

# --- Redis ------------------------------------------------------------------------------------
redis_up() {
  if command -v redis-cli >/dev/null; then [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; else port_open 6379; fi
}

ensure_redis() {
  redis_up && return 0
  command -v redis-server >/dev/null || apt_install redis-server
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  wait_for Redis 30 redis_up
}

# --- RabbitMQ ---------------------------------------------------------------------------------
rabbit_up() { port_open 5672; }

ensure_rabbitmq() {
  rabbit_up && return 0
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
  say "starting RabbitMQ"
  rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_for RabbitMQ 120 rabbit_up
}

# --- nginx (only the binary: tests start their own instances on spare ports) ------------
ensure_nginx() {
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx
}

# --- libopus (the build links it: Opus decoding for tracks) --------------------------------
ensure_libopus() {
  { pkg-config --exists opus 2>/dev/null || [ -e /usr/lib/x86_64-linux-gnu/libopus.so ]; } || apt_install libopus-dev pkg-config
}

case "$want" in
  postgres) ensure_libopus; ensure_postgres ;;
  all) ensure_libopus; ensure_postgres; ensure_redis; ensure_rabbitmq; ensure_nginx ;;
  *) die "unknown service set '$want' (all | postgres)" ;;
esac
