/* jf_yaml_emit.h - JSON (cJSON) to YAML text, the way kubectl prints it.
 *
 * Block style, object keys in document order, sequences in mappings not
 * indented ("key:\n- a"), empty collections as {} and []. Strings are
 * plain unless a YAML 1.1 or 1.2 reader could take them for something
 * else: "yes", "no", "on", "off", "y", "n", "true", "null", "~", numbers
 * in any base or with '_', timestamps, sexagesimals, ".inf", "<<", "=",
 * leading or trailing spaces, indicators, ": " and " #" (libyaml decides
 * the last ones). Such strings are double-quoted. Strings with a newline
 * are literal blocks when libyaml allows it. Integers print without a
 * decimal point; other numbers in their shortest round-trip form, in the
 * C locale whatever LC_NUMERIC says. What jf_yaml_emit() writes loads
 * back through jf_yaml_load() into an equal document.
 */
#ifndef JF_YAML_EMIT_H
#define JF_YAML_EMIT_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "jf_buf.h"
#include "jf_err.h"

/* Appends doc as one YAML document (no "---" and no "..." markers) to
 * out, ending with a newline. doc is borrowed. Returns 0, -ENOMEM,
 * -JF_ETOOBIG (out's cap) or -JF_EPARSE (libyaml refused the text, e.g.
 * a string that is not UTF-8; e says which path). */
int jf_yaml_emit(const cJSON *doc, struct jf_buf *out, struct jf_errmsg *e);

/* Appends every element of docs (a JSON array) as a document, separated
 * by "---" lines. An empty array appends nothing. */
int jf_yaml_emit_docs(const cJSON *docs, struct jf_buf *out,
		      struct jf_errmsg *e);

/* True when s, written as a plain scalar, could be read as something
 * other than the string s by a YAML 1.1 or 1.2 reader (the emitter then
 * double-quotes it). Indicator characters are not judged here. */
bool jf_yaml_plain_ambiguous(const char *s);

#endif /* JF_YAML_EMIT_H */
