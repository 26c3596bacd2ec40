#!/usr/bin/env bash
# Starts the local PostgreSQL and MariaDB the server tests use, when they are installed
# but not running. Development and CI machines start them at boot; this is the fallback.
# Never fails: the tests themselves decide (CI=true makes a missing server a failure).
set -u

if command -v pg_ctlcluster >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  for v in /etc/postgresql/*; do
    [[ -d "$v" ]] && pg_ctlcluster --skip-systemctl-redirect "$(basename "$v")" main start || true
  done
fi

if command -v mariadbd >/dev/null && ! mysqladmin -uroot -h127.0.0.1 ping >/dev/null 2>&1; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  for _ in $(seq 1 30); do
    mysqladmin -uroot -h127.0.0.1 ping >/dev/null 2>&1 && break
    sleep 1
  done
fi
exit 0
