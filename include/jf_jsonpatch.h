/* jf_jsonpatch.h - RFC 6902 JSON Patch (add, remove, replace, move, copy,
 * test) with RFC 6901 JSON Pointers, used by kubesim's PATCH handler and
 * by clients that need a guarded update (a "test" op on
 * /metadata/resourceVersion). */
#ifndef JF_JSONPATCH_H
#define JF_JSONPATCH_H

#include <cjson/cJSON.h>

#include "jf_err.h"

/* Hard caps: operations per patch; estimated size of the result (16 bytes
 * per node plus keys and strings); bytes duplicated by "copy" ops over the
 * whole patch. The result is also kept within JF_JSON_MAX_DEPTH. */
#define JF_JSONPATCH_MAX_OPS   10000
#define JF_JSONPATCH_MAX_BYTES (64u << 20)
#define JF_JSONPATCH_MAX_WORK  (128u << 20)

/* Applies ops (a JSON array of operations, borrowed) to *doc. On success
 * *doc may be a new root (the old one is consumed); on failure *doc is
 * unchanged (the patch is applied to a copy first) and the error is
 * -JF_EPARSE (malformed op), -JF_ENOTFOUND (a path does not exist),
 * -JF_ECONFLICT (a "test" failed) or -JF_ETOOBIG/-JF_EDEPTH, with the op
 * index (0-based) and pointer in e: "op 2 (replace /spec/x): path not
 * found", "op 1 (move /a -> /b): from path not found". An array index with
 * a leading zero or a sign is -JF_EPARSE; "-" appends (add only). */
int jf_json_patch_apply(cJSON **doc, const cJSON *ops, struct jf_errmsg *e);

/* Resolves an RFC 6901 pointer ("/a/b~1c/0") under root; NULL when
 * absent. Borrowed. */
cJSON *jf_json_pointer(cJSON *root, const char *ptr);

#endif /* JF_JSONPATCH_H */
