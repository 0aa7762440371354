/* jf_json.h - helpers over cJSON shared by every module.
 *
 * Paths: "spec.flows[2].dependsOn.targets[0]"; a key that contains '.', '['
 * or '"' is written in brackets: metadata.labels["volcano.sh/job-name"].
 * The same syntax is used in every error message that names a JSON path.
 *
 * Numbers: cJSON keeps a double. A JSON number is an integer when it is
 * integral and within +-2^53; jf_json_is_int() tells.
 *
 * Ownership: only roots are deleted (cJSON_Delete); getters borrow.
 */
#ifndef JF_JSON_H
#define JF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "jf_err.h"

/* Hard caps for anything parsed from outside. */
#define JF_JSON_MAX_BYTES (64u << 20) /* one document */
#define JF_JSON_MAX_DEPTH 200	      /* nesting of arrays and objects */

/* Parses len bytes (need not be NUL-terminated). Rejects input over max
 * bytes (0: JF_JSON_MAX_BYTES) or nested deeper than JF_JSON_MAX_DEPTH, and
 * trailing garbage. On error returns -JF_EPARSE/-JF_ETOOBIG/-JF_EDEPTH with
 * "line L col C: ..." in e. *out is a new root, caller frees with
 * cJSON_Delete(). */
int jf_json_parse(const char *buf, size_t len, size_t max, cJSON **out,
		  struct jf_errmsg *e);

/* Returns the node at path under root, or NULL (borrowed). */
const cJSON *jf_json_at(const cJSON *root, const char *path);
cJSON *jf_json_at_mut(cJSON *root, const char *path);

/* Typed getters: return the value at path, or def when the path is absent
 * or null. A present value of the wrong type also yields def. */
const char *jf_json_str(const cJSON *root, const char *path, const char *def);
int64_t jf_json_int(const cJSON *root, const char *path, int64_t def);
double jf_json_num(const cJSON *root, const char *path, double def);
bool jf_json_bool(const cJSON *root, const char *path, bool def);

/* Strict getters: 0 and *out on success; -JF_ENOTFOUND when absent (or
 * null); -JF_ETYPE with "'path': expected string, got number" when the
 * type is wrong. */
int jf_json_get_str(const cJSON *root, const char *path, const char **out,
		    struct jf_errmsg *e);
int jf_json_get_int(const cJSON *root, const char *path, int64_t *out,
		    struct jf_errmsg *e);
int jf_json_get_bool(const cJSON *root, const char *path, bool *out,
		     struct jf_errmsg *e);

/* True when n is a number with an integral value in +-2^53. */
bool jf_json_is_int(const cJSON *n);

/* Name of n's JSON type: "null", "bool", "number", "string", "array",
 * "object" ("invalid" for NULL). */
const char *jf_json_type_name(const cJSON *n);

/* Deep copy; returns a new root, caller frees. NULL in, NULL out. */
cJSON *jf_json_dup(const cJSON *n);

/* Deep equality; object member order does not matter, array order does.
 * Numbers compare by value. Two NULLs are equal. */
bool jf_json_equal(const cJSON *a, const cJSON *b);

/* Serialises compactly with object keys sorted (bytewise), so equal
 * documents print identically. Returns a new string, caller frees with
 * free(). NULL on allocation failure only. */
char *jf_json_print_stable(const cJSON *n);

/* Compact print in document order; caller frees with free(). */
char *jf_json_print(const cJSON *n);

/* Member helpers that replace an existing key instead of adding a
 * duplicate. val is taken over, even on failure. Return 0 or -ENOMEM. */
int jf_json_set(cJSON *obj, const char *key, cJSON *val);
int jf_json_set_str(cJSON *obj, const char *key, const char *s);
int jf_json_set_int(cJSON *obj, const char *key, int64_t v);
int jf_json_set_bool(cJSON *obj, const char *key, bool v);

/* Returns obj[key] as an object, creating it (or replacing a non-object)
 * when needed. NULL on allocation failure. Borrowed. */
cJSON *jf_json_obj(cJSON *obj, const char *key);

/* Appends the path element for key (".key" or "[\"key\"]") or index
 * ("[3]") to buf (NUL-terminated, capacity cap), truncating safely. */
void jf_json_path_key(char *buf, size_t cap, const char *key);
void jf_json_path_index(char *buf, size_t cap, int index);

/* RFC 7386 JSON merge patch from a to b: returns a new patch, or NULL when
 * a and b are equal. Caller frees. */
cJSON *jf_json_merge_diff(const cJSON *a, const cJSON *b);

/* Applies an RFC 7386 merge patch to target in place; patch is borrowed.
 * Returns the (possibly new) target root; the old root is consumed. */
cJSON *jf_json_merge_apply(cJSON *target, const cJSON *patch);

#endif /* JF_JSON_H */
