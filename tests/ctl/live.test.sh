#!/bin/bash
# live.test.sh - jobflowctl against a live API (kubesim, Volcano simulator
# off): get (tree, -o json|yaml), list, graph NAME, retry and watch, on the
# examples' flows with statuses written by the test, compared with golden
# files in tests/ctl/golden/ (times relative to each flow's creation).
set -u
. "$(dirname "$0")/lib.sh"

if ! command -v kubectl >/dev/null 2>&1; then
	echo "SKIP: kubectl not found"
	exit 0
fi
start_kubesim --no-volcano-sim
apply_crds
for f in "$EX"/*.yaml; do
	kubectl apply -f "$f" >>"$TMP/apply.log" 2>&1 || {
		echo "FAIL: cannot apply $f"
		cat "$TMP/apply.log"
		exit 1
	}
done
for s in retry-backoff foreach-shards cleanup-after-failure switch-gpus \
	invalid-cycle; do
	set_status "$s" "$SRC/tests/ctl/data/live/$s.status.yaml" ||
		fail "cannot write the status of $s"
done

# get NAME: the tree, one minute after the flow was created
for f in test retry-backoff foreach-shards cleanup-after-failure \
	switch-gpus invalid-cycle; do
	t0=$(created "$f")
	JF_CTL_NOW=$(rfc3339_of $((t0 + 60))) "$CTL" get "$f" \
		>"$TMP/get-$f.txt" 2>&1
	expect_rc "get $f" 0 $?
	relative_times "$t0" "$TMP/get-$f.txt"
	golden "get-$f.txt" "$TMP/get-$f.txt"
done

# on a terminal: Unicode symbols and tree, colours unless --no-color or
# NO_COLOR (script(1) gives the command a pseudo-terminal)
tty_get() {
	script -qec "$*" /dev/null | tr -d '\r'
}
tty_get "$CTL" get retry-backoff >"$TMP/tty.txt"
check "tty: Unicode symbols and tree" grep -q '├─.*↻.* download ' "$TMP/tty.txt"
check "tty: failed attempt symbol" grep -q '│ └─.*✖.* #0' "$TMP/tty.txt"
check "tty: phase colours" grep -q $'\e\[33mBackoff\e\[0m' "$TMP/tty.txt"
tty_get "$CTL" get retry-backoff --no-color >"$TMP/tty.txt"
check "tty --no-color: symbols, no colours" \
	bash -c "grep -q '↻' '$TMP/tty.txt' && ! grep -q $'\e' '$TMP/tty.txt'"
tty_get env NO_COLOR=1 "$CTL" get retry-backoff >"$TMP/tty.txt"
check "tty NO_COLOR: no colours" bash -c "! grep -q $'\e' '$TMP/tty.txt'"
tty_get "$CTL" --no-color list >"$TMP/tty.txt"
check "tty list --no-color" grep -qE '^retry-backoff +Running ' "$TMP/tty.txt"
check "not a tty: ASCII only" bash -c \
	"! LC_ALL=C grep -q '[^ -~]' '$TMP/get-retry-backoff.txt'"

# get -o json|yaml print the object as stored
"$CTL" get switch-gpus -o json >"$TMP/o.json"
expect_rc "get -o json" 0 $?
check "get -o json is the object" pyjson "$TMP/o.json" \
	'o["kind"] == "JobFlow" and o["status"]["stepStatuses"][1]["selectedCase"] == 1'
"$CTL" get switch-gpus -o yaml >"$TMP/o.yaml"
expect_rc "get -o yaml" 0 $?
kubectl get jobflow switch-gpus -o json >"$TMP/kubectl.json"
# the YAML reads back (through kubectl's own decoder) as the same object
kubectl create --dry-run=client -f "$TMP/o.yaml" -o json \
	>"$TMP/o-back.json" 2>"$TMP/dry.err"
check "get -o yaml reads back as the object" python3 -c '
import json, sys
def norm(p):
    o = json.load(open(p))
    o["metadata"].pop("managedFields", None)
    o["metadata"].get("annotations", {}).pop(
        "kubectl.kubernetes.io/last-applied-configuration", None)
    return o
sys.exit(norm(sys.argv[1]) != norm(sys.argv[2]))' "$TMP/kubectl.json" "$TMP/o-back.json"

# get errors
"$CTL" get nope >"$TMP/out" 2>"$TMP/err"
expect_rc "get missing flow" 1 $?
check "get missing flow: message" \
	grep -qx "jobflowctl: cannot get flow 'default/nope': not found" "$TMP/err"
"$CTL" get >"$TMP/out" 2>"$TMP/err"
expect_rc "get without a name" 2 $?
"$CTL" get test -o table >"$TMP/out" 2>"$TMP/err"
expect_rc "get -o table" 2 $?
check "get -o table: message" \
	grep -q "unknown output format 'table' (json, yaml)" "$TMP/err"

# list: one hour after the last flow was created (ages "1h0m")
last=0
for f in $(kubectl get jobflows -o jsonpath='{.items[*].metadata.name}'); do
	t=$(created "$f")
	[ "$t" -gt "$last" ] && last=$t
done
JF_CTL_NOW=$(rfc3339_of $((last + 3600))) "$CTL" list >"$TMP/list.txt"
expect_rc "list" 0 $?
golden list.txt "$TMP/list.txt"
kubectl apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Namespace
metadata: {name: team-b}
EOF
kubectl apply -f - >/dev/null <<'EOF'
apiVersion: flow.volcano.sh/v1alpha1
kind: JobFlow
metadata: {name: switch-gpus, namespace: team-b}
spec: {flows: [{name: a}]}
EOF
JF_CTL_NOW=$(rfc3339_of $((last + 3600))) "$CTL" list -A >"$TMP/list-all.txt"
expect_rc "list -A" 0 $?
check "list -A has a NAMESPACE column" \
	grep -qE '^NAMESPACE +NAME +STATUS +STEPS +AGE$' "$TMP/list-all.txt"
check "list -A shows team-b" grep -qE '^team-b +switch-gpus ' "$TMP/list-all.txt"
check "list -A shows default" grep -qE '^default +test +<none> +0/5 ' "$TMP/list-all.txt"
"$CTL" -n team-b list >"$TMP/list-b.txt"
check "list -n team-b shows only team-b" \
	test "$(grep -c . "$TMP/list-b.txt")" = 2
"$CTL" list -n empty-ns >"$TMP/out" 2>"$TMP/err"
expect_rc "list in an empty namespace" 0 $?
check "list in an empty namespace: message" \
	grep -qx "No flows found in empty-ns namespace." "$TMP/err"

# graph NAME: nodes coloured by phase
"$CTL" graph cleanup-after-failure >"$TMP/graph-live.mmd"
expect_rc "graph NAME" 0 $?
golden graph-live-cleanup.mmd "$TMP/graph-live.mmd"
"$CTL" graph cleanup-after-failure --format dot >"$TMP/graph-live.dot"
expect_rc "graph NAME --format dot" 0 $?
golden graph-live-cleanup.dot "$TMP/graph-live.dot"
"$CTL" graph switch-gpus >"$TMP/graph-live-switch.mmd"
check "graph NAME marks the selected case" \
	grep -q 'case 1: params.gpus #gt;= 2 → train-medium (selected)' \
	"$TMP/graph-live-switch.mmd"

# retry: refused unless Failed, then sets the annotation
"$CTL" retry retry-backoff >"$TMP/out" 2>"$TMP/err"
expect_rc "retry a Running flow" 1 $?
check "retry a Running flow: message" grep -qx \
	"jobflowctl: cannot retry flow 'default/retry-backoff': the flow is Running; only a Failed flow can be retried" \
	"$TMP/err"
"$CTL" retry test >"$TMP/out" 2>"$TMP/err"
expect_rc "retry a flow without status" 1 $?
check "retry a flow without status: message" grep -q \
	"the flow is not started yet; only a Failed flow can be retried" "$TMP/err"
"$CTL" retry invalid-cycle >"$TMP/out" 2>"$TMP/err"
expect_rc "retry an invalid flow" 1 $?
check "retry an invalid flow: message" grep -q \
	"cannot retry flow 'default/invalid-cycle': the flow is invalid (step 'a': spec.flows\[0\].dependsOn: cycle" \
	"$TMP/err"
"$CTL" retry cleanup-after-failure --step report >"$TMP/out" 2>"$TMP/err"
expect_rc "retry an Omitted step" 1 $?
check "retry an Omitted step: message" grep -qx \
	"jobflowctl: cannot retry step 'report': the step is Omitted; only Failed steps can be retried" \
	"$TMP/err"
"$CTL" retry cleanup-after-failure --step nope >"$TMP/out" 2>"$TMP/err"
expect_rc "retry an unknown step" 1 $?
check "retry an unknown step: message" grep -qx \
	"jobflowctl: cannot retry step 'nope': flow 'default/cleanup-after-failure' has no such step" \
	"$TMP/err"
check "refused retries set no annotation" test -z \
	"$(kubectl get jobflow cleanup-after-failure -o jsonpath='{.metadata.annotations.flow\.volcano\.sh/retry}')"
"$CTL" retry nope >"$TMP/out" 2>"$TMP/err"
expect_rc "retry a missing flow" 1 $?

"$CTL" retry cleanup-after-failure >"$TMP/out" 2>"$TMP/err"
expect_rc "retry a Failed flow" 0 $?
ann=$(kubectl get jobflow cleanup-after-failure -o jsonpath='{.metadata.annotations.flow\.volcano\.sh/retry}')
id1=$(pyjson - 'print(o["id"]) or True' <<<"$ann")
check "retry: the annotation holds an id and no step list" \
	pyjson - '__import__("re").fullmatch("[0-9a-z]+-[0-9a-f]{8}", o["id"]) and "steps" not in o' \
	<<<"$ann"
check "retry: says what it asked" grep -qx \
	"retry '$id1' requested for flow 'default/cleanup-after-failure': train" \
	"$TMP/out"
"$CTL" retry cleanup-after-failure --step train >"$TMP/out" 2>"$TMP/err"
expect_rc "retry --step" 0 $?
ann=$(kubectl get jobflow cleanup-after-failure -o jsonpath='{.metadata.annotations.flow\.volcano\.sh/retry}')
id2=$(pyjson - 'print(o["id"]) or True' <<<"$ann")
check "retry --step: the steps are listed" \
	pyjson - 'o["steps"] == ["train"]' <<<"$ann"
check "every request has its own id" test "$id1" != "$id2"
t0=$(created cleanup-after-failure)
JF_CTL_NOW=$(rfc3339_of $((t0 + 60))) "$CTL" get cleanup-after-failure \
	>"$TMP/get-pending.txt"
check "get shows a pending retry request" grep -qx \
	"Retry:     $id2: requested, not yet seen by the controller" \
	"$TMP/get-pending.txt"
# what the controller records once it acted
cat >"$TMP/seen.yaml" <<EOF
status: {retry: {observedId: "$id2", steps: [train], time: "2026-01-01T00:00:00Z"}}
EOF
kubectl patch jobflow cleanup-after-failure --subresource=status \
	--type=merge --patch-file "$TMP/seen.yaml" >/dev/null
"$CTL" get cleanup-after-failure >"$TMP/get-seen.txt"
check "get shows the handled retry" grep -qx \
	"Retry:     $id2: retried train" "$TMP/get-seen.txt"

# watch: prints the tree, again only on change, exits with the outcome
watch_case() { # NAME FINAL-PHASE WANT-RC
	local name=$1 wpid rc
	kubectl apply -f - >/dev/null <<EOF
apiVersion: flow.volcano.sh/v1alpha1
kind: JobFlow
metadata: {name: $name, namespace: default}
spec: {flows: [{name: a, jobTemplate: when-step}]}
EOF
	cat >"$TMP/run.yaml" <<'EOF'
status:
  state: {phase: Running}
  stepStatuses: [{name: a, phase: Running, jobTemplate: when-step, attempts: 1, currentJob: x}]
EOF
	kubectl patch jobflow "$name" --subresource=status --type=merge \
		--patch-file "$TMP/run.yaml" >/dev/null
	"$CTL" watch "$name" >"$TMP/watch-$name.txt" 2>"$TMP/watch-$name.err" &
	wpid=$!
	for _ in $(seq 50); do
		[ -s "$TMP/watch-$name.txt" ] && break
		sleep 0.1
	done
	# a change that is not visible (a label) prints nothing new
	kubectl label jobflow "$name" touched=yes >/dev/null
	sleep 0.5
	if [ "$2" = Deleted ]; then
		kubectl delete jobflow "$name" >/dev/null
	else
		cat >"$TMP/end.yaml" <<EOF
status:
  state: {phase: $2}
  stepStatuses: [{name: a, phase: $([ "$2" = Succeed ] && echo Succeeded || echo Failed), jobTemplate: when-step, attempts: 1, currentJob: x}]
EOF
		kubectl patch jobflow "$name" --subresource=status \
			--type=merge --patch-file "$TMP/end.yaml" >/dev/null
	fi
	for _ in $(seq 100); do
		kill -0 "$wpid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$wpid" 2>/dev/null; then
		kill "$wpid"
		fail "watch $name did not end"
	fi
	wait "$wpid"
	rc=$?
	expect_rc "watch $name" "$3" "$rc"
}
watch_case w-ok Succeed 0
check "watch: two trees, the last Succeed" \
	test "$(grep -c '^Name: ' "$TMP/watch-w-ok.txt")" = 2
check "watch: the last tree is the final one" \
	test "$(grep '^Status: ' "$TMP/watch-w-ok.txt" | tail -1)" = "Status:    Succeed"
watch_case w-bad Failed 1
check "watch: Failed ends with 1" \
	test "$(grep '^Status: ' "$TMP/watch-w-bad.txt" | tail -1)" = "Status:    Failed"
watch_case w-gone Deleted 1
check "watch: a deleted flow is reported" grep -qx \
	"jobflowctl: cannot watch flow 'default/w-gone': the flow was deleted" \
	"$TMP/watch-w-gone.err"
"$CTL" watch switch-gpus >"$TMP/out"
expect_rc "watch a finished flow" 0 $?
check "watch a finished flow prints it once" \
	test "$(grep -c '^Name: ' "$TMP/out")" = 1

finish
