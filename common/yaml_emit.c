/* yaml_emit.c - JSON to YAML text through libyaml's emitter (block style,
 * document key order, quoting only where a reader could be misled). */
#include "jf_yaml_emit.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "jf_json.h"

#define EMIT_PATH_MAX 512

struct emit {
	yaml_emitter_t em;
	struct jf_buf *out;
	int err; /* first error of the output handler */
	char path[EMIT_PATH_MAX];
	struct jf_errmsg *e;
};

/* --- quoting ----------------------------------------------------------- */

/* Words that YAML 1.1 (bool, null, merge, value) or 1.2 gives a type. */
static const char *const typed_words[] = {
	"null", "~",	"true",	 "false", "yes",  "no", "on", "off", "y",
	"n",	".inf", "-.inf", "+.inf", ".nan", "<<", "=",  NULL,
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool all_of(const char *p, const char *set)
{
	if (!*p)
		return false;
	for (; *p; p++) {
		if (!strchr(set, *p))
			return false;
	}
	return true;
}

/* Anything a YAML 1.1 or 1.2 reader may take for a number: 1_000, 0x1F,
 * 0o17, 0b101, 1e3, 1:20:30 (YAML 1.1 base 60), 1.5, -.5, 0755; also
 * near misses of these shapes (1.14.2), to be safe. */
static bool looks_numeric(const char *s)
{
	const char *p = s, *exp;

	if (*p == '+' || *p == '-')
		p++;
	if (p[0] == '0' && p[1] && strchr("xX", p[1]))
		return all_of(p + 2, "0123456789abcdefABCDEF_");
	if (p[0] == '0' && p[1] && strchr("oObB", p[1]))
		return all_of(p + 2, "0123456789_");
	if (!is_digit(*p) && !(*p == '.' && is_digit(p[1])))
		return false;
	exp = strpbrk(p, "eE");
	if (!exp)
		return all_of(p, "0123456789_.:");
	for (const char *q = p; q < exp; q++) {
		if (!strchr("0123456789_.", *q))
			return false;
	}
	exp++;
	if (*exp == '+' || *exp == '-')
		exp++;
	return all_of(exp, "0123456789");
}

/* 2024-01-02, 2024-1-2T10:00:00Z ...: YAML 1.1 timestamps. */
static bool looks_timestamp(const char *s)
{
	for (int i = 0; i < 4; i++) {
		if (!is_digit(s[i]))
			return false;
	}
	return s[4] == '-' && is_digit(s[5]);
}

bool jf_yaml_plain_ambiguous(const char *s)
{
	if (!*s)
		return true;
	for (const char *const *w = typed_words; *w; w++) {
		if (strcasecmp(s, *w) == 0)
			return true;
	}
	return looks_numeric(s) || looks_timestamp(s);
}

/* --- output ----------------------------------------------------------------
 */

static int write_handler(void *data, unsigned char *buf, size_t size)
{
	struct emit *m = data;
	int err = jf_buf_append(m->out, buf, size);

	if (err && !m->err)
		m->err = err;
	return err ? 0 : 1;
}

static int emit_event(struct emit *m, yaml_event_t *ev)
{
	if (yaml_emitter_emit(&m->em, ev))
		return 0;
	if (m->err)
		return jf_errf(m->e, m->err, "cannot write YAML: %s",
			       jf_strerror(m->err));
	return jf_errf(m->e, -JF_EPARSE, "'%s': cannot emit YAML: %s",
		       m->path[0] ? m->path : "(root)",
		       m->em.problem ? m->em.problem : "unknown error");
}

static int emit_scalar(struct emit *m, const char *s, yaml_char_t *tag,
		       yaml_scalar_style_t style)
{
	yaml_event_t ev;
	size_t len = strlen(s);

	if (!yaml_scalar_event_initialize(&ev, NULL, tag, (yaml_char_t *)s,
					  (int)len, 1, 1, style))
		return jf_errf(m->e, -JF_EPARSE,
			       "'%s': cannot emit YAML: string is not valid "
			       "UTF-8",
			       m->path[0] ? m->path : "(root)");
	return emit_event(m, &ev);
}

static int emit_string(struct emit *m, const char *s)
{
	yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;

	if (strchr(s, '\n'))
		style = YAML_LITERAL_SCALAR_STYLE;
	else if (jf_yaml_plain_ambiguous(s))
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	return emit_scalar(m, s, (yaml_char_t *)YAML_STR_TAG, style);
}

/* Shortest text that reads back as the same double, in the C locale. */
static void format_number(double d, char *buf, size_t cap)
{
	static locale_t c_locale;
	locale_t old;

	if (!isfinite(d)) {
		snprintf(buf, cap, "null");
		return;
	}
	if (fabs(d) <= 9007199254740992.0 && d == (double)(long long)d) {
		snprintf(buf, cap, "%lld", (long long)d);
		return;
	}
	if (!c_locale)
		c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	old = c_locale ? uselocale(c_locale) : (locale_t)0;
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, cap, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (old)
		uselocale(old);
}

static int emit_node(struct emit *m, const cJSON *n, int depth);

static int emit_children(struct emit *m, const cJSON *n, int depth)
{
	size_t plen = strlen(m->path);
	const cJSON *c;
	int i = 0, err;

	cJSON_ArrayForEach (c, n) {
		if (cJSON_IsObject(n)) {
			jf_json_path_key(m->path, sizeof(m->path), c->string);
			err = emit_string(m, c->string);
		} else {
			jf_json_path_index(m->path, sizeof(m->path), i);
			err = 0;
		}
		if (!err)
			err = emit_node(m, c, depth + 1);
		m->path[plen] = '\0';
		if (err)
			return err;
		i++;
	}
	return 0;
}

static int emit_node(struct emit *m, const cJSON *n, int depth)
{
	yaml_event_t ev;
	char num[64];
	int err;

	if (depth > JF_JSON_MAX_DEPTH)
		return jf_errf(m->e, -JF_EDEPTH,
			       "'%s': nested deeper than %d levels", m->path,
			       JF_JSON_MAX_DEPTH);
	if (cJSON_IsObject(n) || cJSON_IsArray(n)) {
		bool obj = cJSON_IsObject(n);

		if (obj)
			yaml_mapping_start_event_initialize(
				&ev, NULL, (yaml_char_t *)YAML_MAP_TAG, 1,
				YAML_BLOCK_MAPPING_STYLE);
		else
			yaml_sequence_start_event_initialize(
				&ev, NULL, (yaml_char_t *)YAML_SEQ_TAG, 1,
				YAML_BLOCK_SEQUENCE_STYLE);
		err = emit_event(m, &ev);
		if (!err)
			err = emit_children(m, n, depth);
		if (err)
			return err;
		if (obj)
			yaml_mapping_end_event_initialize(&ev);
		else
			yaml_sequence_end_event_initialize(&ev);
		return emit_event(m, &ev);
	}
	if (cJSON_IsString(n))
		return emit_string(m, n->valuestring);
	if (cJSON_IsNumber(n)) {
		format_number(n->valuedouble, num, sizeof(num));
		return emit_scalar(m, num, (yaml_char_t *)YAML_FLOAT_TAG,
				   YAML_PLAIN_SCALAR_STYLE);
	}
	if (cJSON_IsBool(n))
		return emit_scalar(m, cJSON_IsTrue(n) ? "true" : "false",
				   (yaml_char_t *)YAML_BOOL_TAG,
				   YAML_PLAIN_SCALAR_STYLE);
	return emit_scalar(m, "null", (yaml_char_t *)YAML_NULL_TAG,
			   YAML_PLAIN_SCALAR_STYLE);
}

int jf_yaml_emit(const cJSON *doc, struct jf_buf *out, struct jf_errmsg *e)
{
	struct emit m = {.out = out, .e = e};
	size_t start = out->len;
	yaml_event_t ev;
	int err;

	if (!yaml_emitter_initialize(&m.em))
		return jf_errf(e, -ENOMEM, "out of memory");
	yaml_emitter_set_output(&m.em, write_handler, &m);
	yaml_emitter_set_unicode(&m.em, 1);
	yaml_emitter_set_width(&m.em, -1);
	yaml_emitter_set_indent(&m.em, 2);
	yaml_emitter_set_break(&m.em, YAML_LN_BREAK);

	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	err = emit_event(&m, &ev);
	if (!err) {
		yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
		err = emit_event(&m, &ev);
	}
	if (!err)
		err = emit_node(&m, doc, 0);
	if (!err) {
		yaml_document_end_event_initialize(&ev, 1);
		err = emit_event(&m, &ev);
	}
	if (!err) {
		yaml_stream_end_event_initialize(&ev);
		err = emit_event(&m, &ev);
	}
	if (!err && !yaml_emitter_flush(&m.em))
		err = jf_errf(e, m.err ? m.err : -JF_EPARSE,
			      "cannot write YAML: %s",
			      jf_strerror(m.err ? m.err : -JF_EPARSE));
	yaml_emitter_delete(&m.em);
	/* libyaml ends an open-ended scalar (|+) with "..."; the caller's
	 * "---" or the end of the text closes it just as well */
	if (!err && out->len >= start + 4 &&
	    memcmp(out->data + out->len - 4, "...\n", 4) == 0) {
		out->len -= 4;
		out->data[out->len] = '\0';
	}
	if (err) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return err;
}

int jf_yaml_emit_docs(const cJSON *docs, struct jf_buf *out,
		      struct jf_errmsg *e)
{
	const cJSON *d;
	bool first = true;
	int err;

	cJSON_ArrayForEach (d, docs) {
		if (!first && (err = jf_buf_puts(out, "---\n")))
			return jf_errf(e, err, "cannot write YAML: %s",
				       jf_strerror(err));
		err = jf_yaml_emit(d, out, e);
		if (err)
			return err;
		first = false;
	}
	return 0;
}
