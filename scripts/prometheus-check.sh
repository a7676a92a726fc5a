#!/usr/bin/env bash
# `make prometheus-check` (lint): the Prometheus config, rules and their unit tests with promtool
# (Debian's prometheus package, installed when missing), and the Grafana dashboard's JSON: it
# parses, every panel and target queries the `${datasource}` variable, no expression pads with
# vector(0). Fails when promtool cannot be had: a check that did not run is not a pass.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s%N)
dir=deploy/prometheus
dashboard=deploy/grafana/veza.json

# shellcheck source=scripts/debian-package.sh disable=SC1091
source scripts/debian-package.sh
promtool=$(debian_package prometheus promtool)
if [[ -z "$promtool" ]]; then
    echo "prometheus-check: FAILED: promtool not found and 'apt-get install prometheus' did not provide it" >&2
    exit 1
fi
echo "prometheus-check: $("$promtool" --version 2>&1 | head -1)"

status=0
run() { # label, command...
    local label=$1; shift
    local out
    if out=$("$@" 2>&1); then
        echo "prometheus-check: ok: $label"
    else
        echo "prometheus-check: FAILED: $label"; echo "    ${out//$'\n'/$'\n'    }"; status=1
    fi
}
run "promtool check config $dir/prometheus.yml" "$promtool" check config "$dir/prometheus.yml"
run "promtool check rules $dir/rules/*.yml" "$promtool" check rules "$dir"/rules/*.yml
run "promtool test rules $dir/tests/*.yml" "$promtool" test rules "$dir"/tests/*.yml
# shellcheck disable=SC2317 # called through run
no_vector0() { # an empty answer must stay empty: no `or vector(0)` outside comments
    ! grep -nE 'vector[[:space:]]*\([[:space:]]*0[[:space:]]*\)' "$@" | grep -vE '^[^:]+:[0-9]+:[[:space:]]*#'
}
run "no vector(0) padding in rules or dashboard" no_vector0 "$dir"/rules/*.yml "$dashboard"
run "$dashboard: JSON, datasource variable on every panel and target" python3 - "$dashboard" <<'EOF'
import json, sys
path = sys.argv[1]
model = json.load(open(path))
errors = []
names = [v.get("name") for v in model.get("templating", {}).get("list", [])]
ds = [v for v in model["templating"]["list"] if v.get("name") == "datasource"]
if not ds or ds[0].get("type") != "datasource" or ds[0].get("query") != "prometheus":
    errors.append("no template variable `datasource` of type datasource (prometheus)")
if "instance" not in names:
    errors.append("no template variable `instance`")
def walk(panels):
    for p in panels:
        yield p
        yield from walk(p.get("panels", []))
count = 0
for p in walk(model.get("panels", [])):
    if p.get("type") == "row":
        continue
    count += 1
    title = p.get("title", f"panel {p.get('id')}")
    if (p.get("datasource") or {}).get("uid") != "${datasource}":
        errors.append(f"{title!r}: datasource is {p.get('datasource')!r}, not ${{datasource}}")
    if not p.get("targets"):
        errors.append(f"{title!r}: no targets")
    for t in p.get("targets", []):
        if (t.get("datasource") or {}).get("uid") not in (None, "${datasource}"):
            errors.append(f"{title!r} target {t.get('refId')}: datasource {t.get('datasource')!r}")
        if not (t.get("expr") or "").strip():
            errors.append(f"{title!r} target {t.get('refId')}: empty expr")
if count == 0:
    errors.append("no panels")
if errors:
    sys.exit("\n".join(errors))
print(f"{count} panels")
EOF
ms=$(( ($(date +%s%N) - start) / 1000000 ))
printf 'prometheus-check: %s in %d.%01d s\n' "$([[ $status -eq 0 ]] && echo passed || echo FAILED)" $((ms / 1000)) $((ms % 1000 / 100))
exit $status
