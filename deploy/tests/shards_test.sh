#!/usr/bin/env bash
# podlife-conformance honours gtest sharding (GTEST_SHARD_INDEX, GTEST_TOTAL_SHARDS), as the
# Indexed Job relies on, with no runtime but the fake:
#   shards_test.sh PATH/TO/podlife-conformance PATH/TO/ci/merge-junit
# - 3 shards of a filter each run a part, and their JUnit reports together hold every case the
#   filter selects exactly once (ci/merge-junit --expect the unsharded list); each shard's summary
#   counts its own cases only (its total row equals its report's case count);
# - a shard left with no case (more shards than cases) is no usage error: exit 0, an empty report,
#   where a filter matching nothing is (exit 2).
set -euo pipefail
suite=${1:?usage: shards_test.sh PATH/TO/podlife-conformance PATH/TO/ci/merge-junit}
merge=${2:?usage: shards_test.sh PATH/TO/podlife-conformance PATH/TO/ci/merge-junit}
tmp=$(mktemp -d /tmp/podlife-shards-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# A few fast areas: enough cases for three shards to differ, quick on a loaded machine.
filter='Http.*:Sleep.*'
unset GTEST_SHARD_INDEX GTEST_TOTAL_SHARDS

"$suite" --filter "$filter" --gtest_list_tests >"$tmp/cases.txt"
cases=$(grep -c '^  ' "$tmp/cases.txt")
[ "$cases" -ge 6 ] || fail "the filter '$filter' selects $cases cases; the test needs at least 6"

for i in 0 1 2; do
  status=0
  GTEST_TOTAL_SHARDS=3 GTEST_SHARD_INDEX=$i "$suite" --filter "$filter" --junit "$tmp/shard-$i.xml" >"$tmp/shard-$i.log" 2>&1 ||
    status=$?
  [ "$status" -eq 0 ] || { fail "shard $i exited $status"; tail -30 "$tmp/shard-$i.log" >&2; }
  in_report=$(grep -c '<testcase ' "$tmp/shard-$i.xml" || true)
  total=$(awk '$1 == "total" {print $2 + $3 + $4}' "$tmp/shard-$i.log")
  [ "$in_report" -gt 0 ] && [ "$in_report" -lt "$cases" ] || fail "shard $i reports $in_report of $cases cases, not a part"
  [ "${total:-none}" = "$in_report" ] || fail "shard $i: the summary's total is ${total:-missing}, its report has $in_report"
  echo "shard $i: $in_report cases, summary total ${total:-missing}"
done
"$merge" --expect "$tmp/cases.txt" "$tmp/merged.xml" "$tmp"/shard-{0,1,2}.xml || fail "the shards do not cover the cases exactly once"

# One case, two shards: shard 1 has nothing to run.
one=$(awk '/^[^ ]/ {suite = $1} /^  / {print suite $1; exit}' "$tmp/cases.txt")
status=0
GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=1 "$suite" --filter "$one" --junit "$tmp/empty.xml" >"$tmp/empty.log" 2>&1 || status=$?
[ "$status" -eq 0 ] || { fail "an empty shard exited $status, want 0"; cat "$tmp/empty.log" >&2; }
! grep -q 'matches no case' "$tmp/empty.log" || fail "an empty shard was taken for a filter matching no case"
[ -f "$tmp/empty.xml" ] && [ "$(grep -c '<testcase ' "$tmp/empty.xml" || true)" = 0 ] ||
  fail "an empty shard wrote no report, or one with cases"
status=0
"$suite" --filter 'NoSuchArea.*' >"$tmp/none.log" 2>&1 || status=$?
[ "$status" -eq 2 ] && grep -q 'matches no case' "$tmp/none.log" || fail "a filter matching nothing: exit $status, want 2"

[ "$failures" -eq 0 ] && echo "ok: 3 shards cover the $cases cases of '$filter' exactly once; an empty shard is no error"
