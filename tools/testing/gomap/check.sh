#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: unit tests, again under PREEMPT_RT's rules, the thread
# tests in the stress build, then the fuzzer for FUZZ_TIME seconds.  The
# last line is "N passed, N failed" over the unit tests (a binary that dies
# before its summary counts one failure);
# the exit status is non-zero if anything failed, fuzzing included.
#   check.sh BUILD_DIR FUZZ_TIME [test args...]
set -u
o=$1 fuzz_time=$2
shift 2
passed=0 failed=0 rc=0

run_tests() {	# LOG BINARY ARGS...
	local log=$1 status
	shift
	"$@" > "$log" 2>&1
	status=$?
	grep -vE '^    #[0-9]+ 0x' "$log" | grep -vE '^BUG \(counted' | head -200
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
	if [ -n "$line" ]; then
		passed=$((passed + ${line%% *}))
		line=${line#*, }
		failed=$((failed + ${line%% *}))
	fi
	if [ "$status" != 0 ]; then
		rc=1
		[ -n "$line" ] || { failed=$((failed + 1)); echo "# $1 died: see $log"; }
	fi
}

echo "# unit tests (ASan+UBSan)"
run_tests "$o/test.log" "$o/test_gomap" "$@"
echo "# unit tests under PREEMPT_RT's rules"
run_tests "$o/rt.log" "$o/test_gomap_rt" "$@"
echo "# thread tests, stress build (lockless readers stall after loads)"
run_tests "$o/stress.log" "$o/test_gomap_stress" -t threads "$@"

echo "# fuzz: $fuzz_time s"
mkdir -p "$o/corpus" "$o/crashes"
if "$o/fuzz_gomap" -max_total_time="$fuzz_time" -timeout=20 -rss_limit_mb=4096 \
	-max_len=4096 -print_final_stats=1 -artifact_prefix="$o/crashes/" \
	"$o/corpus" corpus > "$o/fuzz.log" 2>&1; then
	grep -E '^Done |^stat::number_of_executed_units|^stat::new_units_added' "$o/fuzz.log"
	echo "# fuzz: no crash"
else
	rc=1
	grep -vE '^    #[0-9]+ 0x' "$o/fuzz.log" | grep -vE '^#[0-9]+ +(NEW|REDUCE|pulse)' | tail -40
	echo "# fuzz: FAILED (input saved in $o/crashes/)"
fi
echo "$passed passed, $failed failed"
exit $rc
