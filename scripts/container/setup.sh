#!/usr/bin/env bash
# Install what building and running the image needs from the distribution's packages when
# missing: podman, an OCI runtime (runc), debootstrap and the Debian archive keyring it
# verifies bookworm with (also on Ubuntu). Tools already present are kept as they are
# (e.g. a runc that came with containerd). Idempotent; needs root and apt-get.
# Prints the containers.conf to export as CONTAINERS_CONF.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"

missing=()
# podman with the helpers it was tested with here (overlay storage, id maps).
command -v podman >/dev/null || missing+=(podman uidmap fuse-overlayfs)
for tool in runc debootstrap; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
[[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] || missing+=(debian-archive-keyring)

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
