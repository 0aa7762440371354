/* informer.c - list+watch with resume, relist on 410, backoff, resync,
 * tombstones and a mutation cache, over the indexed store (store.c). */
#include "jf_informer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"

#include "k8s_internal.h"
#include "k8s_store.h"

#define LIST_TIMEOUT_MS 60000
#define SHORT_WATCH_MS	1000

enum next_step {
	STEP_LIST,
	STEP_WATCH
};

struct jf_informer {
	struct jf_k8s_client *c;
	struct jf_k8s_resource res;
	char *res_strs[3];
	char *ns, *label_selector, *field_selector, *name;
	long page_size;
	int watch_timeout_s;
	int64_t resync_ms;
	jf_informer_transform_fn transform;
	void *transform_arg;
	struct jf_informer_handlers h;

	struct k8s_store store;
	struct k8s_backoff backoff;
	struct event *timer;
	struct event *resync;
	struct jf_k8s_call *call;
	enum next_step next;
	bool started, stopped, synced;
	bool rv_unavailable; /* the last list said our RV expired */
	char *rv;	     /* last synced resourceVersion ("" none) */
	char *cont;	     /* continue token of the list in progress */
	unsigned gen;	     /* relist generation */
	int64_t last_list_ms;
	int64_t watch_start_ms;
	unsigned long watch_events;
	struct jf_informer_stats st;
};

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void set_str(char **dst, const char *s)
{
	char *n = strdup(s ? s : "");

	if (!n)
		return; /* keep the old value on ENOMEM */
	free(*dst);
	*dst = n;
}

/* --- scheduling ---------------------------------------------------------- */

static void schedule(struct jf_informer *inf, enum next_step step,
		     int64_t delay_ms)
{
	struct timeval tv = {delay_ms / 1000, (delay_ms % 1000) * 1000};

	if (inf->stopped)
		return;
	inf->next = step;
	evtimer_add(inf->timer, &tv);
}

static void backoff(struct jf_informer *inf, enum next_step step,
		    const char *why, const char *err)
{
	int64_t d =
		k8s_backoff_next(&inf->backoff, jf_mono_ms(), jf_rand_unit());
	char ms[32];

	snprintf(ms, sizeof(ms), "%lld", (long long)d);
	jf_logk(JF_LOG_WARN,
		JF_FIELDS({"informer", inf->name}, {"err", err},
			  {"retry_ms", ms}),
		"%s", why);
	schedule(inf, step, d);
}

/* --- applying objects ---------------------------------------------------- */

static void prepare(struct jf_informer *inf, cJSON *obj)
{
	k8s_strip(obj);
	if (inf->transform)
		inf->transform(obj, inf->transform_arg);
}

/* Applies an added/modified object (owned; freed here). */
static void apply_upsert(struct jf_informer *inf, cJSON *obj)
{
	struct k8s_entry *e;
	cJSON *old = NULL;
	char key[512];
	const char *rv;
	int err;

	prepare(inf, obj);
	if (k8s_store_key(obj, key, sizeof(key)))
		goto out;
	rv = jf_json_str(obj, "metadata.resourceVersion", "");
	e = k8s_store_get(&inf->store, key);
	if (e) {
		int cmp = jf_informer_rv_cmp(rv, e->rv);

		e->gen = inf->gen;
		if (cmp == 0 || (e->observed && cmp < 0)) {
			/* The watch catching up with what we wrote, or a
			 * duplicate: nothing new. */
			if (cmp == 0)
				e->observed = false;
			inf->st.dropped++;
			goto out;
		}
		old = k8s_entry_parse(&inf->store, e);
	}
	err = k8s_store_put(&inf->store, obj, false, inf->gen, NULL);
	if (err) {
		jf_logk(JF_LOG_ERROR,
			JF_FIELDS({"informer", inf->name}, {"key", key}),
			"cannot cache object: %s", jf_strerror(err));
		goto out;
	}
	if (old && inf->h.on_update)
		inf->h.on_update(old, obj, inf->h.arg);
	else if (!old && e == NULL && inf->h.on_add)
		inf->h.on_add(obj, inf->h.arg);
	else if (!old && e && inf->h.on_update)
		inf->h.on_update(obj, obj, inf->h.arg); /* ENOMEM parse */
out:
	cJSON_Delete(old);
	cJSON_Delete(obj);
}

