#!/usr/bin/env bash
# Runs every test of revokefs on a fresh machine: installs what the tests need, then `mvn verify`.
# Needs a JDK 17+ and Maven; everything else comes from Maven Central (PostgreSQL included).
set -euo pipefail
cd "$(dirname "$0")/.."

# The report's browser test opens the HTML report in headless Chromium (Debian's chromium package).
# Install it when it is missing and we may; under CI=true the test fails without it.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test.sh: installing chromium for the report's browser test" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # fonts-liberation is only recommended, but without a font the screenshot has no text.
  apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
fi

exec mvn -B -ntp verify "$@"
