#!/bin/bash
# demo.sh - the product end to end on this machine (make demo, SPEC §9).
#
# Starts kubesim (a local Kubernetes API server with a Volcano Job
# simulator) on a free port, applies the CRDs and every flow in examples/,
# starts jobflowd with 4 workers, shows the flows progressing live, prints
# a summary, and exits 0 only if every example ended in the phase its
# jobflowd.io/expected-phase annotation names.
#
#   scripts/demo.sh             run, clean up at the end (and on Ctrl-C)
#   DEMO_KEEP=1 scripts/demo.sh keep kubesim and jobflowd running afterwards
#   scripts/demo.sh --stop      stop what a DEMO_KEEP=1 run left running
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN=$ROOT/build/bin
STATE=/tmp/jobflowd-demo.last
TIMEOUT=${DEMO_TIMEOUT:-180}

if [ "${1:-}" = "--stop" ]; then
	[ -f "$STATE" ] || { echo "demo: nothing to stop"; exit 0; }
	. "$STATE"
	kill "$JF_PID" "$KS_PID" 2>/dev/null
	rm -rf "$DEMO_DIR" "$STATE"
	echo "demo: stopped"
	exit 0
fi

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	B=$'\e[1m'; G=$'\e[32m'; R=$'\e[31m'; Y=$'\e[33m'; N=$'\e[0m'
	CLEAR=$'\e[H\e[2J'
else
	B=; G=; R=; Y=; N=; CLEAR=
fi
say() { printf '%s\n' "$*"; }
die() {
	printf '%sdemo: %s%s\n' "$R" "$*" "$N" >&2
	KEEP_LOGS=1
	exit 1
}

for p in kubesim jobflowd jobflow-worker jobflowctl; do
	[ -x "$BIN/$p" ] || die "$BIN/$p is missing: run 'make' first"
done

D=$(mktemp -d /tmp/jobflowd-demo-XXXXXX)
KC=$D/kubeconfig
KS_PID=
JF_PID=
cleanup() {
	if [ "${DEMO_KEEP:-0}" = 1 ] && [ -n "$JF_PID" ]; then
		printf 'DEMO_DIR=%s\nKS_PID=%s\nJF_PID=%s\n' "$D" "$KS_PID" \
			"$JF_PID" >"$STATE"
		return
	fi
	[ -n "$JF_PID" ] && kill -TERM "$JF_PID" 2>/dev/null
	[ -n "$JF_PID" ] && wait "$JF_PID" 2>/dev/null
	[ -n "$KS_PID" ] && kill -TERM "$KS_PID" 2>/dev/null
	[ -n "$KS_PID" ] && wait "$KS_PID" 2>/dev/null
	if [ "${KEEP_LOGS:-0}" = 1 ]; then
		say "demo: logs kept in $D"
	else
		rm -rf "$D"
	fi
}
trap cleanup EXIT
trap 'echo; say "demo: interrupted"; exit 130' INT TERM

# Applies YAML files: kubectl when installed (the reference client),
# otherwise jobflowctl's own apply.
apply() {
	local args=() f
	for f in "$@"; do args+=(-f "$f"); done
	if command -v kubectl >/dev/null 2>&1; then
		KUBECACHEDIR=$D/kubecache kubectl --kubeconfig "$KC" apply \
			"${args[@]}" >>"$D/apply.log" 2>&1
	else
		"$BIN/jobflowctl" --kubeconfig "$KC" apply "${args[@]}" \
			>>"$D/apply.log" 2>&1
	fi || { cat "$D/apply.log" >&2; die "cannot apply $*"; }
}

say "${B}jobflowd demo${N}  (work dir $D)"
say "1. kubesim: a local Kubernetes API server with a Volcano Job simulator"
"$BIN/kubesim" --listen 127.0.0.1:0 --kubeconfig-out "$KC" \
	--sim-pending 300ms --sim-duration 2s >"$D/kubesim.out" \
	2>"$D/kubesim.log" &
KS_PID=$!
for _ in $(seq 100); do [ -s "$KC" ] && break; sleep 0.05; done
[ -s "$KC" ] || die "kubesim did not start (see $D/kubesim.log)"
say "   listening on $(head -1 "$D/kubesim.out")"

say "2. CRDs: jobflowd's JobFlow/JobTemplate (a superset of Volcano's), Volcano's Job and Command"
apply deploy/crds/flow.volcano.sh_jobflows.yaml \
	deploy/crds/flow.volcano.sh_jobtemplates.yaml \
	tests/data/volcano/batch.volcano.sh_jobs.yaml \
	tests/data/bus.volcano.sh_commands.yaml

say "3. jobflowd with 4 workers"
"$BIN/jobflowd" --kubeconfig "$KC" --run-dir "$D/run" \
	--http-listen 127.0.0.1:0 --workers 4 --leader-elect=false \
	2>"$D/jobflowd.log" &
