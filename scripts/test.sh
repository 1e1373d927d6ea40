#!/usr/bin/env bash
# Runs every test of revokefs on a fresh machine: installs what the tests need, then `mvn verify`.
# Needs a JDK 17+ and Maven; everything else comes from Maven Central (PostgreSQL included).
set -euo pipefail
cd "$(dirname "$0")/.."
exec mvn -B -ntp verify "$@"