static void apply_delete(struct jf_informer *inf, cJSON *obj)
{
	struct k8s_entry *e;
	char key[512];

	prepare(inf, obj);
	if (k8s_store_key(obj, key, sizeof(key)))
		goto out;
	e = k8s_store_get(&inf->store, key);
	if (!e || (e->observed && *e->uid &&
		   strcmp(e->uid, jf_json_str(obj, "metadata.uid", e->uid)))) {
		inf->st.dropped++;
		goto out;
	}
	k8s_store_del(&inf->store, key);
	if (inf->h.on_delete)
		inf->h.on_delete(obj, false, inf->h.arg);
out:
	cJSON_Delete(obj);
}

/* After a complete list: objects it did not contain are gone. */
static void sweep(struct jf_informer *inf, const char *list_rv)
{
	size_t pos = 0, n = 0, cap = 0;
	const char *key;
	char **gone = NULL, **g;
	void *val;

	while (jf_hmap_next(&inf->store.map, &pos, &key, &val)) {
		struct k8s_entry *e = val;

		if (e->gen == inf->gen)
			continue;
		/* Written by us after the list's snapshot: keep it. */
		if (e->observed && jf_informer_rv_cmp(e->rv, list_rv) > 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			g = realloc(gone, cap * sizeof(*g));
			if (!g)
				break;
			gone = g;
		}
		gone[n] = strdup(key);
		if (gone[n])
			n++;
	}
	for (size_t i = 0; i < n; i++) {
		struct k8s_entry *e = k8s_store_get(&inf->store, gone[i]);
		cJSON *obj = e ? k8s_entry_parse(&inf->store, e) : NULL;

		k8s_store_del(&inf->store, gone[i]);
		if (obj && inf->h.on_delete && !inf->stopped)
			inf->h.on_delete(obj, true, inf->h.arg);
		cJSON_Delete(obj);
		free(gone[i]);
	}
	free(gone);
}

/* --- list ------------------------------------------------------------------
 */

static void list_done(struct jf_k8s_response *r, void *arg);
static void start_watch(struct jf_informer *inf);

static void start_list(struct jf_informer *inf)
{
	struct jf_k8s_req q = {
		.verb = JF_K8S_LIST,
		.res = &inf->res,
		.ns = inf->ns,
		.timeout_ms = LIST_TIMEOUT_MS,
		.max_retries = -1,
	};
	int err;

	q.opts.label_selector = inf->label_selector;
	q.opts.field_selector = inf->field_selector;
	q.opts.limit = inf->page_size;
	if (inf->cont && *inf->cont) {
		q.opts.cont = inf->cont;
	} else {
		/* client-go's relistResourceVersion() */
		if (inf->rv_unavailable)
			q.opts.resource_version = NULL;
		else if (!*inf->rv)
			q.opts.resource_version = "0";
		else
			q.opts.resource_version = inf->rv;
		inf->gen++;
	}
	inf->st.lists++;
	err = jf_k8s_submit(inf->c, &q, list_done, inf, &inf->call);
	if (err)
		backoff(inf, STEP_LIST, "cannot start list", jf_strerror(err));
}

/* Gives list items the kind the list implies, as client-go does for
 * unstructured lists. */
static void fill_kind(cJSON *item, const cJSON *list)
{
	const char *kind = jf_json_str(list, "kind", "");
	const char *api = jf_json_str(list, "apiVersion", "");
	size_t n = strlen(kind);
	char k[256];

	if (cJSON_GetObjectItemCaseSensitive(item, "kind") || n <= 4 ||
	    n >= sizeof(k) || strcmp(kind + n - 4, "List"))
		return;
	memcpy(k, kind, n - 4);
	k[n - 4] = '\0';
	jf_json_set_str(item, "kind", k);
	if (*api && !cJSON_GetObjectItemCaseSensitive(item, "apiVersion"))
		jf_json_set_str(item, "apiVersion", api);
}

