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
 * Returns the number of causes appended (0: valid). */
int ks_schema_apply(const cJSON *schema, cJSON *obj, cJSON *causes);

/* Checks that schema is structural enough to be served (types present,
 * no unsupported keywords that would change semantics). Returns 0 or -1
 * with a message in msg (cap bytes). */
int ks_schema_check(const cJSON *schema, char *msg, size_t cap);

#endif /* KS_SCHEMA_H */
