#!/bin/bash
# apply.test.sh - `jobflowctl apply` against kubesim, without kubectl (the
# demo's fallback): CRDs and every example created, a second apply
# unchanged, an edit configured, namespaces, stdin, errors; the objects
# read back through `jobflowctl get -o json` as written.
set -u
. "$(dirname "$0")/lib.sh"
cd "$SRC" || exit 1

start_kubesim --no-volcano-sim

"$CTL" apply -f deploy/crds/flow.volcano.sh_jobflows.yaml \
	-f deploy/crds/flow.volcano.sh_jobtemplates.yaml >"$TMP/out" 2>"$TMP/err"
expect_rc "apply the CRDs" 0 $?
check "apply the CRDs: reported" test "$(cat "$TMP/out")" = \
"customresourcedefinition.apiextensions.k8s.io/jobflows.flow.volcano.sh created
customresourcedefinition.apiextensions.k8s.io/jobtemplates.flow.volcano.sh created"

args=()
for f in examples/*.yaml; do args+=(-f "$f"); done
"$CTL" apply "${args[@]}" >"$TMP/out" 2>"$TMP/err"
expect_rc "apply every example" 0 $?
check "apply: 15 templates and 9 flows created" test \
	"$(grep -c ' created$' "$TMP/out")" = 24
check "apply: a flow is reported by kind and group" \
	grep -qx "jobflow.flow.volcano.sh/test created" "$TMP/out"
"$CTL" list >"$TMP/list"
check "apply: list shows the 9 flows" test "$(grep -c '<none>' "$TMP/list")" = 9

"$CTL" apply "${args[@]}" >"$TMP/out" 2>"$TMP/err"
expect_rc "apply again" 0 $?
check "apply again: everything unchanged" test \
	"$(grep -c ' unchanged$' "$TMP/out")" = 24

# an edit through stdin
sed 's/value: 4}/value: 16}/' examples/06-switch.yaml |
	"$CTL" apply -f - >"$TMP/out" 2>"$TMP/err"
expect_rc "apply an edit from stdin" 0 $?
check "apply an edit: only the flow configured" grep -qx \
	"jobflow.flow.volcano.sh/switch-gpus configured" "$TMP/out"
check "apply an edit: templates unchanged" test \
	"$(grep -c ' unchanged$' "$TMP/out")" = 3
"$CTL" get switch-gpus -o json >"$TMP/o.json"
check "apply an edit: the new value is stored" pyjson "$TMP/o.json" \
	'o["spec"]["params"] == [{"name": "gpus", "value": 16}] and o["metadata"]["generation"] == 2'

# objects without a namespace go to -n
cat >"$TMP/nons.yaml" <<'EOF'
apiVersion: v1
kind: Namespace
metadata: {name: team-c}
---
apiVersion: flow.volcano.sh/v1alpha1
kind: JobFlow
metadata: {name: lone}
spec: {flows: [{name: a}]}
EOF
"$CTL" -n team-c apply -f "$TMP/nons.yaml" >"$TMP/out" 2>"$TMP/err"
expect_rc "apply with -n" 0 $?
check "apply with -n: cluster-scoped and namespaced" test "$(cat "$TMP/out")" = \
"namespace/team-c created
jobflow.flow.volcano.sh/lone created"
"$CTL" -n team-c get lone >/dev/null
expect_rc "apply with -n: the flow is in team-c" 0 $?
"$CTL" apply -n team-c -f examples/05-when.yaml >"$TMP/out" 2>"$TMP/err"
expect_rc "apply -n against the file's namespace" 1 $?
check "apply -n against the file's namespace: message" grep -qx \
	"jobflowctl: cannot apply 'jobtemplate.flow.volcano.sh/when-step': the namespace from the file ('default') does not match the namespace given with -n ('team-c')" \
	"$TMP/err"

# errors: unknown kinds, rejected objects, bad files; the rest still applied
cat >"$TMP/mixed.yaml" <<'EOF'
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
---
apiVersion: flow.volcano.sh/v1alpha1
kind: JobFlow
metadata: {name: bad-retry}
spec: {flows: [{name: a, retryPolicy: {limit: "many"}}]}
---
apiVersion: flow.volcano.sh/v1alpha1
kind: JobFlow
metadata: {name: fine}
spec: {flows: [{name: a}]}
---
kind: JobFlow
metadata: {name: nover}
EOF
"$CTL" apply -f "$TMP/mixed.yaml" >"$TMP/out" 2>"$TMP/err"
expect_rc "apply with errors" 1 $?
check "apply: unknown apiVersion" grep -qx \
	"jobflowctl: cannot apply 'widget.example.com/w': the server does not serve this apiVersion" \
	"$TMP/err"
check "apply: the server's message for a rejected object" grep -q \
	"^jobflowctl: cannot apply 'jobflow.flow.volcano.sh/bad-retry': .*limit" \
	"$TMP/err"
check "apply: a document without apiVersion" grep -qx \
	"jobflowctl: cannot apply '$TMP/mixed.yaml:14': apiVersion, kind and metadata.name are required" \
	"$TMP/err"
check "apply: the good object is applied anyway" grep -qx \
	"jobflow.flow.volcano.sh/fine created" "$TMP/out"
printf 'a: [\n' >"$TMP/broken.yaml"
"$CTL" apply -f "$TMP/broken.yaml" >"$TMP/out" 2>"$TMP/err"
expect_rc "apply a YAML error" 1 $?
check "apply a YAML error: file:line:col" grep -qE \
	"^$TMP/broken.yaml:[0-9]+:[0-9]+: " "$TMP/err"
"$CTL" apply >"$TMP/out" 2>"$TMP/err"
expect_rc "apply without -f" 2 $?

finish