static void list_done(struct jf_k8s_response *r, void *arg)
{
	struct jf_informer *inf = arg;
	cJSON *items, *item;
	const char *cont, *rv;

	inf->call = NULL;
	if (inf->stopped)
		return;
	if (r->err) {
		free(inf->cont);
		inf->cont = NULL;
		if (r->err == -JF_EGONE) {
			/* Our RV (or the continue token) expired: the next
			 * list is a consistent read from etcd. */
			inf->st.expired++;
			inf->rv_unavailable = true;
		}
		backoff(inf, STEP_LIST, "list failed", r->msg.msg);
		return;
	}
	items = cJSON_GetObjectItemCaseSensitive(r->body, "items");
	rv = jf_json_str(r->body, "metadata.resourceVersion", "");
	cont = jf_json_str(r->body, "metadata.continue", "");
	if ((!cJSON_IsArray(items) && !cJSON_IsNull(items) && items) ||
	    (!*cont && !*rv)) {
		backoff(inf, STEP_LIST, "list failed",
			"no items array or no resourceVersion");
		return;
	}
	while (items && (item = items->child) && !inf->stopped) {
		cJSON_DetachItemViaPointer(items, item);
		fill_kind(item, r->body);
		apply_upsert(inf, item);
	}
	if (inf->stopped)
		return;
	if (*cont) {
		set_str(&inf->cont, cont);
		start_list(inf);
		return;
	}
	free(inf->cont);
	inf->cont = NULL;
	if (inf->synced)
		inf->st.relists++;
	sweep(inf, rv);
	if (inf->stopped)
		return;
	set_str(&inf->rv, rv);
	inf->rv_unavailable = false;
	inf->synced = true;
	inf->last_list_ms = jf_mono_ms();
	start_watch(inf);
}

/* --- watch -----------------------------------------------------------------
 */

static int on_event(struct jf_k8s_event *ev, void *arg)
{
	struct jf_informer *inf = arg;
	char *rv;
	int err;

	if (inf->stopped)
		return 1;
	switch (ev->type) {
	case JF_K8S_BOOKMARK:
		if (*ev->rv)
			set_str(&inf->rv, ev->rv);
		return 0;
	case JF_K8S_ERROR:
		if (ev->code == 410) {
			inf->st.expired++;
			return -JF_EGONE;
		}
		jf_logk(JF_LOG_WARN,
			JF_FIELDS({"informer", inf->name},
				  {"reason", ev->reason}, {"err", ev->message}),
			"watch error event");
		err = jf_k8s_code_to_err(ev->code, ev->reason);
		return err ? err : -JF_ESERVER;
	default:
		break;
	}
	rv = xstrdup(ev->rv);
	inf->watch_events++;
	inf->st.events++;
	if (ev->type == JF_K8S_DELETED)
		apply_delete(inf, ev->object);
	else
		apply_upsert(inf, ev->object);
	ev->object = NULL;
	if (rv && *rv)
		set_str(&inf->rv, rv);
	free(rv);
	return inf->stopped ? 1 : 0;
}

static void watch_done(struct jf_k8s_response *r, void *arg)
{
	struct jf_informer *inf = arg;
	int64_t now = jf_mono_ms();

	inf->call = NULL;
	if (inf->stopped)
		return;
	if (r->err == -JF_EGONE) {
		if (r->code == 410)
			inf->st.expired++;
		/* Relist from the last RV; at once unless we just did. */
		if (now - inf->last_list_ms < SHORT_WATCH_MS)
			backoff(inf, STEP_LIST, "watch expired again",
				r->msg.msg);
		else
			schedule(inf, STEP_LIST, 0);
		return;
	}
	if (r->err) {
		inf->st.watch_errors++;
		/* A watch that worked for a while (events, or 1 s) and was
		 * then cut is resumed at once from its last RV, and the
		 * backoff starts over: connections are cut routinely (load
		 * balancers, apiserver restarts). Backing off there made an
		 * informer whose watches are cut every few seconds spend
		 * most of its time waiting (up to 30 s) on a stale cache. */
		if (inf->watch_events > 0 ||
		    now - inf->watch_start_ms >= SHORT_WATCH_MS) {
			jf_logk(JF_LOG_INFO,
				JF_FIELDS({"informer", inf->name},
					  {"err", r->msg.msg}),
				"watch cut, resuming");
			k8s_backoff_reset(&inf->backoff);
			schedule(inf, STEP_WATCH, 0);
			return;
		}
		backoff(inf, STEP_WATCH, "watch failed", r->msg.msg);
		return;
	}
	if (inf->watch_events == 0 &&
	    now - inf->watch_start_ms < SHORT_WATCH_MS) {
		inf->st.watch_errors++;
		backoff(inf, STEP_WATCH, "very short watch",
			"closed within 1s without events");
		return;
	}
	schedule(inf, STEP_WATCH, 0);
}

