#!/usr/bin/env bash
# Builds the web client (web/ -> web/dist) for `make run`, `make web` and `make e2e`: checks
# Node.js (Vite needs >= 20.19), installs the locked packages when package-lock.json changed
# since the last install, then `npm run build` (type check, bundle, size budget).
set -euo pipefail
cd "$(dirname "$0")/../web"

need_major=20 need_minor=19
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "web: Node.js >= ${need_major}.${need_minor} with npm is needed to build the web client (none found)." >&2
    echo "web: install it (nodejs.org, nvm, or your distribution's nodejs >= ${need_major}.${need_minor}) and run again." >&2
    exit 1
fi
version=$(node -p 'process.versions.node')
IFS=. read -r major minor _ <<<"$version"
if (( major < need_major || (major == need_major && minor < need_minor) )); then
    echo "web: Node.js $version is too old: Vite needs >= ${need_major}.${need_minor} (or >= 22.12)." >&2
    echo "web: install a newer Node (nodejs.org or nvm) and run again." >&2
    exit 1
fi

# npm ci only when the lock file differs from what was installed (it wipes node_modules).
stamp=node_modules/.veza-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" >"$stamp"
fi
if [[ ${1:-build} == install ]]; then exit 0; fi
npm run --silent build
