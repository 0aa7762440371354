/* jf_patch.h - the patch engine: `patch.jobSpec` merged into a copy of a
 * JobTemplate's spec (SPEC §3.2, docs/patch.md).
 *
 * Objects merge recursively; null deletes a key at any depth; scalars and
 * unlisted lists replace. Lists of named objects merge by key, unmatched
 * entries append: tasks, containers, initContainers, env, pod volumes and
 * imagePullSecrets by "name" (a task without a name merges into the
 * template task at the same index); job-level spec.volumes by "mountPath"
 * (Volcano's VolumeSpec has no name); volumeMounts by "mountPath"; ports
 * by "containerPort"; tolerations by "key"; hostAliases by "ip". plugins,
 * nodeSelector, labels, annotations and resources merge by key (maps).
 * policies, args and command replace; affinity, securityContext and probes
 * are replaced whole. An entry {"<key>": x, "$patch": "delete"} removes
 * the matching entry. Appended entries must be complete (a new container
 * needs name and image, a new task template.spec.containers...). String
 * values may carry {{ expr }} placeholders, rendered against an
 * environment (jf_expr.h).
 *
 * Inputs are never modified. Errors name the JSON path inside the patch,
 * e.g. "tasks[0].template.spec.containers[1]: new container 'x' has no
 * 'image'".
 */
#ifndef JF_PATCH_H
#define JF_PATCH_H

#include <cjson/cJSON.h>

#include "jf_err.h"

/* Bytes that the placeholders of one patch may produce in all (the rest is
 * bounded by the sizes of the template and the patch). */
#define JF_PATCH_MAX_RENDERED (16u << 20)

/* Merges patch (a partial batch JobSpec object; NULL or null: none) into a
 * copy of base (a JobSpec object; NULL: empty). When env is not NULL,
 * every string value in the patch is rendered first (jf_tmpl_render_value:
 * a lone placeholder keeps its type, except in Kubernetes string fields
 * such as names, image or env values, which render as text); object keys
 * and strings from base are never rendered. *out is a new spec, caller
 * frees with cJSON_Delete(). Errors: -JF_ETYPE (a patch value where an
 * object, list or key of a given type is required has another type),
 * -JF_ESPEC (an appended entry is not complete, a keyed entry has no key,
 * a bad "$patch"), the placeholder's error (-JF_EEVAL, -JF_EPARSE...)
 * prefixed with the path, -JF_ETOOBIG (placeholders produce more than
 * JF_PATCH_MAX_RENDERED bytes), -JF_EDEPTH. */
int jf_patch_apply(const cJSON *base, const cJSON *patch, const cJSON *env,
		   cJSON **out, struct jf_errmsg *e);

/* Static check of a patch, before anything runs: well-formed shape,
 * placeholders parse (and type-check against types, when not NULL), keyed
 * entries have their keys, and, when base is not NULL, entries that would
 * be appended are complete. What depends on rendered values (a templated
 * entry key, a placeholder standing for a list) is left to
 * jf_patch_apply(). Returns 0 or the error jf_patch_apply() would give. */
int jf_patch_check(const cJSON *base, const cJSON *patch, const cJSON *types,
		   struct jf_errmsg *e);

#endif /* JF_PATCH_H */