static void start_watch(struct jf_informer *inf)
{
	struct jf_k8s_req q = {
		.verb = JF_K8S_WATCH,
		.res = &inf->res,
		.ns = inf->ns,
	};
	int t = inf->watch_timeout_s, err;

	if (!*inf->rv) {
		start_list(inf);
		return;
	}
	q.opts.label_selector = inf->label_selector;
	q.opts.field_selector = inf->field_selector;
	q.opts.resource_version = inf->rv;
	q.opts.allow_bookmarks = true;
	q.opts.timeout_seconds = t + (int)(jf_rand_unit() * t);
	inf->watch_start_ms = jf_mono_ms();
	inf->watch_events = 0;
	inf->st.watches++;
	err = jf_k8s_watch(inf->c, &q, on_event, watch_done, inf, &inf->call);
	if (err)
		backoff(inf, STEP_WATCH, "cannot start watch",
			jf_strerror(err));
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct jf_informer *inf = arg;

	if (inf->stopped || inf->call)
		return;
	if (inf->next == STEP_LIST)
		start_list(inf);
	else
		start_watch(inf);
}

static void on_resync(evutil_socket_t fd, short what, void *arg)
{
	struct jf_informer *inf = arg;
	size_t pos = 0;
	const char *key;
	void *val;

	if (!inf->synced || inf->stopped || !inf->h.on_update)
		return;
	inf->st.resyncs++;
	while (jf_hmap_next(&inf->store.map, &pos, &key, &val)) {
		struct k8s_entry *e = val;
		cJSON *obj = k8s_entry_parse(&inf->store, e);

		if (obj)
			inf->h.on_update(obj, obj, inf->h.arg);
		cJSON_Delete(obj);
		if (inf->stopped)
			break;
	}
}

/* --- lifecycle -------------------------------------------------------------
 */

int jf_informer_new(struct jf_k8s_client *c, const struct jf_informer_opts *o,
		    const struct jf_informer_handlers *h,
		    struct jf_informer **out)
{
	struct event_base *base;
	struct jf_informer *inf;

	*out = NULL;
	if (!c || !o || !o->res || !o->res->resource || !o->res->version)
		return -EINVAL;
	inf = calloc(1, sizeof(*inf));
	if (!inf)
		return -ENOMEM;
	base = jf_k8s_client_base(c);
	inf->c = c;
	inf->res.namespaced = o->res->namespaced;
	inf->res.group = inf->res_strs[0] =
		xstrdup(o->res->group ? o->res->group : "");
	inf->res.version = inf->res_strs[1] = xstrdup(o->res->version);
	inf->res.resource = inf->res_strs[2] = xstrdup(o->res->resource);
	inf->ns = xstrdup(o->ns && *o->ns ? o->ns : NULL);
	inf->label_selector = xstrdup(o->label_selector);
	inf->field_selector = xstrdup(o->field_selector);
	inf->name = xstrdup(o->name ? o->name : o->res->resource);
	inf->rv = strdup("");
	inf->page_size = o->page_size > 0 ? o->page_size : 500;
	inf->watch_timeout_s =
		o->watch_timeout_s > 0 ? o->watch_timeout_s : 300;
	inf->resync_ms = o->resync_ms;
	inf->transform = o->transform;
	inf->transform_arg = o->transform_arg;
	if (h)
		inf->h = *h;
	k8s_backoff_init(&inf->backoff,
			 o->backoff_init_ms > 0 ? o->backoff_init_ms : 800,
			 o->backoff_max_ms > 0 ? o->backoff_max_ms : 30000,
			 o->backoff_reset_ms > 0 ? o->backoff_reset_ms : 120000,
			 2.0, 1.0);
	inf->timer = evtimer_new(base, on_timer, inf);
	if (inf->resync_ms > 0)
		inf->resync = event_new(base, -1, EV_PERSIST, on_resync, inf);
	if (k8s_store_init(&inf->store, o->pack_cache) || !inf->res.group ||
	    !inf->res.version || !inf->res.resource || !inf->name || !inf->rv ||
	    !inf->timer || (inf->resync_ms > 0 && !inf->resync) ||
	    (o->ns && *o->ns && !inf->ns) ||
	    (o->label_selector && !inf->label_selector) ||
	    (o->field_selector && !inf->field_selector)) {
		jf_informer_free(inf);
		return -ENOMEM;
	}
	*out = inf;
	return 0;
}

