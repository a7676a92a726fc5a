#!/usr/bin/env bash
# `make k8s-check`: the Kubernetes manifests of deploy/k8s checked by a real validator, no cluster.
# A pinned venv (deploy/k8s/requirements.txt: kubernetes-validate, jsonpatch, PyYAML) under
# ${CARGO_TARGET_DIR:-target}/k8s-venv, then deploy/k8s/k8s_check.py: base and every overlay
# rendered (the overlays' RFC 6902 patches applied by the script itself, no kustomize needed),
# the semantic checks, then every rendered manifest through `kubernetes-validate --strict` for
# each version of K8S_VERSIONS (default 1.31 and 1.37, the newest the pinned release knows).
# Exits non-zero on an invalid manifest, a patch that does not apply or names no resource, or a
# missing tool: nothing is skipped. K8S_CHECK_OUT=DIR keeps the rendered manifests there.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s%N)
target=${CARGO_TARGET_DIR:-target}
venv="$target/k8s-venv"
requirements=deploy/k8s/requirements.txt

fail() { echo "k8s-check: FAILED: $*" >&2; exit 1; }
command -v python3 >/dev/null || fail "python3 is not installed (apt-get install -y python3 python3-venv)"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || fail "python3 >= 3.11 needed (tomllib), found $(python3 --version 2>&1)"

mkdir -p "$target"
# shellcheck disable=SC1091 # a sourced helper (pinned_venv), linted on its own
source scripts/pinned-venv.sh
# Not inside a condition: errexit must stop at a failed install (pinned_venv would otherwise
# record the requirements as installed).
pinned_venv "$venv" "$requirements"
validator="$venv/bin/kubernetes-validate"
if ! version=$("$validator" --version 2>&1); then
    rm -f "$venv/requirements.txt" # reinstall next time
    fail "kubernetes-validate does not run from $venv ($version)"
fi
echo "k8s-check: kubernetes-validate $version ($venv)"

args=(--validator "$validator" --kube-versions "${K8S_VERSIONS:-1.31,1.37}")
[[ -n "${K8S_CHECK_OUT:-}" ]] && args+=(--out "$K8S_CHECK_OUT")
status=0
"$venv/bin/python" deploy/k8s/k8s_check.py "${args[@]}" || status=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
printf 'k8s-check: %s, %d.%01d s wall time\n' "$( ((status == 0)) && echo passed || echo FAILED)" \
    $((ms / 1000)) $((ms % 1000 / 100))
exit $status
