/* jf_expr.h - the expression language of `when`, `switch`,
 * `retryPolicy.when` and `{{ }}` placeholders (SPEC §3.5; a documented
 * subset of CEL syntax, see docs/expressions.md).
 *
 * Values are JSON values; numbers are int (integral, +-2^53 in JSON;
 * int64 arithmetic with overflow checks) or double. The evaluation
 * environment is one JSON object whose members are the roots:
 *
 *   params       object: spec.params by name
 *   steps        object: steps.<name>.{phase, attempts, succeeded, failed,
 *                iterations}
 *   item, index  forEach item (any JSON) and its index (int)
 *   attempt      the attempt number (0 for the first run)
 *   lastFailure  object {reason, message, phase, job} in retryPolicy.when
 *
 * Bounded by construction: no loops, a nesting limit, a node limit, and a
 * cap on the size of every value an evaluation builds.
 */
#ifndef JF_EXPR_H
#define JF_EXPR_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "jf_err.h"

#define JF_EXPR_MAX_LEN	  4096	     /* source bytes */
#define JF_EXPR_MAX_DEPTH 64	     /* nesting of the AST */
#define JF_EXPR_MAX_NODES 1024	     /* AST nodes */
#define JF_EXPR_MAX_VALUE (1u << 20) /* bytes of any built string/list */

struct jf_expr; /* a compiled expression (immutable, shareable) */

/* Compiles src. On error returns -JF_EPARSE with "col N: message" in e
 * (1-based column into src). *out is new; free with jf_expr_free(). */
int jf_expr_compile(const char *src, struct jf_expr **out, struct jf_errmsg *e);
void jf_expr_free(struct jf_expr *x);

/* Returns the source text the expression was compiled from (borrowed). */
const char *jf_expr_source(const struct jf_expr *x);

/* Type-checks x against a type environment shaped like the evaluation
 * environment whose leaves are type names: "int", "double", "string",
 * "bool", "null", "list", "object" (any members), "any". A nested JSON
 * object describes an object with exactly those members. Reports unknown
 * roots, unknown members of closed objects, and operators or functions
 * applied to operands of known, wrong types. Returns 0 or -JF_ETYPE /
 * -JF_ENOTFOUND with "col N: message" (-EINVAL when types uses a name that
 * is not a type: a caller bug). A member of "any" or "object" is "any";
 * an operation is reported only when no type of its "any" operands could
 * make it valid. has(a.b) on a closed object without b is accepted. */
int jf_expr_check(const struct jf_expr *x, const cJSON *types,
		  struct jf_errmsg *e);

/* As jf_expr_check(), and stores the static type of the result in *type
 * (a static string: one of the type names above, "any" when it depends on
 * values the type environment does not know). type may be NULL. */
int jf_expr_check_type(const struct jf_expr *x, const cJSON *types,
		       const char **type, struct jf_errmsg *e);

/* As jf_expr_check(), and the result must be able to be a bool (its type
 * is "bool" or "any"): -JF_ETYPE "col N: expression must be a bool, got
 * int" otherwise. For `when`, `switch[].when` and `retryPolicy.when`. */
int jf_expr_check_bool(const struct jf_expr *x, const cJSON *types,
		       struct jf_errmsg *e);

/* Builds a type description of a JSON value (objects become closed
 * objects, lists "list", numbers "int" or "double"...). Caller frees. */
cJSON *jf_expr_types_of(const cJSON *value);

/* Evaluates x in env (borrowed). *out is a new JSON value, caller frees
 * with cJSON_Delete(). Errors (-JF_EEVAL): unknown identifier or member,
 * type mismatch, division by zero, integer overflow, index out of range,
 * value too big; the message names the column. */
int jf_expr_eval(const struct jf_expr *x, const cJSON *env, cJSON **out,
		 struct jf_errmsg *e);

/* As jf_expr_eval(), but the result must be a bool (-JF_ETYPE if not). */
int jf_expr_eval_bool(const struct jf_expr *x, const cJSON *env, bool *out,
		      struct jf_errmsg *e);

/* --- {{ expr }} placeholders in strings ---------------------------------
 *
 * "{{" opens a placeholder and "}}" closes it; "\{{" is a literal "{{".
 * Rendering: strings insert as-is; ints print without a decimal point
 * ("4"); doubles in shortest round-trip form; bools "true"/"false"; null
 * as "null"; lists and objects as compact JSON. A NULL s is "". Errors
 * name the column in s ("col N: ...").
 */

/* True when s contains "{{": a placeholder, an escaped "\{{" or an
 * unclosed "{{", i.e. whenever rendering may change s or fail. A string
 * for which it is false renders as itself. */
bool jf_tmpl_has(const char *s);

/* Compiles every placeholder of s and, when types is not NULL, type-checks
 * each (as jf_expr_check()). Errors say "col N: ..." relative to s. */
int jf_tmpl_check(const char *s, const cJSON *types, struct jf_errmsg *e);

/* Renders s in env into a new string (caller frees with free()). */
int jf_tmpl_render(const char *s, const cJSON *env, char **out,
		   struct jf_errmsg *e);

/* Renders s into a JSON value: when s is exactly one placeholder (leading
 * and trailing spaces allowed) the value keeps the expression's type
 * ("{{params.gpus}}" -> 4, a number); otherwise the rendered string. A
 * string without placeholders is copied. Caller frees. */
int jf_tmpl_render_value(const char *s, const cJSON *env, cJSON **out,
			 struct jf_errmsg *e);

#endif /* JF_EXPR_H */
