# lib.sh - helpers for the jobflowctl shell suites (sourced, not run):
# paths, a private kubesim, golden-file comparison and relative times.
#
#   JF_BIN_DIR / JF_SRC_DIR   set by scripts/run-tests.sh (defaults: ./build/bin, .)
#   JF_UPDATE_GOLDEN=1        rewrite the golden files instead of comparing
#   JF_KEEP_TESTDIR=1         keep the temporary directory

SRC=${JF_SRC_DIR:-$(pwd)}
BIN=${JF_BIN_DIR:-$SRC/build/bin}
CTL=$BIN/jobflowctl
GOLDEN=$SRC/tests/ctl/golden
EX=$SRC/examples
FAILS=0
CHECKS=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/jfctl-XXXXXX")
KS_PID=

cleanup() {
	if [ -n "$KS_PID" ]; then
		kill "$KS_PID" 2>/dev/null
		wait "$KS_PID" 2>/dev/null
	fi
	[ -n "${JF_KEEP_TESTDIR:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

# check NAME CONDITION-COMMAND...: counts a check, reports a failure.
check() {
	local name=$1
	shift
	CHECKS=$((CHECKS + 1))
	if ! "$@"; then
		fail "$name"
		return 1
	fi
	return 0
}

# golden NAME FILE: FILE must equal tests/ctl/golden/NAME.
golden() {
	local want=$GOLDEN/$1 got=$2
	CHECKS=$((CHECKS + 1))
	if [ -n "${JF_UPDATE_GOLDEN:-}" ]; then
		cp "$got" "$want"
		return 0
	fi
	if [ ! -f "$want" ]; then
		fail "$1: no golden file (run with JF_UPDATE_GOLDEN=1)"
		return 1
	fi
	if ! diff -u "$want" "$got"; then
		fail "$1: output differs from tests/ctl/golden/$1"
		return 1
	fi
}

# expect_rc NAME WANT GOT
expect_rc() {
	CHECKS=$((CHECKS + 1))
	if [ "$2" != "$3" ]; then
		fail "$1: exit status $3, want $2"
		return 1
	fi
}

finish() {
	if [ "$FAILS" -gt 0 ]; then
		echo "FAIL $FAILS of $CHECKS checks failed"
		exit 1
	fi
	echo "PASS $CHECKS checks"
	exit 0
}

# pyjson FILE|- EXPR: exit 0 when the Python expression EXPR is true of the
# JSON document o read from FILE (or stdin).
pyjson() {
	python3 -c '
import json, sys
o = json.load(sys.stdin if sys.argv[1] == "-" else open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}

# start_kubesim [ARGS...]: a private kubesim; sets KUBECONFIG.
start_kubesim() {
	"$BIN/kubesim" --listen 127.0.0.1:0 --kubeconfig-out "$TMP/kubeconfig" \
		"$@" >"$TMP/kubesim.url" 2>"$TMP/kubesim.log" &
	KS_PID=$!
	for _ in $(seq 100); do
		[ -s "$TMP/kubeconfig" ] && break
		sleep 0.1
	done
	if [ ! -s "$TMP/kubeconfig" ]; then
		echo "FAIL: kubesim did not start"
		cat "$TMP/kubesim.log"
		exit 1
	fi
	export KUBECONFIG=$TMP/kubeconfig
}

# The project's CRDs (deploy/crds).
apply_crds() {
	kubectl apply -f "$SRC/deploy/crds/" >"$TMP/crds.log" 2>&1 || {
		echo "FAIL: cannot apply the CRDs"
		cat "$TMP/crds.log"
		exit 1
	}
}

# epoch_of RFC3339 -> seconds; rfc3339_of SECONDS -> RFC3339.
epoch_of() { date -u -d "$1" +%s; }
rfc3339_of() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# created NAME: creationTimestamp of a flow, in seconds.
created() {
	epoch_of "$(kubectl get jobflow "$1" -o jsonpath='{.metadata.creationTimestamp}')"
}

# expand_times T0 < in > out: "@T+N@" -> the RFC 3339 time T0+N.
expand_times() {
	local t0=$1 line pre n post
	while IFS= read -r line || [ -n "$line" ]; do
		while [[ $line =~ ^(.*)@T\+([0-9]+)@(.*)$ ]]; do
			pre=${BASH_REMATCH[1]}
			n=${BASH_REMATCH[2]}
			post=${BASH_REMATCH[3]}
			line="$pre$(rfc3339_of $((t0 + n)))$post"
		done
		printf '%s\n' "$line"
	done
}

# relative_times T0 FILE: RFC 3339 times T0..T0+120 back to "@T+N@", so
# golden files do not depend on when the test ran.
relative_times() {
	local t0=$1 file=$2 script=$TMP/times.sed
	: >"$script"
	for n in $(seq 0 120); do
		echo "s/$(rfc3339_of $((t0 + n)))/@T+$n@/g" >>"$script"
	done
	sed -i -f "$script" "$file"
}

# set_status NAME FILE: writes FILE (YAML, with @T+N@ times relative to
# the flow's creation) into the flow's /status.
set_status() {
	local t0
	t0=$(created "$1")
	expand_times "$t0" <"$2" >"$TMP/status.yaml"
	kubectl patch jobflow "$1" --subresource=status --type=merge \
		--patch-file "$TMP/status.yaml" >/dev/null
}
