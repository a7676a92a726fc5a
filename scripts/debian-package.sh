# shellcheck shell=bash
# Sourced by scripts that need a tool from Debian's packages: `debian_package PACKAGE COMMAND`
# installs PACKAGE when COMMAND is missing (as root, or through sudo), then prints COMMAND's
# path; it prints nothing when it is still missing, and the caller fails saying so.
debian_package() {
    local package=$1 command=$2 sudo=()
    if ! command -v "$command" >/dev/null && [[ ! -x "/usr/bin/$command" ]]; then
        echo "installing Debian's $package package (for $command)" >&2
        [[ $(id -u) -eq 0 ]] || sudo=(sudo)
        # A package may try to start its service; whether it does is no matter here.
        "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$package" >/dev/null 2>&1 ||
            { "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 &&
              "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$package" >/dev/null 2>&1; } || true
    fi
    if command -v "$command"; then return; fi
    if [[ -x "/usr/bin/$command" ]]; then echo "/usr/bin/$command"; fi
}
