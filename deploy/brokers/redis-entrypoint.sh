#!/bin/sh
# As the official image does: with no configuration file, listen on every interface of the container rather
# than in protected mode (only other containers on its network reach it).
set -eu
if [ "${1:-}" = redis-server ]; then
  case "${2:-}" in
    '' | -*) set -- "$@" --protected-mode no --bind '* -::*' ;;
  esac
fi
exec "$@"
