#!/bin/bash
# kubectl.test.sh - stock kubectl against kubesim: CRDs, Volcano examples,
# get/patch/wait/delete/server-side apply, a simulated Volcano Job, and
# `kubectl apply -k deploy/` once deploy/ exists. Exit 0 = pass.
set -u
if ! command -v kubectl >/dev/null 2>&1; then
	echo "SKIP: kubectl not found"
	exit 0
fi
SRC=${JF_SRC_DIR:-$(pwd)}
BIN=${JF_BIN_DIR:-$SRC/build/bin}
DATA=$SRC/tests/data
T=$(mktemp -d "${TMPDIR:-/tmp}/jfkubectl-XXXXXX")
export KUBECONFIG=$T/kubeconfig KUBECACHEDIR=$T/cache
pass=0
fail=0

"$BIN/kubesim" --listen 127.0.0.1:0 --kubeconfig-out "$KUBECONFIG" \
	--sim-pending 1s --sim-duration 2s >"$T/url" 2>"$T/kubesim.log" &
KS=$!
cleanup() {
	kill -TERM $KS 2>/dev/null
	wait $KS 2>/dev/null
	[ -n "${JF_KEEP_TESTDIR:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
for _ in $(seq 200); do
	[ -s "$KUBECONFIG" ] && break
	sleep 0.05
done

# check NAME WANT-REGEX -- command...: runs the command, expects exit 0 and
# output matching WANT-REGEX.
check() {
	local name=$1 want=$2 out rc
	shift 3
	out=$(timeout 60 "$@" 2>&1)
	rc=$?
	if [ $rc = 0 ] && grep -Eq -- "$want" <<<"$out"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $name (exit $rc): $*"
		echo "  want /$want/, got:"
		sed 's/^/  | /' <<<"$out" | head -20
	fi
}

# check_fails NAME WANT-REGEX -- command...: expects a non-zero exit.
check_fails() {
	local name=$1 want=$2 out rc
	shift 3
	out=$(timeout 60 "$@" 2>&1)
	rc=$?
	if [ $rc != 0 ] && grep -Eq -- "$want" <<<"$out"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $name (exit $rc, expected failure): $*"
		sed 's/^/  | /' <<<"$out" | head -20
	fi
}

V=$DATA/volcano
check version 'Server Version: v1\.32' -- kubectl version
check crds 'jobs.batch.volcano.sh created' -- \
	kubectl apply -f "$V/batch.volcano.sh_jobs.yaml"
check crds2 'jobflows.flow.volcano.sh created' -- \
	kubectl apply -f "$V/flow.volcano.sh_jobtemplates.yaml" \
	-f "$V/flow.volcano.sh_jobflows.yaml" \
	-f "$DATA/bus.volcano.sh_commands.yaml"
check established 'condition met' -- kubectl wait --for=condition=established \
	crd/jobflows.flow.volcano.sh --timeout=10s
check templates 'jobtemplate.flow.volcano.sh/e created' -- \
	kubectl apply -f "$V/JobTemplate.yaml"
check flow 'jobflow.flow.volcano.sh/test created' -- \
	kubectl apply -f "$V/JobFlow.yaml"
check reapply 'jobflow.flow.volcano.sh/test unchanged' -- \
	kubectl apply -f "$V/JobFlow.yaml"
check get_jf '^test +' -- kubectl get jf
check get_jt_names '^a +.*' -- kubectl get jt
check get_jt_yaml 'queue: default' -- kubectl get jobtemplates -o yaml
check defaults_visible 'maxRetry: 3' -- kubectl get jobtemplate a -o yaml
check patch_merge 'jobtemplate.flow.volcano.sh/a patched' -- \
	kubectl patch jt a --type=merge -p '{"spec":{"minAvailable":2}}'
check patched_value '^2$' -- kubectl get jt a -o 'jsonpath={.spec.minAvailable}'
check generation '^2$' -- kubectl get jt a -o 'jsonpath={.metadata.generation}'
check_fails patch_strategic 'not supported|unknown format' -- \
	kubectl patch jt a -p '{"spec":{"minAvailable":3}}'
check patch_status 'jobflow.flow.volcano.sh/test patched' -- \
	kubectl patch jf test --subresource=status --type=merge \
	-p '{"status":{"state":{"phase":"Running"}}}'
check wait_jsonpath 'condition met' -- kubectl wait \
	--for=jsonpath='{.status.state.phase}'=Running jf/test --timeout=10s
check status_kept_on_apply 'Running' -- sh -c \
	"kubectl apply -f '$V/JobFlow.yaml' >/dev/null && kubectl get jf test -o jsonpath='{.status.state.phase}'"
cat >"$T/cm.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: ssa
  namespace: default
data:
  a: "1"
EOF
check ssa_create 'configmap/ssa serverside-applied' -- \
	kubectl apply --server-side -f "$T/cm.yaml"
sed -i 's/a: "1"/a: "2"/' "$T/cm.yaml"
check ssa_update 'configmap/ssa serverside-applied' -- \
	kubectl apply --server-side -f "$T/cm.yaml"
check ssa_value '^2$' -- kubectl get cm ssa -o 'jsonpath={.data.a}'
printf '  b: "x"\n' >>"$T/cm.yaml"
check ssa_add 'serverside-applied' -- kubectl apply --server-side -f "$T/cm.yaml"
check ssa_added '^x$' -- kubectl get cm ssa -o 'jsonpath={.data.b}'
sed -i '/  b: "x"/d' "$T/cm.yaml"
check ssa_remove 'serverside-applied' -- kubectl apply --server-side -f "$T/cm.yaml"
check ssa_removed '^2-$' -- kubectl get cm ssa -o 'jsonpath={.data.a}-{.data.b}'
check csa_builtin 'configmap/ssa2 created' -- sh -c \
	"sed 's/name: ssa/name: ssa2/' '$T/cm.yaml' | kubectl apply -f -"
check csa_builtin_change 'configmap/ssa2 configured' -- sh -c \
	"sed 's/name: ssa/name: ssa2/; s/\"2\"/\"3\"/' '$T/cm.yaml' | kubectl apply -f -"

# a Volcano Job driven by the simulator: Pending (1s) -> Running -> Completed
sed 's/200ms/1s/; s/500ms/2s/' "$V/vcjob-sim.yaml" >"$T/job.yaml"
check job_create 'job.batch.volcano.sh/sim-demo created' -- \
	kubectl create -f "$T/job.yaml"
check job_pending 'Pending' -- kubectl get vcjob sim-demo \
	-o 'jsonpath={.status.state.phase}'
check job_defaults 'default0 3' -- kubectl get vcjob sim-demo \
	-o 'jsonpath={.spec.tasks[0].name} {.spec.maxRetry}'
check job_running 'condition met' -- kubectl wait \
	--for=jsonpath='{.status.state.phase}'=Running vcjob/sim-demo --timeout=20s
check job_completed 'condition met' -- kubectl wait \
	--for=jsonpath='{.status.state.phase}'=Completed vcjob/sim-demo --timeout=20s
check job_counts '^2$' -- kubectl get vcjob sim-demo -o 'jsonpath={.status.succeeded}'
check job_table 'sim-demo +Completed +2 +0 +[0-9]+s' -- kubectl get vcjob
check job_table_wide 'QUEUE' -- kubectl get vcjob -o wide

check delete 'jobflow.flow.volcano.sh "test" deleted' -- kubectl delete jf test
check_fails deleted_gone 'NotFound|not found' -- kubectl get jf test
check delete_nowait 'deleted' -- kubectl delete -f "$V/JobTemplate.yaml" --wait=false
check delete_crd 'deleted' -- kubectl delete crd jobs.batch.volcano.sh
check_fails crd_gone "doesn't have a resource type|could not find the requested resource" -- \
	kubectl get vcjob

if [ -f "$SRC/deploy/kustomization.yaml" ]; then
	check apply_k 'created|configured|unchanged' -- kubectl apply -k "$SRC/deploy/"
	check apply_k_again 'unchanged|configured' -- kubectl apply -k "$SRC/deploy/"
else
	echo "NOTE: deploy/kustomization.yaml not present; apply -k skipped"
fi

kill -TERM $KS
wait $KS
rc=$?
if [ $rc = 0 ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: kubesim exit status $rc after SIGTERM"
fi
trap - EXIT
[ -n "${JF_KEEP_TESTDIR:-}" ] || rm -rf "$T"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
