#!/bin/bash
# chaos.sh - make chaos: tests/chaos/chaos.py with 1,000 mixed flows while
# workers and leaders are SIGKILLed and kubesim injects faults (see the
# script's header). CHAOS_RUNS=3 runs it three times in a row (all must
# pass); CHAOS_FLOWS changes the number of flows.
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
runs=${CHAOS_RUNS:-1}
for i in $(seq 1 "$runs"); do
	echo "chaos: run $i/$runs"
	python3 tests/chaos/chaos.py --flows "${CHAOS_FLOWS:-1000}" \
		--timeout "${CHAOS_TIMEOUT:-900}" "$@" || exit 1
done
