#!/usr/bin/env bash
# Runs every test of revokefs on a fresh machine: installs what the tests need, then `mvn verify`.
# Needs a JDK 17+ and Maven; everything else comes from Maven Central (PostgreSQL included).
set -euo pipefail
cd "$(dirname "$0")/.."

# The report's browser test opens the HTML report in headless Chromium (Debian's chromium package).
# Install it when it is missing and we may. When that cannot be done (not root, no apt, no package
# registry), say so and tell the test why: it then skips with that reason instead of failing, so the
# rest of the suite still runs. Under CI=true a missing Chromium that nobody tried to install fails it.
if [ ! -x /usr/bin/chromium ]; then
  why=""
  if [ "$(id -u)" -ne 0 ]; then
    why="not root"
  elif ! command -v apt-get >/dev/null 2>&1; then
    why="no apt-get"
  else
    echo "test.sh: installing chromium for the report's browser test" >&2
    export DEBIAN_FRONTEND=noninteractive
    # fonts-liberation is only recommended, but without a font the screenshot has no text.
    if ! { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; }; then
      why="apt-get install chromium fonts-liberation failed"
    fi
  fi
  if [ -n "$why" ] && [ ! -x /usr/bin/chromium ]; then
    echo "test.sh: WARNING: chromium is not installed ($why); the report's browser test will be skipped" >&2
    export REVOKEFS_CHROMIUM_UNAVAILABLE="$why"
  fi
fi

exec mvn -B -ntp verify "$@"
