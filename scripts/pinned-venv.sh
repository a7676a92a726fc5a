# shellcheck shell=bash
# Sourced by the scripts that run a pinned Python tool (contract/run.sh, clients/python/run.sh):
# `pinned_venv DIR REQUIREMENTS` makes DIR a venv holding exactly REQUIREMENTS, once (again
# only when the requirements change).
pinned_venv() {
    local venv=$1 requirements=$2
    if [[ ! -x "$venv/bin/python" ]] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
        echo "installing $requirements into $venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
        cp "$requirements" "$venv/requirements.txt"
    fi
}
