#!/usr/bin/env bash
# Mutation testing (issue 18 point 12): PIT 1.30 with its JUnit 5 plugin over revoke-kernel, revoke-core and
# revoke-history. revoke-kernel and revoke-core classes are mutated from revoke-testing (PIT's crossModule), where
# most of the core's tests live since Sim and TestDriver moved there; revoke-core's own test classes
# run there too (revoke-testing's pom adds them). revoke-history's classes are mutated with its own
# tests. Left out: the child-JVM, PostgreSQL and Lincheck Guard model-checking tests (minutes per
# mutant; the parent pom lists them). Not in CI: the whole run takes about 20 minutes on an idle
# 2-core machine, much more under load. Reports: revoke-testing/target/pit-reports (revoke-core's
# classes) and revoke-history/target/pit-reports, index.html and mutations.xml; the summary lines,
# per module and per package, are printed at the end. The latest figures are in docs/testing.md.
#   scripts/mutation.sh                  both modules, every class
#   scripts/mutation.sh 'GLOB[,GLOB]'    revoke-core's classes matching the globs only, e.g.
#                                        'io.revokefs.core.Guard,io.revokefs.core.VmCloseStep*'
#   scripts/mutation.sh --history 'GLOB[,GLOB]'   revoke-history's classes matching the globs only
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --history ]; then
  modules=(revoke-history)
  # pit.target applies to the whole reactor: revoke-testing then finds nothing to mutate, and goes on.
  mvn -B -ntp -pl revoke-history -am test-compile org.pitest:pitest-maven:1.30.2:mutationCoverage \
    "-Dpit.target=$2" -DfailWhenNoMutations=false | grep -E 'Generated|Killed|Test strength|Line Coverage|BUILD|ERROR' || true
elif [ $# -gt 0 ]; then
  modules=(revoke-testing)
  mvn -B -ntp -pl revoke-testing -am test-compile org.pitest:pitest-maven:1.30.2:mutationCoverage \
    "-Dpit.target=$1" | grep -E 'Generated|Killed|Test strength|Line Coverage|BUILD|ERROR' || true
else
  modules=(revoke-testing revoke-history)
  # The reactor of revoke-history is revoke-core, revoke-testing and revoke-history: PIT is skipped
  # in revoke-core (pit.skip) and runs in the other two, after test-compile.
  mvn -B -ntp -pl revoke-history -am test-compile org.pitest:pitest-maven:1.30.2:mutationCoverage \
    | grep -E 'Generated|Killed|Test strength|Line Coverage|BUILD|ERROR' || true
fi
for m in "${modules[@]}"; do
  python3 - "$m/target/pit-reports/mutations.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
def line(name, ms):
    by = {}
    for mu in ms:
        by[mu.get('status')] = by.get(mu.get('status'), 0) + 1
    total = sum(by.values())
    killed = by.get('KILLED', 0) + by.get('TIMED_OUT', 0) + by.get('MEMORY_ERROR', 0)
    covered = total - by.get('NO_COVERAGE', 0)
    print(f"{name}: {total} mutants, {killed} killed ({100*killed/max(total,1):.0f}%), "
          f"{by.get('NO_COVERAGE',0)} with no covering test, {100*killed/max(covered,1):.0f}% of the covered killed; {by}")
mutations = list(root.iter('mutation'))
line(sys.argv[1], mutations)
packages = {}
for mu in mutations:
    packages.setdefault(mu.findtext('mutatedClass').rsplit('.', 1)[0], []).append(mu)
for p in sorted(packages):
    line('  ' + p, packages[p])
for mu in mutations:
    if mu.get('status') in ('SURVIVED', 'NO_COVERAGE'):
        print('   ', mu.get('status'), mu.findtext('mutatedClass').rsplit('.', 1)[1] + '.' + mu.findtext('mutatedMethod'),
              'line', mu.findtext('lineNumber') + ':', mu.findtext('description'))
PY
done
