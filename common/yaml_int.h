/* yaml_int.h - private interface between the YAML loader (yaml.c), its
 * scalar typing table (yaml_scalar.c) and its position map (yaml_pos.c).
 */
#ifndef JF_YAML_INT_H
#define JF_YAML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* --- scalars (yaml_scalar.c) --------------------------------------------- */

/* How a scalar was written: plain, or any quoted/literal/folded style. */
enum jf_yaml_style {
	JF_YAML_PLAIN,
	JF_YAML_QUOTED, /* single, double, literal or folded */
};

/* Types one scalar (value: len bytes, no NUL inside) written in style with
 * tag (libyaml's resolved tag, e.g. "tag:yaml.org,2002:int", or NULL).
 * Returns 0 and a new cJSON in *out (caller frees), or -JF_EPARSE /
 * -JF_ETYPE / -ENOMEM with a message (no position) in err. */
int jf_yaml_scalar(const char *value, size_t len, enum jf_yaml_style style,
		   const char *tag, cJSON **out, char *err, size_t errcap);

/* True when a plain, untagged scalar is the merge key "<<". */
bool jf_yaml_is_merge_key(const char *value, size_t len,
			  enum jf_yaml_style style, const char *tag);

/* Writes the mapping-key text of a typed scalar (strings as they are,
 * numbers in shortest form, "true"/"false") into a new string. Returns
 * NULL for null, objects and arrays (not valid keys) or on ENOMEM
 * (*nomem set). Caller frees with free(). */
char *jf_yaml_key_text(const cJSON *v, bool *nomem);

/* --- position map (yaml_pos.c) ------------------------------------------- */

#define JF_YAML_POS_NONE UINT32_MAX

struct jf_yaml_pos;

/* Returns a new, empty map, or NULL on ENOMEM. Free with
 * jf_yaml_pos_free(). */
struct jf_yaml_pos *jf_yaml_pos_new(void);
void jf_yaml_pos_free(struct jf_yaml_pos *p);

/* Adds the node that is member key (or, when key is NULL, element index)
 * of entry parent (JF_YAML_POS_NONE for the document root), at 1-based
 * line/col. Fills *id. Returns 0 or -ENOMEM / -JF_ETOOBIG. */
int jf_yaml_pos_add(struct jf_yaml_pos *p, uint32_t parent, const char *key,
		    uint32_t index, int line, int col, uint32_t *id);

/* Builds the lookup index; call once after the last jf_yaml_pos_add().
 * Returns 0 or -ENOMEM. */
int jf_yaml_pos_finish(struct jf_yaml_pos *p);

#endif /* JF_YAML_INT_H */