int jf_informer_add_index(struct jf_informer *inf, const char *name,
			  jf_informer_index_fn fn, void *arg)
{
	if (inf->started)
		return -EBUSY;
	return k8s_store_add_index(&inf->store, name, fn, arg);
}

int jf_informer_start(struct jf_informer *inf)
{
	struct timeval tv;

	if (inf->started && !inf->stopped)
		return -EBUSY;
	inf->started = true;
	inf->stopped = false;
	schedule(inf, inf->synced ? STEP_WATCH : STEP_LIST, 0);
	if (inf->resync) {
		tv.tv_sec = inf->resync_ms / 1000;
		tv.tv_usec = (inf->resync_ms % 1000) * 1000;
		event_add(inf->resync, &tv);
	}
	return 0;
}

void jf_informer_stop(struct jf_informer *inf)
{
	if (!inf || inf->stopped)
		return;
	inf->stopped = true;
	if (inf->call)
		jf_k8s_cancel(inf->call);
	inf->call = NULL;
	if (inf->timer)
		evtimer_del(inf->timer);
	if (inf->resync)
		event_del(inf->resync);
}

void jf_informer_free(struct jf_informer *inf)
{
	if (!inf)
		return;
	jf_informer_stop(inf);
	if (inf->timer)
		event_free(inf->timer);
	if (inf->resync)
		event_free(inf->resync);
	k8s_store_release(&inf->store);
	for (int i = 0; i < 3; i++)
		free(inf->res_strs[i]);
	free(inf->ns);
	free(inf->label_selector);
	free(inf->field_selector);
	free(inf->name);
	free(inf->rv);
	free(inf->cont);
	free(inf);
}

bool jf_informer_has_synced(const struct jf_informer *inf)
{
	return inf->synced;
}

const char *jf_informer_last_rv(const struct jf_informer *inf)
{
	return inf->rv;
}

size_t jf_informer_len(const struct jf_informer *inf)
{
	return jf_hmap_len(&inf->store.map);
}

/* --- lookups ---------------------------------------------------------------
 */

static const struct k8s_entry *lookup(const struct jf_informer *inf,
				      const char *ns, const char *name)
{
	char key[512];
	int n;

	if (!name)
		return NULL;
	n = ns && *ns ? snprintf(key, sizeof(key), "%s/%s", ns, name)
		      : snprintf(key, sizeof(key), "%s", name);
	if (n < 0 || (size_t)n >= sizeof(key))
		return NULL;
	return k8s_store_get(&inf->store, key);
}

cJSON *jf_informer_get(const struct jf_informer *inf, const char *ns,
		       const char *name)
{
	const struct k8s_entry *e = lookup(inf, ns, name);

	return e ? k8s_entry_parse(&inf->store, e) : NULL;
}

const char *jf_informer_get_raw(const struct jf_informer *inf, const char *ns,
				const char *name, size_t *len)
{
	const struct k8s_entry *e = lookup(inf, ns, name);

	if (!e) {
		if (len)
			*len = 0;
		return NULL;
	}
	return k8s_entry_text(&inf->store, e, len);
}

/* with_text false: the visit function gets no text (raw NULL, len 0),
 * which spares unpacking it. An entry that cannot be unpacked (ENOMEM)
 * is skipped and logged. */
