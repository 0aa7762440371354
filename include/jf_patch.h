/* jf_patch.h - the patch engine: `patch.jobSpec` merged into a copy of a
 * JobTemplate's spec (SPEC §3.2, docs/patch.md).
 *
 * Objects merge recursively; null deletes a key; scalars and unlisted
 * lists replace. Lists of named objects merge by key, unmatched entries
 * append: tasks, containers, initContainers, env and pod volumes by
 * "name"; job-level spec.volumes by "mountPath" (Volcano's VolumeSpec has
 * no name); volumeMounts by "mountPath"; ports by "containerPort";
 * tolerations by "key"; hostAliases by "ip". plugins merge by key (a map).
 * policies, args and command replace. String values may carry {{ expr }}
 * placeholders, rendered against an environment (jf_expr.h).
 *
 * Inputs are never modified. Errors name the JSON path inside the patch,
 * e.g. "tasks[0].template.spec.containers[1]: new container 'x' has no
 * image".
 */
#ifndef JF_PATCH_H
#define JF_PATCH_H

#include <cjson/cJSON.h>

#include "jf_err.h"

/* Bytes that the placeholders of one patch may produce in all (the rest is
 * bounded by the sizes of the template and the patch). */
#define JF_PATCH_MAX_RENDERED (16u << 20)

/* Merges patch (a partial batch JobSpec object) into a copy of base (a
 * JobSpec object). When env is not NULL, every string in the patch is
 * rendered with jf_tmpl_render_value() first; strings from base are never
 * rendered. *out is a new spec, caller frees with cJSON_Delete().
 * Errors: -JF_ETYPE (a patch value where an object or keyed list is
 * required has another type), -JF_ESPEC (an appended task or container is
 * not complete), -JF_EEVAL (a placeholder failed). */
int jf_patch_apply(const cJSON *base, const cJSON *patch, const cJSON *env,
		   cJSON **out, struct jf_errmsg *e);

/* Static check of a patch, before anything runs: well-formed shape,
 * placeholders parse (and type-check against types, when not NULL), and,
 * when base is not NULL, entries that would be appended are complete.
 * Returns 0 or the error jf_patch_apply() would give. */
int jf_patch_check(const cJSON *base, const cJSON *patch, const cJSON *types,
		   struct jf_errmsg *e);

#endif /* JF_PATCH_H */
