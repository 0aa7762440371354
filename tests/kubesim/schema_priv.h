/* schema_priv.h - helpers shared by kubesim's structural-schema files
 * (schema.c applies a schema, schema_check.c vets one, schema_util.c
 * formats values the way kube-apiserver's messages print them). */
#ifndef KS_SCHEMA_PRIV_H
#define KS_SCHEMA_PRIV_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#define KS_SCHEMA_MAX_DEPTH  256  /* schema and object nesting walked */
#define KS_SCHEMA_MAX_CAUSES 256  /* causes reported by one apply */
#define KS_PATTERN_MAX	     4096 /* bytes of one "pattern" */
#define KS_REPEAT_MAX	     1000 /* {n,m} bound, as Go's regexp */

/* The member key of schema node s, or NULL (also when s is no object). */
const cJSON *ks_sch_kw(const cJSON *s, const char *key);

/* True when s has key set to JSON true. */
bool ks_sch_flag(const cJSON *s, const char *key);

/* s's "type" string, or NULL. */
const char *ks_sch_type(const cJSON *s);

/* True when n is a number Kubernetes would decode as an integer: integral
 * and within int64. */
bool ks_is_int64(const cJSON *n);

/* The JSON type name kube-openapi reports for v: "object", "array",
 * "string", "integer", "number", "boolean" or "null". */
const char *ks_json_kind(const cJSON *v);

/* Go's %v of a float64 ("1.5", "1e+06", "100000"), '.' whatever the
 * locale. */
void ks_fmt_float(char *buf, size_t cap, double v);

/* Go's %q of a string. */
void ks_fmt_quote(char *buf, size_t cap, const char *s);

/* A value as field.ErrorBody prints it: strings quoted, integers and
 * floats as Go prints int64/float64, bools bare, null as "null" (quoted),
 * objects and arrays as compact JSON (where Go would print a Go map). */
void ks_fmt_value(char *buf, size_t cap, const cJSON *v);

/* Compiles a Go (RE2) "pattern" into re, translating the subset CRDs use
 * to POSIX extended syntax: \d \w \s (and negations), escaped punctuation,
 * \t \n \r \f \v, \xHH, \A \z, (?:...), a leading (?i), lazy quantifiers
 * (same matches), {n,m} up to 1000, '.' not matching a newline, and
 * bracket expressions with escapes and [:class:] names. Anything else
 * (\p{..}, \Q..\E, backreferences, other flags) is refused. Returns 0, or
 * -1 with a message in err. Free re with regfree(). */
int ks_re_compile(const char *pattern, regex_t *re, char *err, size_t cap);

/* RFC 3339 full-date ("2006-01-02") and date-time as kube-openapi's
 * strfmt accepts them: date 'T'|'t' HH:MM:SS[.frac] ('Z'|'z'|+-HH:MM). */
bool ks_is_date(const char *s);
bool ks_is_datetime(const char *s);

/* Number of UTF-8 code points of s (invalid bytes count one each). */
size_t ks_utf8_len(const char *s);

/* ks_schema_apply() for a value under a node schema that is not a
 * resource root (a "default" being vetted): prunes, drops nulls, applies
 * defaults and validates v; field paths start with base. */
int ks_schema_apply_node(const cJSON *schema, cJSON *v, cJSON *causes,
			 const char *base);

/* Only the pruning step of ks_schema_apply_node(). */
void ks_schema_prune_node(const cJSON *schema, cJSON *v);

#endif /* KS_SCHEMA_PRIV_H */
