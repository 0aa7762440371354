/* watch.c - incremental decoder of Kubernetes watch streams: one JSON event
 * per line, chunks split anywhere, every line bounded. */
#include "jf_k8s.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"

#define WATCH_DEFAULT_MAX (16u << 20)

static const struct {
	const char *name;
	enum jf_k8s_event_type type;
} event_types[] = {
	{"ADDED", JF_K8S_ADDED},     {"MODIFIED", JF_K8S_MODIFIED},
	{"DELETED", JF_K8S_DELETED}, {"BOOKMARK", JF_K8S_BOOKMARK},
	{"ERROR", JF_K8S_ERROR},
};

int jf_k8s_watch_event_parse(const char *line, size_t len,
			     struct jf_k8s_event *ev, cJSON **root,
			     struct jf_errmsg *e)
{
	const char *type;
	cJSON *doc, *obj;
	size_t i;
	int err;

	*root = NULL;
	memset(ev, 0, sizeof(*ev));
	err = jf_json_parse(line, len, len + 1, &doc, e);
	if (err)
		return jf_errprefix(e, err == -JF_EDEPTH ? -JF_EPARSE : err,
				    "watch event");
	type = jf_json_str(doc, "type", NULL);
	obj = cJSON_GetObjectItemCaseSensitive(doc, "object");
	if (!cJSON_IsObject(doc) || !type) {
		cJSON_Delete(doc);
		return jf_errf(e, -JF_EPARSE, "watch event: no 'type'");
	}
	for (i = 0; i < sizeof(event_types) / sizeof(event_types[0]); i++)
		if (!strcmp(type, event_types[i].name))
			break;
	if (i == sizeof(event_types) / sizeof(event_types[0])) {
		err = jf_errf(e, -JF_EPARSE,
			      "watch event: unknown type '%.32s'", type);
		cJSON_Delete(doc);
		return err;
	}
	if (!cJSON_IsObject(obj)) {
		err = jf_errf(e, -JF_EPARSE,
			      "watch event: %s without an 'object'", type);
		cJSON_Delete(doc);
		return err;
	}
	ev->type = event_types[i].type;
	ev->object = obj;
	ev->rv = jf_json_str(obj, "metadata.resourceVersion", "");
	ev->reason = "";
	ev->message = "";
	if (ev->type == JF_K8S_ERROR) {
		int64_t code = jf_json_int(obj, "code", 0);

		ev->code = code > 0 && code < 1000 ? (int)code : 500;
		ev->reason = jf_json_str(obj, "reason", "");
		ev->message = jf_json_str(obj, "message", "");
	}
	*root = doc;
	return 0;
}

void jf_k8s_watch_dec_init(struct jf_k8s_watch_dec *d, size_t max,
			   jf_k8s_event_fn fn, void *arg)
{
	memset(d, 0, sizeof(*d));
	d->max = max ? max : WATCH_DEFAULT_MAX;
	d->fn = fn;
	d->arg = arg;
}

void jf_k8s_watch_dec_release(struct jf_k8s_watch_dec *d)
{
	free(d->line);
	d->line = NULL;
	d->len = d->cap = 0;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* Decodes one complete line (without its '\n') and hands it out. */
static int dec_line(struct jf_k8s_watch_dec *d, const char *s, size_t n,
		    struct jf_errmsg *e)
{
	struct jf_k8s_event ev;
	cJSON *root;
	int err;

	if (blank(s, n))
		return 0;
	err = jf_k8s_watch_event_parse(s, n, &ev, &root, e);
	if (err)
		return err;
	/* The object leaves the root first: the callback may take it. */
	cJSON_DetachItemViaPointer(root, ev.object);
	d->events++;
	err = d->fn ? d->fn(&ev, d->arg) : 0;
	cJSON_Delete(ev.object);
	cJSON_Delete(root);
	return err;
}

static int dec_append(struct jf_k8s_watch_dec *d, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (d->len + n > d->max)
		return -JF_ETOOBIG;
	if (d->len + n + 1 > d->cap) {
		cap = d->cap ? d->cap : 4096;
		while (cap < d->len + n + 1)
			cap *= 2;
		p = realloc(d->line, cap);
		if (!p)
			return -ENOMEM;
		d->line = p;
		d->cap = cap;
	}
	memcpy(d->line + d->len, s, n);
	d->len += n;
	d->line[d->len] = '\0';
	return 0;
}

int jf_k8s_watch_dec_feed(struct jf_k8s_watch_dec *d, const char *buf,
			  size_t len, struct jf_errmsg *e)
{
	const char *nl;
	size_t n;
	int err;

	while (len) {
		nl = memchr(buf, '\n', len);
		n = nl ? (size_t)(nl - buf) : len;
		if (!nl) {
			err = dec_append(d, buf, n);
			if (err == -JF_ETOOBIG)
				return jf_errf(
					e, err,
					"watch event longer than %zu bytes",
					d->max);
			return err;
		}
		if (d->len) {
			err = dec_append(d, buf, n);
			if (!err)
				err = dec_line(d, d->line, d->len, e);
			d->len = 0;
		} else if (n > d->max) {
			err = -JF_ETOOBIG;
		} else {
			err = dec_line(d, buf, n, e);
		}
		if (err == -JF_ETOOBIG)
			return jf_errf(e, err,
				       "watch event longer than %zu bytes",
				       d->max);
		if (err)
			return err;
		buf += n + 1;
		len -= n + 1;
	}
	return 0;
}

int jf_k8s_watch_dec_finish(struct jf_k8s_watch_dec *d, struct jf_errmsg *e)
{
	struct jf_k8s_event ev;
	cJSON *root;
	size_t n = d->len;

	d->len = 0;
	if (!n || blank(d->line, n))
		return 0;
	/* A complete last event without its newline is still an event; a
	 * cut one is a truncated stream. */
	if (jf_k8s_watch_event_parse(d->line, n, &ev, &root, NULL) == 0) {
		cJSON_Delete(root);
		return dec_line(d, d->line, n, e);
	}
	return jf_errf(e, -JF_EPARSE,
		       "watch stream ends inside an event (%zu bytes)", n);
}