JF_PID=$!
PORT=
for _ in $(seq 200); do
	PORT=$(grep -o '"http_port":"[0-9]*"' "$D/jobflowd.log" 2>/dev/null |
		head -1 | grep -o '[0-9][0-9]*')
	[ -n "$PORT" ] && curl -sf "http://127.0.0.1:$PORT/readyz" \
		>/dev/null 2>&1 && break
	kill -0 "$JF_PID" 2>/dev/null || die "jobflowd exited (see $D/jobflowd.log)"
	sleep 0.05
done
[ -n "$PORT" ] || die "jobflowd not ready (see $D/jobflowd.log)"
say "   ready; metrics on http://127.0.0.1:$PORT/metrics"

say "4. the examples: templates, then every flow in examples/"
apply examples/templates.yaml
for f in examples/[0-9]*.yaml; do
	apply "$f"
done

# name -> expected phase, from the annotation on each JobFlow.
declare -A EXPECT
while read -r name phase; do
	EXPECT[$name]=$phase
done < <(python3 - examples/[0-9]*.yaml <<'EOF'
import re, sys
for path in sys.argv[1:]:
    for doc in open(path).read().split('\n---'):
        if re.search(r'^kind: JobFlow', doc, re.M):
            n = re.search(r'^  name: (\S+)', doc, re.M)
            e = re.search(r'jobflowd\.io/expected-phase: "?(\w+)', doc)
            if n and e:
                print(n.group(1), e.group(1))
EOF
)
[ ${#EXPECT[@]} -gt 0 ] || die "no example flows found"

ctl() { "$BIN/jobflowctl" --kubeconfig "$KC" "$@"; }

# phase of a flow, "Invalid" when it failed validation
phase_of() {
	ctl get "$1" -o json 2>/dev/null | python3 -c '
import json, sys
try:
    f = json.load(sys.stdin)
except Exception:
    print("Missing"); sys.exit()
st = f.get("status") or {}
p = (st.get("state") or {}).get("phase") or "Pending"
for c in st.get("stepConditions") or []:
    if c.get("type") == "InvalidSpec" and c.get("status") == "True":
        p = "Invalid"
print(p)'
}

say "5. progress (live until every flow is Succeed or Failed)"
start=$(date +%s)
while :; do
	done_all=1
	for n in "${!EXPECT[@]}"; do
		case $(phase_of "$n") in
		Succeed | Failed | Invalid) ;;
		*) done_all=0 ;;
		esac
	done
	if [ -n "$CLEAR" ]; then
		printf '%s' "$CLEAR"
		say "${B}jobflowd demo${N} — $(( $(date +%s) - start ))s"
		ctl list
	else
		say "--- $(( $(date +%s) - start ))s"
		ctl list
	fi
	[ $done_all = 1 ] && break
	[ $(( $(date +%s) - start )) -ge "$TIMEOUT" ] && break
	sleep 1
done

say ""
say "${B}Summary${N}"
printf '%-24s %-10s %-10s %s\n' FLOW EXPECTED GOT RESULT
fails=0
for n in $(printf '%s\n' "${!EXPECT[@]}" | sort); do
	got=$(phase_of "$n")
	if [ "$got" = "${EXPECT[$n]}" ]; then
		res="${G}ok${N}"
	else
		res="${R}UNEXPECTED${N}"
		fails=$((fails + 1))
	fi
	printf '%-24s %-10s %-10s %s\n' "$n" "${EXPECT[$n]}" "$got" "$res"
done
say ""
say "${B}One flow up close${N} (jobflowctl get retry-backoff): a step that failed twice and was retried with backoff"
ctl get retry-backoff | sed 's/^/  /'
say ""
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E \
	'^(jobflowd_jobs_created_total|jobflowd_step_retries_total|volcano_jobflow_(succeed|failed)_phase_count)' |
	sed 's/^/  /'
say ""
if [ "${DEMO_KEEP:-0}" = 1 ]; then
	say "Still running (stop with: scripts/demo.sh --stop). Try:"
else
	say "Try these while it runs (DEMO_KEEP=1 make demo keeps it running):"
fi
say "  $BIN/jobflowctl --kubeconfig $KC get retry-backoff"
say "  $BIN/jobflowctl --kubeconfig $KC graph foreach-shards --format mermaid"
say "  kubectl --kubeconfig $KC get jf,vcjob"
say "  $BIN/jobflowd -s status --run-dir $D/run"
if [ $fails -gt 0 ]; then
	say "${R}$fails flow(s) did not end as expected${N}"
	KEEP_LOGS=1
	exit 1
fi
say "${G}every example ended in its expected phase${N}"
exit 0
