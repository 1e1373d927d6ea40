#!/usr/bin/env bash
# Mutation testing (issue 18 point 12): PIT 1.30.2 with pitest-junit5-plugin 1.2.3 mutates revoke-kernel,
# revoke-core and revoke-history, and runs the whole suite against each mutant: the tests of every module
# (kernel and core, revoke-testing, the adapters, revoke-scenario, revoke-conformance, revoke-history,
# revoke-explore, revokefs-cli), from the host module revoke-mutation (its pom says how), but those the
# parent pom leaves out because they take minutes per mutant or cannot see a mutant (docs/testing.md,
# "Mutation testing"). Not in CI: the whole run takes hours on a shared 2-core machine. The report is
# revoke-mutation/target/pit-reports (index.html, mutations.xml); the figures per module, package and
# class, and every surviving or uncovered mutant, are printed at the end. docs/testing.md has the latest.
#   scripts/mutation.sh                          every class of the three modules
#   scripts/mutation.sh 'GLOB[,GLOB]'            the classes matching the globs only, e.g.
#                                                'io.revokefs.core.Guard*,io.revokefs.kernel.Mm*'
#   scripts/mutation.sh --threads 2 [GLOBS]      two minions (default 1; more only on a quiet machine)
#   scripts/mutation.sh --tests 'GLOB[,GLOB]' [GLOBS]  only the test classes matching the globs (targetTests), e.g.
#                                                to see which survivors of a whole run a new test kills (a
#                                                figure of such a run is not the whole suite's)
#   scripts/mutation.sh --summary [FILE...]      print the figures of a report again (default: the last run's);
#                                                with several reports of disjoint runs, their sum (a mutant
#                                                found in two of them is refused)
#   scripts/mutation.sh --summary FILE... --with-kills NARROW...
#                                                the sum, where a mutant not killed there but killed in a
#                                                NARROW report (a run with --tests, of the same classes
#                                                unchanged, with tests added since) counts as killed
# Each run's mutations.xml is also kept as revoke-mutation/target/pit-runs/COMMIT-TIME.xml, so that a
# whole figure can be summed from runs over disjoint sets of classes at one commit.
# Extra Maven options go in MVN_OPTS_EXTRA, e.g. MVN_OPTS_EXTRA=-o for an offline build.
set -euo pipefail
cd "$(dirname "$0")/.."
report=revoke-mutation/target/pit-reports/mutations.xml

threads=1
tests=
summary_only=
while [ $# -gt 0 ]; do
  case "$1" in
    --threads)
      [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "mutation.sh: --threads needs a positive number, got '${2:-}'" >&2; exit 2; }
      threads=$2; shift 2 ;;
    --tests)
      [ -n "${2:-}" ] || { echo "mutation.sh: --tests needs a glob of test classes" >&2; exit 2; }
      tests=$2; shift 2 ;;
    --summary)
      summary_only=1; shift; break ;;
    -*) echo "mutation.sh: unknown option '$1' (--threads N, --tests GLOB, --summary [FILE...])" >&2; exit 2 ;;
    *) break ;;
  esac
done

