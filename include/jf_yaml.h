/* jf_yaml.h - YAML (libyaml) to JSON (cJSON) loader for Kubernetes YAML.
 *
 * Multi-document streams; anchors and aliases; block and flow styles.
 * Scalars are typed as Kubernetes' YAML decoder (sigs.k8s.io/yaml, YAML
 * 1.1 for plain scalars) would: quoted scalars are strings; plain "3" is a
 * number, "true"/"false" are bools, "null"/"~"/"" are null; plain "yes",
 * "no", "on", "off" stay strings (as kubectl users expect); "0x1F", "1e3",
 * ".inf" follow YAML 1.2 core rules where JSON can represent them.
 *
 * Every error carries "name:line:col: message" (1-based). The loader keeps
 * the source position of every node, so tools can say where a JSON path
 * came from (jobflowctl validate prints "file:line: step: message").
 */
#ifndef JF_YAML_H
#define JF_YAML_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "jf_err.h"

#define JF_YAML_MAX_BYTES  (16u << 20)
#define JF_YAML_MAX_DEPTH  200
#define JF_YAML_MAX_NODES  (1u << 20) /* alias expansion is counted too */

struct jf_yaml_pos; /* opaque: JSON path -> line/col of one document */

struct jf_yaml_doc {
	cJSON *json;             /* the document; NULL for an empty document */
	struct jf_yaml_pos *pos; /* positions of the document's nodes */
	int line;                /* line where the document starts */
};

struct jf_yaml_stream {
	struct jf_yaml_doc *docs;
	size_t ndocs;
};

/* Loads every document of buf (len bytes). name is used in messages (a file
 * name, or "<stdin>"). Empty documents (a lone "---") are skipped. On
 * success fills *out; release with jf_yaml_stream_release(). On error
 * returns -JF_EPARSE/-JF_ETOOBIG/-JF_EDEPTH and *out is left empty. */
int jf_yaml_load(const char *buf, size_t len, const char *name,
		 struct jf_yaml_stream *out, struct jf_errmsg *e);

/* Reads path (or stdin for "-") and loads it, as jf_yaml_load(). */
int jf_yaml_load_file(const char *path, struct jf_yaml_stream *out,
		      struct jf_errmsg *e);

void jf_yaml_stream_release(struct jf_yaml_stream *s);

/* Finds the position of path (jf_json.h syntax) in doc, or of its longest
 * existing prefix. Returns 0 and fills line/col, or -JF_ENOTFOUND. */
int jf_yaml_pos_lookup(const struct jf_yaml_doc *doc, const char *path,
		       int *line, int *col);

/* Convenience: loads exactly one document (JSON or YAML) into a new cJSON
 * root; errors when there are zero or several. Caller frees. */
int jf_yaml_load_one(const char *buf, size_t len, const char *name,
		     cJSON **out, struct jf_errmsg *e);

#endif /* JF_YAML_H */
