#!/usr/bin/env bash
# The memory figures of docs/testing.md (issue 18 point 9): revokefs audit and replay of a
# 2,000,000-event log, each in a child JVM with -Xmx64m, report in -Xmx512m, and an
# out-of-memory's exit code. Runs
# revokefs-cli's BigLogCommandsTest with the issue's size (the suite runs it smaller) and prints
# one "memory:" line per child: heap, command, events, log size, exit code, wall time, and the most
# heap in use after any GC (the live set: what the command really needs).
#   scripts/memory.sh [EVENTS] [HEAP] [REPORT_HEAP]     defaults: 2000000 -Xmx64m -Xmx512m
set -euo pipefail
cd "$(dirname "$0")/.."
events="${1:-2000000}"
heap="${2:--Xmx64m}"
report_heap="${3:--Xmx512m}"
mvn -B -ntp -q -pl revokefs-cli -am verify -Dtest=BigLogCommandsTest -Dsurefire.failIfNoSpecifiedTests=false \
  -DargLine="-Drevokefs.bigLog.events=$events -Drevokefs.bigLog.heap=$heap -Drevokefs.bigLog.reportHeap=$report_heap"
grep -h '^memory:' revokefs-cli/target/surefire-reports/io.revokefs.cli.BigLogCommandsTest-output.txt
