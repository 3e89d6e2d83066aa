#!/usr/bin/env bash
# Build a local Debian bookworm base image with Python 3.11 (+ venv), because base images
# cannot be pulled here. Like python:*-slim it has no curl, so the Dockerfile takes the
# same path on it as on the default base. The image is tagged with a key derived from
# this script, so reruns with an unchanged recipe reuse it (podman's store is the cache).
# Prints the image reference to pass as BASE_IMAGE. Needs root, podman and debootstrap
# (scripts/container/setup.sh installs them).
set -euo pipefail

suite=bookworm
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
include=python3,python3-venv,ca-certificates
repo=localhost/workspace-mcp-base

key="$(cat "$0" | sha256sum | cut -c1-16)"
image="$repo:$suite-$key"

if podman image exists "$image"; then
    echo "$image"
    exit 0
fi

workdir="$(mktemp -d /var/tmp/workspace-mcp-base.XXXXXX)"
trap 'rm -rf "$workdir"' EXIT
rootfs="$workdir/rootfs"

echo "build-base.sh: debootstrap $suite into $rootfs (takes a few minutes)" >&2
# Verify the archive with Debian's keyring explicitly (on Ubuntu it is not the default).
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
debootstrap --variant=minbase --keyring="$keyring" --include="$include" \
    "$suite" "$rootfs" "$mirror" >&2

# Keep the base small: package lists, caches and docs are not needed at run time.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/usr/share/doc/* \
    "$rootfs"/usr/share/man/* "$rootfs"/var/log/*.log
cat > "$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror $suite main
deb $mirror $suite-updates main
SOURCES

tar -C "$rootfs" --numeric-owner -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    - "$image" >&2
# Earlier recipes' bases are dead weight now (still-used layers stay: rmi refuses those).
podman images --format '{{.Repository}}:{{.Tag}}' --filter "reference=$repo" | grep -vxF "$image" |
    xargs -r podman rmi >/dev/null 2>&1 || true
echo "$image"
