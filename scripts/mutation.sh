#!/usr/bin/env bash
# Mutation testing (issue 18 point 12): PIT 1.30 with its JUnit 5 plugin over revoke-core and
# revoke-history, each module's classes mutated and its own tests run against every mutant (the
# child-JVM, PostgreSQL and Lincheck model-checking tests are left out: minutes per mutant). Not in CI: it takes long
# (about 20 minutes on an idle 2-core machine, much more under load). Reports:
# MODULE/target/pit-reports/index.html and mutations.xml; the summary lines are printed at the end.
# The latest figures and what survives are in docs/testing.md.
#   scripts/mutation.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# The reactor of revoke-history is revoke-core and revoke-history: PIT runs in each, after test-compile.
mvn -B -ntp -pl revoke-history -am test-compile org.pitest:pitest-maven:1.30.2:mutationCoverage \
  | grep -E 'Generated|Killed|Test strength|Line Coverage|BUILD|ERROR' || true
for m in revoke-core revoke-history; do
  python3 - "$m/target/pit-reports/mutations.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
by = {}
for mu in root.iter('mutation'):
    by[mu.get('status')] = by.get(mu.get('status'), 0) + 1
total = sum(by.values())
killed = by.get('KILLED', 0) + by.get('TIMED_OUT', 0) + by.get('MEMORY_ERROR', 0)
covered = total - by.get('NO_COVERAGE', 0)
print(f"{sys.argv[1]}: {total} mutants, {killed} killed ({100*killed/max(total,1):.0f}%), "
      f"{by.get('NO_COVERAGE',0)} with no covering test, {100*killed/max(covered,1):.0f}% of the covered killed; {by}")
PY
done
