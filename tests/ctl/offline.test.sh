#!/bin/bash
# offline.test.sh - jobflowctl's offline commands on examples/: validate
# (every example, the invalid one's exact errors, syntax errors, missing
# templates, stdin), render and graph against golden files, usage errors.
set -u
. "$(dirname "$0")/lib.sh"
cd "$SRC" || exit 1

# --- validate ----------------------------------------------------------------

valid=()
for f in examples/*.yaml; do
	[ "$f" = examples/09-invalid.yaml ] || valid+=("$f")
done
"$CTL" validate "${valid[@]}" >"$TMP/out" 2>"$TMP/err"
expect_rc "validate the valid examples" 0 $?
check "validate: summary" grep -qx "8 flows, 14 templates: ok" "$TMP/out"
check "validate: nothing on stderr" test ! -s "$TMP/err"

# each example alone, with the shared templates
for f in "${valid[@]}"; do
	"$CTL" validate examples/templates.yaml "$f" >"$TMP/out" 2>&1
	expect_rc "validate $f" 0 $?
done

# every example names its expected phase for make demo
for f in examples/0*.yaml; do
	check "$f has jobflowd.io/expected-phase" \
		grep -qE '^    jobflowd.io/expected-phase: (Succeed|Failed|Invalid)$' "$f"
done

"$CTL" validate examples/09-invalid.yaml >"$TMP/out" 2>"$TMP/invalid.txt"
expect_rc "validate the invalid example" 1 $?
golden validate-invalid.txt "$TMP/invalid.txt"
check "validate: nothing on stdout when invalid" test ! -s "$TMP/out"

"$CTL" validate examples/*.yaml >"$TMP/out" 2>"$TMP/err"
expect_rc "validate every example" 1 $?
check "validate every example: only the invalid one's errors" \
	test "$(grep -c '^examples/' "$TMP/err")" = 2
check "validate every example: summary" grep -qx \
	"9 flows, 15 templates: 2 errors in 1 flow" "$TMP/err"

# stdin, and templates missing from the given files
"$CTL" validate - <examples/01-diamond.yaml >"$TMP/out" 2>"$TMP/err"
expect_rc "validate stdin without templates" 1 $?
check "validate stdin: file name and line" grep -qx \
	"<stdin>:24: a: JobTemplate 'a' not found" "$TMP/err"
check "validate: names the missing templates" grep -qx \
	"1 flow, 0 templates: 5 errors in 1 flow; missing templates: a, b, c, d, e" \
	"$TMP/err"
{ cat examples/templates.yaml; echo ---; cat examples/01-diamond.yaml; } |
	"$CTL" validate - >"$TMP/out" 2>&1
expect_rc "validate stdin with templates" 0 $?

# YAML syntax errors: file:line:col
printf 'kind: JobFlow\nspec:\n  flows: [a\n' >"$TMP/bad.yaml"
"$CTL" validate "$TMP/bad.yaml" >"$TMP/out" 2>"$TMP/err"
expect_rc "validate a YAML syntax error" 1 $?
check "validate: syntax error has line and column" grep -qE \
	"^$TMP/bad.yaml:[0-9]+:[0-9]+: " "$TMP/err"
check "validate: syntax error summary" grep -qx \
	"0 flows, 0 templates: 1 file not loaded" "$TMP/err"
"$CTL" validate "$TMP/none.yaml" >"$TMP/out" 2>"$TMP/err"
expect_rc "validate a missing file" 1 $?
check "validate a missing file: message" grep -qx \
	"jobflowctl: cannot read '$TMP/none.yaml': No such file or directory" \
	"$TMP/err"

# a document that is not a mapping: refused with its line, not skipped
printf -- 'kind: ConfigMap\n---\n- 1\n' >"$TMP/list.yaml"
"$CTL" validate "$TMP/list.yaml" >"$TMP/out" 2>"$TMP/err"
expect_rc "validate a document that is a list" 1 $?
check "validate: a list document is named with its line" grep -qx \
	"$TMP/list.yaml:2: document 2 is not a Kubernetes object (a mapping with apiVersion and kind)" \
	"$TMP/err"

# a switch with no cases: one error, no phantom template named after the step
printf 'kind: JobFlow\nmetadata: {name: s}\nspec:\n  flows:\n    - {name: a, switch: []}\n' \
	>"$TMP/sw.yaml"
"$CTL" validate "$TMP/sw.yaml" >"$TMP/out" 2>"$TMP/err"
expect_rc "validate an empty switch" 1 $?
check "validate: an empty switch is one error" grep -qx \
	"1 flow, 0 templates: 1 error in 1 flow" "$TMP/err"

# a problem deeper in a flow: the line of the field
cat >"$TMP/deep.yaml" <<'EOF'
apiVersion: flow.volcano.sh/v1alpha1
kind: JobFlow
metadata: {name: deep}
spec:
  flows:
    - name: a
      jobTemplate: t
    - name: b
      jobTemplate: t
      dependsOn:
        targets: [a, zz]
---
apiVersion: flow.volcano.sh/v1alpha1
kind: JobTemplate
metadata: {name: t}
spec:
  tasks:
    - name: main
      template: {spec: {containers: [{name: main, image: busybox}]}}
EOF
"$CTL" validate "$TMP/deep.yaml" >"$TMP/out" 2>"$TMP/err"
expect_rc "validate an unknown target" 1 $?
check "validate: the line of the bad target" grep -q \
	"^$TMP/deep.yaml:11: b: .*'zz'" "$TMP/err"

# --- render ------------------------------------------------------------------

for ex in 02-patch 07-foreach; do
	"$CTL" render -f "examples/$ex.yaml" >"$TMP/render-$ex.yaml" 2>"$TMP/err"
	expect_rc "render $ex" 0 $?
	golden "render-$ex.yaml" "$TMP/render-$ex.yaml"
	# what render prints loads back as YAML (no flows in it)
	"$CTL" validate "$TMP/render-$ex.yaml" >"$TMP/out" 2>&1
	check "render $ex: the output is YAML" grep -qx \
		"0 flows, 0 templates: ok (no JobFlow found)" "$TMP/out"
done
check "render: one Job per shard" test \
	"$(grep -c '^kind: Job$' "$TMP/render-07-foreach.yaml")" = 6

"$CTL" render -f examples/08-cleanup.yaml >"$TMP/r.yaml"
expect_rc "render 08-cleanup" 0 $?
check "render: says runtime conditions assume success" grep -qx \
	"# Conditions on runtime outcomes (steps.\*) were evaluated as if every step" \
	"$TMP/r.yaml"
check "render: lists the skipped step" grep -qx \
	"# step 'cleanup' is Skipped: when 'steps.train.phase == 'Failed'' is false" \
	"$TMP/r.yaml"
check "render: cleanup is not rendered" \
	test "$(grep -c '^  name: cleanup-after-failure-' "$TMP/r.yaml")" = 2

"$CTL" render -f examples/06-switch.yaml --param gpus=16 >"$TMP/r.yaml"
expect_rc "render --param" 0 $?
check "render --param picks the large case" grep -q \
	"volcano.sh/createdByJobTemplate: default.train-large" "$TMP/r.yaml"
"$CTL" render -f examples/06-switch.yaml -p gpus=1 >"$TMP/r.yaml"
check "render --param picks the default case" test \
	"$(grep -c 'createdByJobTemplate: default.train-small' "$TMP/r.yaml")" = 4
"$CTL" render -f examples/05-when.yaml --param evaluate=true \
	--param 'target=dev' >"$TMP/r.yaml"
check "render --param: a bool turns a step on" \
	grep -q '^  name: when-param-evaluate$' "$TMP/r.yaml"
check "render --param: a string that fails a when" \
	test "$(grep -c '^  name: when-param-publish$' "$TMP/r.yaml")" = 0
"$CTL" render -f examples/07-foreach.yaml --param 'shards=[a, b]' >"$TMP/r.yaml"
check "render --param: a list" \
	test "$(grep -c '^kind: Job$' "$TMP/r.yaml")" = 3
"$CTL" render -f examples/04-maxretry.yaml -t examples/templates.yaml \
	>"$TMP/r.yaml"
expect_rc "render with -t" 0 $?
check "render: maxRetry propagated" test \
	"$(grep '^  maxRetry: ' "$TMP/r.yaml" | tr -d ' \n')" = \
	"maxRetry:5maxRetry:5maxRetry:3maxRetry:3"
"$CTL" render -f examples/04-maxretry.yaml >"$TMP/out" 2>"$TMP/err"
expect_rc "render without its templates" 1 $?
check "render without templates: says why" grep -qx \
	"jobflowctl: cannot render flow 'seed-maxretry': 5 errors (see above)" \
	"$TMP/err"
"$CTL" render -f examples/09-invalid.yaml >"$TMP/out" 2>"$TMP/err"
expect_rc "render an invalid flow" 1 $?
check "render an invalid flow prints nothing" test ! -s "$TMP/out"
"$CTL" render examples/02-patch.yaml >"$TMP/out" 2>"$TMP/err"
expect_rc "render without -f" 2 $?
"$CTL" render -f examples/02-patch.yaml --param novalue >"$TMP/out" 2>"$TMP/err"
expect_rc "render --param without =" 2 $?
check "render --param without =: message" grep -q \
	"^jobflowctl: --param 'novalue': expected name=value$" "$TMP/err"

# --- graph ---------------------------------------------------------------------

for ex in 01-diamond 06-switch; do
	"$CTL" graph "examples/$ex.yaml" >"$TMP/g.mmd"
	expect_rc "graph $ex" 0 $?
	golden "graph-$ex.mmd" "$TMP/g.mmd"
	"$CTL" graph "examples/$ex.yaml" --format dot >"$TMP/g.dot"
	expect_rc "graph $ex --format dot" 0 $?
	golden "graph-$ex.dot" "$TMP/g.dot"
	if command -v dot >/dev/null; then
		check "graph $ex: dot accepts it" dot -Tsvg -o /dev/null "$TMP/g.dot"
	fi
done
"$CTL" graph examples/07-foreach.yaml >"$TMP/g.mmd"
check "graph: forEach count" grep -q \
	'forEach: 5 items of params.shards, parallelism 2' "$TMP/g.mmd"
"$CTL" graph examples/08-cleanup.yaml --format dot >"$TMP/g.dot"
check "graph: AllDone edges are dashed" grep -qx \
	'    "train" -> "cleanup" \[style=dashed, label="AllDone"\];' "$TMP/g.dot"
{ cat examples/02-patch.yaml; echo ---; cat examples/05-when.yaml; } >"$TMP/two.yaml"
"$CTL" graph "$TMP/two.yaml" >"$TMP/out" 2>"$TMP/err"
expect_rc "graph a file with two flows" 1 $?
check "graph two flows: asks for --flow" grep -q \
	"it holds 2 flows (patch-reuse, when-param): choose one with --flow" \
	"$TMP/err"
"$CTL" graph "$TMP/two.yaml" --flow when-param >"$TMP/out"
expect_rc "graph --flow" 0 $?
check "graph --flow picks it" grep -qx "title: when-param" "$TMP/out"
"$CTL" graph examples/01-diamond.yaml --format png >"$TMP/out" 2>"$TMP/err"
expect_rc "graph --format png" 2 $?

# --- usage ---------------------------------------------------------------------

"$CTL" >"$TMP/out" 2>"$TMP/err"
expect_rc "no command" 2 $?
"$CTL" frobnicate >"$TMP/out" 2>"$TMP/err"
expect_rc "unknown command" 2 $?
check "unknown command: message" grep -qx \
	"jobflowctl: unknown command 'frobnicate'" "$TMP/err"
"$CTL" validate --bogus x >"$TMP/out" 2>"$TMP/err"
expect_rc "unknown flag" 2 $?
check "unknown flag: message and hint" test \
	"$(cat "$TMP/err")" = "jobflowctl: unknown flag '--bogus'
Run 'jobflowctl validate --help' for usage."
"$CTL" validate >"$TMP/out" 2>"$TMP/err"
expect_rc "validate without files" 2 $?
for cmd in validate render graph get list watch retry; do
	"$CTL" "$cmd" --help >"$TMP/out" 2>&1
	expect_rc "$cmd --help" 0 $?
	check "$cmd --help prints usage" grep -q "^  jobflowctl $cmd" "$TMP/out"
done
"$CTL" --help >"$TMP/out"
expect_rc "--help" 0 $?
"$CTL" help retry >"$TMP/out"
check "help COMMAND" grep -q "jobflowctl retry NAME" "$TMP/out"
# an unreachable cluster is an error (1), not a usage error
"$CTL" --kubeconfig "$TMP/none" get x >"$TMP/out" 2>"$TMP/err"
expect_rc "get with a missing kubeconfig" 1 $?
check "missing kubeconfig: message" grep -q \
	"^jobflowctl: cannot load configuration '$TMP/none': " "$TMP/err"

finish
