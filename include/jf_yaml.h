/* jf_yaml.h - YAML (libyaml) to JSON (cJSON) loader for Kubernetes YAML.
 *
 * Multi-document streams; anchors and aliases (expanded to copies); merge
 * keys ("<<"); block and flow styles. Scalars are typed as Kubernetes' YAML
 * decoder (sigs.k8s.io/yaml, go-yaml v2) types them: quoted, literal and
 * folded scalars are strings; plain "3", "-0x1F", "0644" (octal, 420),
 * "1.5", "1e3" are numbers, "true"/"false" (and True, TRUE...) bools,
 * "null"/"~"/"" null; plain "yes", "no", "on", "off" stay strings (as
 * kubectl users expect); ".inf", ".nan" and "1e400" stay strings because
 * JSON cannot hold them. !!str/!!int/!!float/!!bool/!!null tags are
 * honoured. Non-string keys become their JSON text; a key repeated in one
 * mapping is an error. The full table is in common/yaml_scalar.c and
 * docs/decisions.md.
 *
 * Every error carries "name:line:col: message" (1-based; only the size
 * error, which has no position, is "name: message"). The loader keeps the
 * source position of every node, so tools can say where a JSON path came
 * from (jobflowctl validate prints "file:line: step: message").
 */
#ifndef JF_YAML_H
#define JF_YAML_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "jf_err.h"

#define JF_YAML_MAX_BYTES (16u << 20)
#define JF_YAML_MAX_DEPTH 200
#define JF_YAML_MAX_NODES (1u << 20) /* alias expansion is counted too */

struct jf_yaml_pos; /* opaque: JSON path -> line/col of one document */

struct jf_yaml_doc {
	cJSON *json;		 /* the document (never NULL) */
	struct jf_yaml_pos *pos; /* positions of the document's nodes */
	int line;		 /* line where the document starts */
};

struct jf_yaml_stream {
	struct jf_yaml_doc *docs;
	size_t ndocs;
};

/* Loads every document of buf (len bytes, need not be NUL-terminated).
 * name is used in messages (a file name, or "<stdin>"). Empty documents (a
 * lone "---", only comments) are skipped. On success fills *out; release
 * with jf_yaml_stream_release(). On error returns -JF_EPARSE (syntax,
 * duplicate key, unknown anchor...), -JF_ETYPE (a value that does not fit
 * its tag), -JF_ETOOBIG (bytes or expanded nodes over the caps),
 * -JF_EDEPTH or -ENOMEM, and *out is left empty. */
int jf_yaml_load(const char *buf, size_t len, const char *name,
		 struct jf_yaml_stream *out, struct jf_errmsg *e);

/* Reads path (or stdin for "-", named "<stdin>") and loads it, as
 * jf_yaml_load(); reading more than JF_YAML_MAX_BYTES is -JF_ETOOBIG, a
 * file that cannot be read -errno ("path: cannot open: ..."). */
int jf_yaml_load_file(const char *path, struct jf_yaml_stream *out,
		      struct jf_errmsg *e);

/* Frees every document and position map; s is empty afterwards. */
void jf_yaml_stream_release(struct jf_yaml_stream *s);

/* Finds the position of path (jf_json.h syntax; "" is the root) in doc, or
 * of its longest existing prefix. An object member is where its key is, a
 * list element where it starts; everything inside an alias is where the
 * alias is, merged members are where their "<<" is. Lines count from the
 * start of the stream. Returns 0 and fills line/col, or -JF_ENOTFOUND
 * when doc has no position map. */
int jf_yaml_pos_lookup(const struct jf_yaml_doc *doc, const char *path,
		       int *line, int *col);

/* Convenience: loads exactly one document (JSON or YAML) into a new cJSON
 * root; -JF_EPARSE "name: expected one document, found N" when there are
 * zero or several. Caller frees with cJSON_Delete(). */
int jf_yaml_load_one(const char *buf, size_t len, const char *name, cJSON **out,
		     struct jf_errmsg *e);

#endif /* JF_YAML_H */