static int visit(const struct jf_informer *inf, const struct k8s_entry *e,
		 bool with_text, jf_informer_visit_fn fn, void *arg)
{
	char ns[256];
	size_t n = e->ns_len < sizeof(ns) ? e->ns_len : sizeof(ns) - 1;
	size_t len = 0;
	const char *raw = NULL;

	if (with_text && !(raw = k8s_entry_text(&inf->store, e, &len))) {
		jf_logk(JF_LOG_ERROR,
			JF_FIELDS({"informer", inf->name}, {"key", e->key}),
			"cannot read cached object: out of memory");
		return 0;
	}
	memcpy(ns, e->key, n);
	ns[n] = '\0';
	return fn(ns, e->ns_len ? e->key + e->ns_len + 1 : e->key, raw, len,
		  arg);
}

int jf_informer_foreach(const struct jf_informer *inf, jf_informer_visit_fn fn,
			void *arg)
{
	size_t pos = 0;
	const char *key;
	void *val;
	int rc;

	while (jf_hmap_next(&inf->store.map, &pos, &key, &val))
		if ((rc = visit(inf, val, true, fn, arg)))
			return rc;
	return 0;
}

static int by_index(const struct jf_informer *inf, const char *index,
		    const char *value, bool with_text, jf_informer_visit_fn fn,
		    void *arg, size_t *count)
{
	struct k8s_entry *const *v;
	size_t n;
	int rc;

	if (count)
		*count = 0;
	rc = k8s_store_lookup(&inf->store, index, value, &v, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (count)
			(*count)++;
		if (fn && (rc = visit(inf, v[i], with_text, fn, arg)))
			return rc;
	}
	return 0;
}

int jf_informer_by_index(const struct jf_informer *inf, const char *index,
			 const char *value, jf_informer_visit_fn fn, void *arg,
			 size_t *count)
{
	return by_index(inf, index, value, true, fn, arg, count);
}

int jf_informer_names_by_index(const struct jf_informer *inf, const char *index,
			       const char *value, jf_informer_visit_fn fn,
			       void *arg, size_t *count)
{
	return by_index(inf, index, value, false, fn, arg, count);
}

size_t jf_informer_index_count(const struct jf_informer *inf, const char *index,
			       const char *value)
{
	struct k8s_entry *const *v;
	size_t n;

	if (k8s_store_lookup(&inf->store, index, value, &v, &n))
		return 0;
	return n;
}

/* --- mutation cache ------------------------------------------------------- */

int jf_informer_rv_cmp(const char *a, const char *b)
{
	char *ea, *eb;
	unsigned long long x, y;

	if (!a || !b)
		return a == b ? 0 : (a ? 1 : -1);
	if (*a && *b && *a != '-' && *b != '-') {
		errno = 0;
		x = strtoull(a, &ea, 10);
		y = strtoull(b, &eb, 10);
		if (!*ea && !*eb && !errno)
			return x < y ? -1 : x > y;
	}
	return strcmp(a, b) ? 1 : 0;
}

int jf_informer_observe(struct jf_informer *inf, const cJSON *obj)
{
	struct k8s_entry *e;
	const char *rv;
	char key[512];
	cJSON *copy;
	int err;

	rv = jf_json_str(obj, "metadata.resourceVersion", "");
	if (!*rv || k8s_store_key(obj, key, sizeof(key)))
		return -EINVAL;
	e = k8s_store_get(&inf->store, key);
	if (e && jf_informer_rv_cmp(rv, e->rv) <= 0)
		return 0;
	copy = cJSON_Duplicate(obj, 1);
	if (!copy)
		return -ENOMEM;
	prepare(inf, copy);
	err = k8s_store_put(&inf->store, copy, true, e ? e->gen : inf->gen,
			    NULL);
	cJSON_Delete(copy);
	return err ? err : 1;
}

void jf_informer_get_stats(const struct jf_informer *inf,
			   struct jf_informer_stats *out)
{
	*out = inf->st;
	out->objects = jf_hmap_len(&inf->store.map);
	out->bytes = inf->store.bytes;
	out->held = inf->store.held;
}
