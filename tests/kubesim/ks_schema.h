/* ks_schema.h - CRD structural-schema enforcement for kubesim: validation,
 * defaulting and pruning of a custom object against an OpenAPI v3 schema
 * (a CRD version's schema.openAPIV3Schema), as kube-apiserver does. */
#ifndef KS_SCHEMA_H
#define KS_SCHEMA_H

#include <cjson/cJSON.h>

/* Applies schema to obj in place, in kube-apiserver's order: drop nulls
 * in non-nullable fields, prune unknown fields (unless
 * x-kubernetes-preserve-unknown-fields), apply defaults, then validate
 * (type, format date-time/int32/int64, required, enum, minimum/maximum
 * (+exclusive), minLength/maxLength, pattern, minItems/maxItems,
 * minProperties/maxProperties, additionalProperties, x-kubernetes-int-or-
 * string, nullable). metadata, apiVersion and kind are not pruned.
 * Appends one cause per problem to causes (a JSON array) in the shape of
 * a Kubernetes StatusCause: {"reason": "FieldValueRequired" |
 * "FieldValueInvalid" | "FieldValueNotSupported" | "FieldValueTypeInvalid"
 * | "FieldValueTooLong" | ..., "message": "...", "field": "spec.x[0].y"}.
 * Returns the number of causes appended (0: valid).
 *
 * Details (docs/decisions.md): messages are kube-apiserver's ("Invalid
 * value: -1: spec.maxRetry in body should be greater than or equal to
 * 0"); causes come in document order; field paths use the project's path
 * syntax (keys with '.' in brackets); defaults also apply inside defaulted
 * objects, array items and additionalProperties values; format date-time
 * and date are validated (as kube-apiserver does), other string formats
 * are not; x-kubernetes-list-type set/map uniqueness is checked; CEL
 * (x-kubernetes-validations) is ignored; pattern is Go's RE2 syntax in the
 * subset ks_schema_check() accepts. At most 256 causes are appended; with
 * causes NULL nothing is appended and the number of problems is returned. */
int ks_schema_apply(const cJSON *schema, cJSON *obj, cJSON *causes);

/* Checks that schema is structural enough to be served (types present,
 * no unsupported keywords that would change semantics). Returns 0 or -1
 * with a message in msg (cap bytes). The message names the first problem
 * with a path from the schema root, as kube-apiserver words it:
 * "openAPIV3Schema.properties[spec].type: Required value: must not be
 * empty for specified object fields" (prefix "spec.versions[i].schema."
 * to match a CRD error). Checked: keyword types, structural rules (types,
 * items, additionalProperties vs properties, nothing but validation in
 * allOf/anyOf/oneOf/not, root metadata), x-kubernetes-* extensions,
 * patterns compile, defaults pruned and valid, uniqueItems/$ref/...
 * refused, nesting at most 256. */
int ks_schema_check(const cJSON *schema, char *msg, size_t cap);

#endif /* KS_SCHEMA_H */
