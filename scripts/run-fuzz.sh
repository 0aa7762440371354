#!/bin/bash
# run-fuzz.sh - run each libFuzzer target for FUZZ_SECONDS on its checked-in
# corpus (tests/fuzz/corpus/<target>/); print execs and findings.
set -u
secs=${FUZZ_SECONDS:-20}
rc=0
for f in "$@"; do
	name=$(basename "$f")
	seed=tests/fuzz/corpus/${name#fuzz_}
	work=build/fuzz/corpus/${name#fuzz_}
	mkdir -p "$work" "$seed"
	log=build/fuzz/$name.log
	"$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build/fuzz/"$name"- "$work" "$seed" >"$log" 2>&1
	r=$?
	execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" |
		grep -oE '[0-9]+$')
	[ -z "$execs" ] && execs=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')
	if [ $r = 0 ]; then
		echo "ok   $name ${secs}s execs=$execs"
	else
		echo "FAIL $name (see $log)"; tail -40 "$log"; rc=1
	fi
done
exit $rc
