#!/usr/bin/env bash
# Builds the API reference of the library an adapter uses (revoke-kernel, revoke-core, revoke-scenario and the
# cdev adapter, the worked example of docs/adapters.md) with the JDK's javadoc, offline, into
# target/apidocs/ (open target/apidocs/index.html). Needs SLF4J's API jar in ~/.m2 (any build of
# this repository puts it there).
set -euo pipefail
cd "$(dirname "$0")/.."
slf4j=$(find "${HOME}/.m2/repository/org/slf4j/slf4j-api" -name 'slf4j-api-*.jar' ! -name '*sources*' | sort | tail -1)
if [ -z "$slf4j" ]; then
  echo "javadoc.sh: slf4j-api is not in ~/.m2; build once with mvn first" >&2
  exit 2
fi
exec javadoc -quiet -d target/apidocs -cp "$slf4j" -Xdoclint:all,-missing \
  -sourcepath revoke-kernel/src/main/java:revoke-core/src/main/java:revoke-scenario/src/main/java:cdev-adapter/src/main/java \
  -subpackages io.revokefs.kernel:io.revokefs.core:io.revokefs.scenario:io.revokefs.cdev
