#!/usr/bin/env bash
# Makes sure the PostgreSQL server the tests use is up. Tests take it from HMS_TEST_POSTGRES_URL
# (default postgres@127.0.0.1:5432, trust auth). If a local Debian cluster exists but is stopped,
# start it; otherwise say how the PostgreSQL half of the suite will behave.
set -uo pipefail

if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  exit 0
fi
if command -v pg_lsclusters >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  for version in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  done
  for _ in $(seq 1 20); do
    pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && exit 0
    sleep 0.5
  done
fi
if [ -n "${HMS_TEST_POSTGRES_URL:-}" ]; then
  exit 0  # a server elsewhere; the tests will tell if it cannot be reached
fi
echo "ensure-postgres: no PostgreSQL at 127.0.0.1:5432; the PostgreSQL tests will be skipped" \
     "(set HMS_TEST_POSTGRES_URL to use another server)." >&2
exit 0
