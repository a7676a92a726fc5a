#!/usr/bin/env bash
# Automatic moderation's cost on the realtime path: `make bench`'s fan-out and persistence burst
# (bench/ab.sh, ABBA) on one release build, without rules ("old") and with a realistic rule set
# ("new": 50 banned words, 10 patterns and a mention rule that the load never trips, so every
# message is judged in full and delivered). No flood rule: any realistic one trips at the rates
# these scenarios send (one user sends up to ~1,100 messages/s).
#   bench/automod.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-$PWD/target/release/veza}
words=$(python3 -c 'import json; print(json.dumps([f"banned{i:02d}" for i in range(50)]))')
patterns='["https?://\\S+", "discord\\.gg/\\w+", "[!?]{5,}", "\\b\\d{3}[-. ]?\\d{3}[-. ]?\\d{4}\\b", "free\\s+(nitro|money|crypto)", "t\\.me/\\w+", "\\bviagra\\b", "[A-Z]{20,}", "bit\\.ly/\\w+", "\\bonlyfans\\b"]'
rules=$(python3 - "$words" "$patterns" <<'PY'
import json, sys
words, patterns = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps([
    {"name": "words", "match": "words", "words": words, "action": "block"},
    {"name": "patterns", "match": "regex", "patterns": patterns, "action": "flag"},
    {"name": "pings", "match": "mentions", "max_mentions": 10, "action": "timeout"},
]))
PY
)
export OUT=$PWD/bench/results/automod
export OLD_SETUP="\"$BIN\" admin settings set automod.rules '[]' >/dev/null"
export NEW_SETUP="\"$BIN\" admin settings set automod.rules '$rules' >/dev/null"
bash bench/ab.sh "$BIN" "$BIN" "${1:-2}"