if [ -z "$summary_only" ]; then
  target=(); [ $# -gt 0 ] && target=("-Dpit.target=$1")
  [ -n "$tests" ] && target+=("-Dpit.targetTests=$tests")
  rm -f "$report"
  start=$(date +%s)
  commit=$(git rev-parse --short HEAD) # the commit the run builds; the kept report is named after it
  echo "mutation.sh: commit $commit$(git diff --quiet HEAD -- . || echo ' (with uncommitted changes)'), threads $threads, target ${1:-every class}, tests ${tests:-the whole suite}, started $(date '+%F %H:%M')"
  # -am builds (to test-compile) every module whose tests run; PIT runs in revoke-mutation only (pit.skip
  # is true elsewhere).
  # shellcheck disable=SC2086
  mvn -B -ntp ${MVN_OPTS_EXTRA:-} -pl revoke-mutation -am test-compile org.pitest:pitest-maven:1.30.2:mutationCoverage \
    "-Dpit.threads=$threads" "${target[@]}" | grep -E 'Generated [0-9]+ mutations|Test strength|Ran [0-9]+ tests|Calculated coverage|BUILD|ERROR' || true
  echo "mutation.sh: took $(( ($(date +%s) - start) / 60 )) min"
fi
if [ -n "$summary_only" ]; then
  reports=("$@"); [ ${#reports[@]} -eq 0 ] && reports=("$report")
  [ "${reports[0]}" = --with-kills ] && reports=("$report" "${reports[@]}")
else
  [ -f "$report" ] || { echo "mutation.sh: no report at $report (the run failed; see Maven's output above)" >&2; exit 1; }
  mkdir -p revoke-mutation/target/pit-runs
  kept=revoke-mutation/target/pit-runs/$commit-$(date +%Y%m%d-%H%M%S).xml
  cp "$report" "$kept"; echo "mutation.sh: report kept as $kept"
  reports=("$report")
fi
for r in "${reports[@]}"; do
  [ "$r" = --with-kills ] || [ -f "$r" ] || { echo "mutation.sh: no report at $r" >&2; exit 2; }
done

python3 - "${reports[@]}" <<'PY'
import sys, xml.etree.ElementTree as ET
args = sys.argv[1:]
narrow = args[args.index('--with-kills') + 1:] if '--with-kills' in args else []
whole = args[:args.index('--with-kills')] if '--with-kills' in args else args
if '--with-kills' in args and not narrow:
    sys.exit("mutation.sh: --with-kills needs at least one report")
KILLED = ('KILLED', 'TIMED_OUT', 'MEMORY_ERROR')  # a timeout or an out-of-memory is the test seeing the mutant
def load(path):
    try:
        return ET.parse(path).getroot()
    except ET.ParseError as e:
        sys.exit(f"mutation.sh: {path} is not a PIT mutations.xml: {e}")
def key_of(mu):
    return tuple(mu.findtext(k) or '' for k in ('mutatedClass', 'mutatedMethod', 'methodDescription', 'lineNumber', 'mutator', 'description')) \
        + (','.join(i.text or '' for i in mu.iter('index')),)
mutations, seen = [], {}
for path in whole:
    for mu in load(path).iter('mutation'):
        key = key_of(mu)
        if key in seen:
            sys.exit(f"mutation.sh: {path} and {seen[key]} both have the mutant {key[0]}.{key[1]} line {key[3]} ({key[5]}): "
                     "sum only runs over disjoint sets of classes")
        seen[key] = path
        mutations.append(mu)
if len(whole) > 1:
    print('sum of', len(whole), 'reports:', ', '.join(whole))
if narrow:
    killed_later = set()
    for path in narrow:
        for mu in load(path).iter('mutation'):
            if mu.get('status') in KILLED:
                killed_later.add(key_of(mu))
    upgraded = 0
    for mu in mutations:
        if mu.get('status') not in KILLED and key_of(mu) in killed_later:
            mu.set('status', 'KILLED')
            upgraded += 1
    print(f"with the kills of {', '.join(narrow)}: {upgraded} mutants not killed in the sum are killed there")
def module(package):
    return ('revoke-kernel' if package.startswith('io.revokefs.kernel') else
            'revoke-history' if package.startswith('io.revokefs.history') else 'revoke-core')
def line(name, ms):
    by = {}
    for mu in ms:
        by[mu.get('status')] = by.get(mu.get('status'), 0) + 1
    total = len(ms)
    killed = sum(by.get(s, 0) for s in KILLED)
    none = by.get('NO_COVERAGE', 0)
    print(f"{name}: {total} mutants, {killed} killed ({100 * killed / max(total, 1):.0f}%), {none} with no covering test, "
          f"{100 * killed / max(total - none, 1):.0f}% of the covered killed; "
          + ', '.join(f"{s} {n}" for s, n in sorted(by.items())))
def group(key):
    out = {}
    for mu in mutations:
        out.setdefault(key(mu), []).append(mu)
    return out
cls = lambda mu: mu.findtext('mutatedClass').split('$')[0]
pkg = lambda mu: cls(mu).rsplit('.', 1)[0]
line('all', mutations)
for m, ms in sorted(group(lambda mu: module(pkg(mu))).items()):
    line(m, ms)
for p, ms in sorted(group(pkg).items()):
    line('  ' + p, ms)
for c, ms in sorted(group(cls).items()):
    line('    ' + c.rsplit('.', 1)[1], ms)
print('not killed:')
for mu in mutations:
    if mu.get('status') not in KILLED:
        print('   ', mu.get('status'), mu.findtext('mutatedClass').rsplit('.', 1)[1] + '.' + mu.findtext('mutatedMethod'),
              'line', mu.findtext('lineNumber') + ':', mu.findtext('description'))
PY
