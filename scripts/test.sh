#!/usr/bin/env bash
# The README's test command (npm test): type check, unit tests, then the e2e suite on SQLite,
# on PostgreSQL, and once more on both with a non-UTC time zone. Any failure fails the run.
# PostgreSQL: VIGIL_TEST_POSTGRES_URL names a server to use (CI starts one); without it a
# throw-away cluster is started here and stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_dir=""
cleanup() { if [ -n "$pg_dir" ]; then bash scripts/postgres.sh stop "$pg_dir"; fi; }
trap cleanup EXIT

echo "== type check"
npm run --silent typecheck
echo "== unit tests"
npm run --silent test:unit
echo "== e2e on SQLite"
DATABASE_URL=sqlite:per-test npm run --silent test:e2e

pg_url=${VIGIL_TEST_POSTGRES_URL:-}
if [ -z "$pg_url" ]; then
  pg_dir=$(mktemp -d /tmp/vigil-pg.XXXXXX)
  pg_url=$(bash scripts/postgres.sh start "$pg_dir" "${VIGIL_TEST_POSTGRES_PORT:-54339}")
fi
echo "== e2e on PostgreSQL"
DATABASE_URL=$pg_url npm run --silent test:e2e
echo "== e2e with TZ=Asia/Kolkata (UTC+05:30) on SQLite and PostgreSQL"
TZ=Asia/Kolkata DATABASE_URL=sqlite:per-test npm run --silent test:e2e
TZ=Asia/Kolkata DATABASE_URL=$pg_url npm run --silent test:e2e
echo "== all test suites passed"
