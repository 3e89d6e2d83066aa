#!/usr/bin/env bash
# Install what building and running the image needs (podman, runc, debootstrap and the
# Debian archive keyring it verifies bookworm with, also on Ubuntu) from the distribution's
# packages when missing. Idempotent; needs root and apt-get.
# Prints the containers.conf to export as CONTAINERS_CONF.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
packages=(podman runc debootstrap debian-archive-keyring uidmap fuse-overlayfs)

missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup.sh: need root to install ${missing[*]}" >&2
        exit 2
    fi
    echo "setup.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

echo "$here/containers.conf"
