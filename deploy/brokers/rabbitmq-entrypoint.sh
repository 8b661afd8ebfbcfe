#!/bin/sh
# As the official image does: RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS become the first user's.
set -eu
if [ -n "${RABBITMQ_DEFAULT_USER:-}" ]; then
  printf 'default_user = %s\ndefault_pass = %s\nloopback_users = none\n' \
    "$RABBITMQ_DEFAULT_USER" "${RABBITMQ_DEFAULT_PASS:?set RABBITMQ_DEFAULT_PASS}" \
    >/etc/rabbitmq/conf.d/10-defaults.conf
fi
exec "$@"
