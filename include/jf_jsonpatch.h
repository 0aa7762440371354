/* jf_jsonpatch.h - RFC 6902 JSON Patch (add, remove, replace, move, copy,
 * test) with RFC 6901 JSON Pointers, used by kubesim's PATCH handler and
 * by clients that need a guarded update (a "test" op on
 * /metadata/resourceVersion). */
#ifndef JF_JSONPATCH_H
#define JF_JSONPATCH_H

#include <cjson/cJSON.h>

#include "jf_err.h"

/* Applies ops (a JSON array of operations, borrowed) to *doc. On success
 * *doc may be a new root (the old one is consumed); on failure *doc is
 * unchanged (the patch is applied to a copy first) and the error is
 * -JF_EPARSE (malformed op), -JF_ENOTFOUND (a path does not exist),
 * -JF_ECONFLICT (a "test" failed) or -JF_ETOOBIG, with the op index and
 * pointer in e: "op 2 (replace /spec/x): path not found". */
int jf_json_patch_apply(cJSON **doc, const cJSON *ops, struct jf_errmsg *e);

/* Resolves an RFC 6901 pointer ("/a/b~1c/0") under root; NULL when
 * absent. Borrowed. */
cJSON *jf_json_pointer(cJSON *root, const char *ptr);

#endif /* JF_JSONPATCH_H */
