#!/bin/bash
# run-tests.sh - run Check programs (and tests/*/*.test.sh suites), print a
# summary, exit non-zero if any failed.
#
#   BUILD=build scripts/run-tests.sh [--all] build/tests/check_x ...
#
# --all          also run the shell suites tests/*/*.test.sh (make test)
# JF_TEST_JOBS   programs run at once (default 2)
# JF_TEST_FILTER only programs whose name matches this regex
# JF_VALGRIND=1  run each program under valgrind (CK_FORK=no is set by make)
set -u
BUILD=${BUILD:-build}
LOGS=$BUILD/test-logs
mkdir -p "$LOGS"
export JF_BIN_DIR=${JF_BIN_DIR:-$(cd "$BUILD/bin" 2>/dev/null && pwd)}
export JF_SRC_DIR=$(pwd)

all=0
if [ "${1:-}" = "--all" ]; then
	all=1
	shift
fi
progs=("$@")
if [ $all = 1 ]; then
	for s in tests/*/*.test.sh; do
		[ -e "$s" ] && progs+=("$s")
	done
fi
if [ -n "${JF_TEST_FILTER:-}" ]; then
	sel=()
	for p in "${progs[@]}"; do
		[[ $(basename "$p") =~ $JF_TEST_FILTER ]] && sel+=("$p")
	done
	progs=("${sel[@]}")
fi

run_one() {
	local p=$1 name log rc start
	name=$(basename "$p")
	log=$LOGS/$name.log
	start=$(date +%s)
	if [[ $p == *.test.sh ]]; then
		timeout 900 bash "$p" >"$log" 2>&1
	elif [ "${JF_VALGRIND:-0}" = 1 ]; then
		# the property test's 3,000 random flows take ~20 min under
		# valgrind; 300 walk the same code
		JF_PROP_ITERS=${JF_PROP_ITERS:-300} \
		timeout 1800 valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite \
			--suppressions=scripts/valgrind.supp "$p" >"$log" 2>&1
	else
		timeout 900 "$p" >"$log" 2>&1
	fi
	rc=$?
	summary=$(grep -E '^[0-9]+%: Checks:' "$log" | tail -1)
	[ -z "$summary" ] && summary=$(grep -E '^(PASS|FAIL|SKIP)' "$log" | tail -1)
	printf '%-4s %-34s %4ss  %s\n' "$([ $rc = 0 ] && echo ok || echo FAIL)" \
		"$name" "$(($(date +%s) - start))" "$summary"
	if [ $rc != 0 ]; then
		echo "---- $log (last 60 lines) ----"
		tail -60 "$log"
		echo "----"
		return 1
	fi
}
export -f run_one
export LOGS

printf '%s\n' "${progs[@]}" |
	xargs -P "${JF_TEST_JOBS:-2}" -I{} bash -c 'run_one "$@"' _ {}
rc=$?
[ $rc = 0 ] && echo "all tests passed" || echo "SOME TESTS FAILED"
exit $rc
