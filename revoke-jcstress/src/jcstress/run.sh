#!/usr/bin/env bash
# Runs this module's jcstress tests in quick mode (called by `mvn verify`: run.sh JAVA TARGET_DIR).
# Passes only when every test passed (no forbidden outcome, no error) AND the planted control,
# PlainDekkerControl, showed its interesting outcome: a run that cannot see a store-load reordering
# on this machine says nothing about the guard. The full output is in TARGET_DIR/jcstress.log, the
# HTML report in TARGET_DIR/jcstress-results/.
set -uo pipefail
java=$1
target=$2
log="$target/jcstress.log"

echo "jcstress: GuardDekkerTest and its control PlainDekkerControl, quick mode (about 1.5 minutes)"
rm -rf "$target/jcstress-results"
# From the target directory: jcstress writes its raw results (jcstress-results-*.bin.gz) to the
# working directory.
(cd "$target" && "$java" -jar jcstress.jar -m quick -r jcstress-results -t 'io\.revokefs\.jcstress\.') >"$log" 2>&1
rc=$?
# The summary: everything from RUN RESULTS on.
sed -n '/^RUN RESULTS:/,$p' "$log"

fail() {
  echo "jcstress: FAILED: $*" >&2
  exit 1
}
[ "$rc" -eq 0 ] || fail "jcstress exited with $rc (see $log)"
grep -q '^RUN RESULTS:' "$log" || fail "no RUN RESULTS in $log"
grep -q 'Failed tests: No matches' "$log" || fail "a test saw a forbidden outcome (see $log)"
grep -q 'Error tests: No matches' "$log" || fail "a test ended in error (see $log)"
interesting=$(sed -n '/^RUN RESULTS:/,/Failed tests:/p' "$log" | sed -n '/Interesting tests:/,/Failed tests:/p')
grep -q '\[OK\] io.revokefs.jcstress.PlainDekkerControl' <<<"$interesting" \
  || fail "the planted plain-field Dekker pair never showed both sides missing each other: the run could not have caught a broken guard"
[ -f "$target/jcstress-results/io.revokefs.jcstress.GuardDekkerTest.html" ] || fail "GuardDekkerTest did not run"
grep -o 'Results: [0-9]* planned[^)]*' "$log" | tail -1
echo "jcstress: passed; the control's reordering was observed"
