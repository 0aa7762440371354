#!/bin/bash
# kustomize.test.sh - `kubectl apply -k deploy/` against a private kubesim
# succeeds, every object reads back as written (names, replicas, RBAC rules,
# CRD names), a second apply changes nothing, and the CRDs serve Volcano's
# examples and the new fields (short names jf/jt, no defaults in patches,
# bad values rejected).
#
# Needs kubectl (SKIP otherwise) and $JF_BIN_DIR/kubesim.
set -u
SRC=${JF_SRC_DIR:-$(pwd)}
BIN=${JF_BIN_DIR:-$SRC/build/bin}
fails=0

if ! command -v kubectl >/dev/null 2>&1; then
	echo "SKIP: kubectl not found"
	exit 0
fi
if [ ! -x "$BIN/kubesim" ]; then
	echo "FAIL: $BIN/kubesim not built"
	exit 1
fi

T=$(mktemp -d /tmp/jf-kustomize.XXXXXX)
KS_PID=
cleanup() {
	[ -n "$KS_PID" ] && kill "$KS_PID" 2>/dev/null && wait "$KS_PID" 2>/dev/null
	if [ "${JF_KEEP_TESTDIR:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

"$BIN/kubesim" --listen 127.0.0.1:0 --kubeconfig-out "$T/kubeconfig" \
	>"$T/kubesim.out" 2>"$T/kubesim.log" &
KS_PID=$!
for _ in $(seq 100); do
	[ -s "$T/kubeconfig" ] && break
	sleep 0.1
done
if [ ! -s "$T/kubeconfig" ]; then
	echo "FAIL: kubesim wrote no kubeconfig"; cat "$T/kubesim.log"; exit 1
fi

export KUBECACHEDIR=$T/cache HOME=$T
k() { kubectl --kubeconfig "$T/kubeconfig" --request-timeout=20s "$@"; }

# expect NAME WANT GOT
expect() {
	if [ "$2" == "$3" ]; then
		echo "ok   $1"
	else
		echo "FAIL $1"
		echo "     want: $2"
		echo "     got:  $3"
		fails=$((fails + 1))
	fi
}
# expect_match NAME REGEX TEXT
expect_match() {
	if [[ $3 =~ $2 ]]; then
		echo "ok   $1"
	else
		echo "FAIL $1: /$2/ not in: $3"
		fails=$((fails + 1))
	fi
}

# --- apply --------------------------------------------------------------------
out=$(k apply -k "$SRC/deploy/" 2>&1)
rc=$?
echo "$out"
expect "apply -k exit code" 0 "$rc"
expect "objects created" 12 "$(grep -c ' created$' <<<"$out")"

# Again: nothing changes. kubectl always re-sends a PodDisruptionBudget's
# selector (patchStrategy "replace" in its compiled-in types), so that one
# reports "configured" against any server.
out=$(k apply -k "$SRC/deploy/" 2>&1)
rc=$?
expect "second apply exit code" 0 "$rc"
expect "second apply: unchanged" 11 "$(grep -c ' unchanged$' <<<"$out")"
expect "second apply: only the PDB re-sent" "poddisruptionbudget.policy/jobflowd configured" \
	"$(grep -v ' unchanged$' <<<"$out")"
expect "PDB unchanged after re-send" "1 1" \
	"$(k -n jobflowd-system get pdb jobflowd -o jsonpath='{.metadata.generation} {.spec.minAvailable}')"

# --- read back -------------------------------------------------------------------
NS=jobflowd-system
expect "namespace" "$NS" "$(k get namespace $NS -o jsonpath='{.metadata.name}')"
expect "serviceaccount" jobflowd "$(k -n $NS get serviceaccount jobflowd -o jsonpath='{.metadata.name}')"
expect "deployment replicas" 2 "$(k -n $NS get deployment jobflowd -o jsonpath='{.spec.replicas}')"
expect "deployment image/sa/grace" "jobflowd:latest jobflowd 30" \
	"$(k -n $NS get deployment jobflowd -o jsonpath='{.spec.template.spec.containers[0].image} {.spec.template.spec.serviceAccountName} {.spec.template.spec.terminationGracePeriodSeconds}')"
expect "deployment probes" "/healthz /readyz http" \
	"$(k -n $NS get deployment jobflowd -o jsonpath='{.spec.template.spec.containers[0].livenessProbe.httpGet.path} {.spec.template.spec.containers[0].readinessProbe.httpGet.path} {.spec.template.spec.containers[0].readinessProbe.httpGet.port}')"
expect "pdb minAvailable" 1 "$(k -n $NS get pdb jobflowd -o jsonpath='{.spec.minAvailable}')"
expect "service port" "metrics 8080 http" \
	"$(k -n $NS get service jobflowd-metrics -o jsonpath='{.spec.ports[0].name} {.spec.ports[0].port} {.spec.ports[0].targetPort}')"
expect_match "configmap config.yaml" 'gracePeriod: 25s' \
	"$(k -n $NS get configmap jobflowd-config -o jsonpath='{.data.config\.yaml}')"

rules='{range .rules[*]}{.apiGroups}{.resources}{.resourceNames}{.verbs}{"\n"}{end}'
expect "clusterrole rules" '["flow.volcano.sh"]["jobflows"]["get","list","watch"]
["flow.volcano.sh"]["jobflows/status"]["patch"]
["flow.volcano.sh"]["jobflows/finalizers"]["update"]
["flow.volcano.sh"]["jobtemplates"]["list","watch"]
["flow.volcano.sh"]["jobtemplates/status"]["patch"]
["batch.volcano.sh"]["jobs"]["get","list","watch","create","delete"]
["bus.volcano.sh"]["commands"]["create"]
[""]["events"]["create"]' "$(k get clusterrole jobflowd -o jsonpath="$rules")"
expect "role rules" '["coordination.k8s.io"]["leases"]["create"]
["coordination.k8s.io"]["leases"]["jobflowd"]["get","update"]' \
	"$(k -n $NS get role jobflowd-leader -o jsonpath="$rules")"
binding='{.roleRef.kind}/{.roleRef.name} {.subjects[0].kind}/{.subjects[0].namespace}/{.subjects[0].name}'
expect "clusterrolebinding" "ClusterRole/jobflowd ServiceAccount/$NS/jobflowd" \
	"$(k get clusterrolebinding jobflowd -o jsonpath="$binding")"
expect "rolebinding" "Role/jobflowd-leader ServiceAccount/$NS/jobflowd" \
	"$(k -n $NS get rolebinding jobflowd-leader -o jsonpath="$binding")"

crd='{.spec.group} {.spec.names.kind} {.spec.names.plural} {.spec.names.shortNames} {.spec.scope} {.spec.versions[0].name} {.metadata.annotations.helm\.sh/resource-policy}'
expect "jobflows CRD" 'flow.volcano.sh JobFlow jobflows ["jf"] Namespaced v1alpha1 keep' \
	"$(k get crd jobflows.flow.volcano.sh -o jsonpath="$crd")"
expect "jobtemplates CRD" 'flow.volcano.sh JobTemplate jobtemplates ["jt"] Namespaced v1alpha1 keep' \
	"$(k get crd jobtemplates.flow.volcano.sh -o jsonpath="$crd")"

# --- the CRDs at work -------------------------------------------------------------
out=$(k apply -f "$SRC/tests/data/volcano/JobTemplate.yaml" -f "$SRC/tests/data/volcano/JobFlow.yaml" 2>&1)
expect "Volcano examples apply" 6 "$(grep -c ' created$' <<<"$out")"
expect "jt short name lists templates" "a b c d e" \
	"$(k -n default get jt -o jsonpath='{.items[*].metadata.name}')"
expect "JobTemplate gets upstream defaults" "3 default" \
	"$(k -n default get jt a -o jsonpath='{.spec.maxRetry} {.spec.queue}')"
expect "jf short name, flow read back" "test delete e c,d" \
	"$(k -n default get jf test -o jsonpath='{.metadata.name} {.spec.jobRetainPolicy} {.spec.flows[4].name} {.spec.flows[4].dependsOn.targets[0]},{.spec.flows[4].dependsOn.targets[1]}')"

out=$(k apply -f "$SRC/tests/data/deploy/jobflow-all-fields.yaml" 2>&1)
expect "every new field accepted" "jobflow.flow.volcano.sh/every-field created" "$out"
expect "new fields intact" '{{params.gpus}} AllDone 2 -5 shards 0.2 Always [0,1,2,3]' \
	"$(k -n default get jf every-field -o jsonpath='{.spec.flows[0].patch.jobSpec.minAvailable} {.spec.flows[1].dependsOn.policy} {.spec.flows[2].forEach.parallelism} {.spec.flows[3].forEach.range.step} {.spec.flows[4].forEach.param} {.spec.retryPolicy.backoff.jitter} {.spec.flows[0].retryPolicy.policy} {.spec.params[1].value}')"
expect "no defaults injected into patch.jobSpec" "|" \
	"$(k -n default get jf every-field -o jsonpath='{.spec.flows[0].patch.jobSpec.maxRetry}|{.spec.flows[2].patch.jobSpec.queue}')"

out=$(k apply -f "$SRC/tests/data/deploy/jobflow-patch-tolerations.yaml" 2>&1)
expect "tolerations-only patch accepted" "jobflow.flow.volcano.sh/tolerations-only created" "$out"
expect "tolerations-only patch unchanged" 'nvidia.com/gpu||' \
	"$(k -n default get jf tolerations-only -o jsonpath='{.spec.flows[0].patch.jobSpec.tasks[0].template.spec.tolerations[0].key}|{.spec.flows[0].patch.jobSpec.maxRetry}|{.spec.flows[0].patch.jobSpec.queue}')"

sed 's/name: every-field/name: bad-policy/; s/policy: OnFailure/policy: Sometimes/' \
	"$SRC/tests/data/deploy/jobflow-all-fields.yaml" >"$T/bad.yaml"
out=$(k apply -f "$T/bad.yaml" 2>&1)
rc=$?
expect "retryPolicy.policy Sometimes rejected (exit code)" 1 "$rc"
expect_match "rejection names the field" 'spec\.retryPolicy\.policy' "$out"
expect "rejected flow not stored" "" "$(k -n default get jf bad-policy --ignore-not-found -o name 2>&1)"

# status subresource: merge patches are validated against the status schema,
# and the printer columns show them (kubesim serves Table output)
out=$(k -n default patch jf every-field --subresource=status --type=merge \
	-p '{"status":{"observedGeneration":1,"state":{"phase":"Running"},"stepStatuses":[{"name":"prep","phase":"Running","attempts":1,"currentJob":"every-field-prep"}]}}' 2>&1)
expect "status merge patch" "jobflow.flow.volcano.sh/every-field patched" "$out"
expect "status read back" "Running 1 every-field-prep" \
	"$(k -n default get jf every-field -o jsonpath='{.status.state.phase} {.status.observedGeneration} {.status.stepStatuses[0].currentJob}')"
out=$(k -n default patch jf every-field --subresource=status --type=merge \
	-p '{"status":{"state":{"phase":"Succeeded"}}}' 2>&1)
rc=$?
expect "Volcano's phase spelling enforced (exit code)" 1 "$rc"
expect_match "phase rejection names the field" 'status\.state\.phase' "$out"
expect "columns" "NAME STATUS AGE" "$(k -n default get jf every-field | head -1 | tr -s ' ')"
expect "wide columns" "NAME STATUS MESSAGE AGE" "$(k -n default get jf every-field -o wide | head -1 | tr -s ' ')"
expect "Status column" "every-field Running" "$(k -n default get jf every-field --no-headers | awk '{print $1, $2}')"

if [ "$fails" -ne 0 ]; then
	echo "FAIL: $fails check(s) failed (kubesim log: $T/kubesim.log)"
	JF_KEEP_TESTDIR=1
	exit 1
fi
echo "PASS: kubectl apply -k deploy/ and read-back"
