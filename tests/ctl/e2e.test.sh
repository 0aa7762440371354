#!/bin/bash
# e2e.test.sh - jobflowctl with the real controller: kubesim (Volcano
# simulator on) and jobflowd run the examples; `watch` follows them to the
# end with the right exit status, `get` shows the retried attempts, and
# `retry` re-runs a failed step once per request.
set -u
. "$(dirname "$0")/lib.sh"
cd "$SRC" || exit 1

if [ ! -x "$BIN/jobflowd" ]; then
	echo "FAIL: $BIN/jobflowd not built"
	exit 1
fi
start_kubesim --sim-pending 100ms --sim-duration 1s
"$CTL" apply -f deploy/crds/flow.volcano.sh_jobflows.yaml \
	-f deploy/crds/flow.volcano.sh_jobtemplates.yaml \
	-f tests/data/volcano/batch.volcano.sh_jobs.yaml \
	-f tests/data/bus.volcano.sh_commands.yaml >"$TMP/apply.log" 2>&1 || {
	cat "$TMP/apply.log"
	exit 1
}
"$BIN/jobflowd" --kubeconfig "$KUBECONFIG" --run-dir "$TMP/run" \
	--http-listen 127.0.0.1:0 --workers 2 --leader-elect=false \
	2>"$TMP/jobflowd.log" &
JF_PID=$!
stop_jobflowd() {
	kill -TERM "$JF_PID" 2>/dev/null
	wait "$JF_PID" 2>/dev/null
	cleanup
}
trap stop_jobflowd EXIT

"$CTL" apply -f examples/03-retry-backoff.yaml -f examples/08-cleanup.yaml \
	-f examples/09-invalid.yaml >>"$TMP/apply.log" 2>&1
expect_rc "apply the examples" 0 $?

# watch to the end: 0 for Succeed, 1 for Failed
timeout 60 "$CTL" watch retry-backoff >"$TMP/w1.txt" 2>&1
expect_rc "watch retry-backoff" 0 $?
check "watch: the last tree is Succeed" \
	test "$(grep '^Status: ' "$TMP/w1.txt" | tail -1)" = "Status:    Succeed"
check "watch: printed more than one tree" \
	test "$(grep -c '^Name: ' "$TMP/w1.txt")" -ge 2
"$CTL" get retry-backoff >"$TMP/get.txt"
check "get: three attempts of download" grep -qE \
	'^ \|-\+ download +flaky-download +Succeeded +3 .* retry-backoff-download-r2' \
	"$TMP/get.txt"
check "get: the two failed attempts as children" test \
	"$(grep -cE '^ \| (\||`)-x #[01] +Failed ' "$TMP/get.txt")" = 2
timeout 60 "$CTL" watch cleanup-after-failure >"$TMP/w2.txt" 2>&1
expect_rc "watch cleanup-after-failure" 1 $?
timeout 60 "$CTL" watch invalid-cycle >"$TMP/w3.txt" 2>&1
expect_rc "watch an invalid flow" 1 $?
check "get: an invalid flow's steps say why" grep -q \
	'cycle: a -> c -> b -> a' "$TMP/w3.txt"

# retry: once per request; the retried step runs as attempt r1
"$CTL" retry cleanup-after-failure >"$TMP/r.txt" 2>&1
expect_rc "retry" 0 $?
id=$(sed -n "s/^retry '\([^']*\)' requested.*/\1/p" "$TMP/r.txt")
check "retry: an id" test -n "$id"
for _ in $(seq 100); do
	"$CTL" get cleanup-after-failure -o json >"$TMP/f.json"
	pyjson "$TMP/f.json" "o['status'].get('retry', {}).get('observedId') == '$id' and o['status']['state']['phase'] == 'Failed'" && break
	sleep 0.2
done
check "retry: the controller saw it and the flow failed again" pyjson \
	"$TMP/f.json" "o['status']['retry']['observedId'] == '$id' and o['status']['state']['phase'] == 'Failed'"
check "retry: train ran again as attempt r1, cleanup did not" pyjson \
	"$TMP/f.json" "[(s['name'], s.get('attempts', 0)) for s in o['status']['stepStatuses']] == [('train', 2), ('report', 0), ('cleanup', 1)]"
"$CTL" get cleanup-after-failure >"$TMP/get2.txt"
check "get: the handled retry" grep -qx "Retry:     $id: retried train" \
	"$TMP/get2.txt"
check "get: the first attempt is a child" grep -qE \
	'^ \| `-x #0 +Failed .* cleanup-after-failure-train$' "$TMP/get2.txt"

finish
