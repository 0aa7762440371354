/* control.c - kubesim's control API under /kubesim/ (faults, dropping
 * watches, expiring history, outages, statistics, timeline) and the
 * bookkeeping behind the statistics and the timeline. */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"

/* --- statistics
 * ------------------------------------------------------------------ */

struct counter {
	struct ks_hnode n;
	char *key;
	uint64_t count;
};

static struct ks_map requests, creates;
static uint64_t conflicts, watch_events, internal_writes, total_requests;

static struct counter *bump(struct ks_map *m, const char *key)
{
	struct counter *c = ks_map_get(m, key);

	if (!c) {
		c = calloc(1, sizeof(*c));
		c->key = strdup(key);
		c->n.key = c->key;
		c->n.val = c;
		ks_map_put(m, &c->n);
	}
	c->count++;
	return c;
}

void ks_stats_request(const char *verb, const char *resource, int code)
{
	char key[256];

	snprintf(key, sizeof(key), "%s\t%s\t%d", verb, resource, code);
	bump(&requests, key);
	total_requests++;
}

void ks_stats_write(struct ks_res *r)
{
	r->n_writes++;
}

void ks_stats_create(struct ks_res *r, const char *ns, const char *name)
{
	char key[600];

	r->n_creates++;
	snprintf(key, sizeof(key), "%s\t%s\t%s", r->plural, ns ? ns : "", name);
	bump(&creates, key);
}

void ks_stats_conflict(void)
{
	conflicts++;
}

void ks_stats_watch_events(uint64_t n)
{
	watch_events += n;
}

static void map_free(struct ks_map *m)
{
	for (size_t b = 0; b < m->nb; b++) {
		struct ks_hnode *h = m->b[b], *next;

		for (; h; h = next) {
			struct counter *c = h->val;

			next = h->next;
			free(c->key);
			free(c);
		}
	}
	ks_map_release(m);
}

/* --- timeline
 * -------------------------------------------------------------------- */

struct tl_entry {
	struct ks_hnode n;
	char uid[40];
	char *resource, *ns, *name;
	int64_t created_ms;
	char last_phase[32];
	cJSON *phases;
	struct tl_entry *next;
};

static struct ks_map tl_map;
static struct tl_entry *tl_head, **tl_tail = &tl_head;

static const char *phase_of(const cJSON *o)
{
	const char *p = jf_json_str(o, "status.state.phase", NULL);

	return p ? p : jf_json_str(o, "status.phase", NULL);
}

void ks_timeline_created(struct ks_res *r, const cJSON *obj, int64_t ms)
{
	struct tl_entry *e;

	if (r->builtin)
		return;
	e = calloc(1, sizeof(*e));
	snprintf(e->uid, sizeof(e->uid), "%s",
		 jf_json_str(obj, "metadata.uid", ""));
	e->resource = strdup(r->plural);
	e->ns = strdup(jf_json_str(obj, "metadata.namespace", ""));
	e->name = strdup(jf_json_str(obj, "metadata.name", ""));
	e->created_ms = ms;
	e->phases = cJSON_CreateArray();
	e->n.key = e->uid;
	e->n.val = e;
	ks_map_put(&tl_map, &e->n);
	*tl_tail = e;
	tl_tail = &e->next;
}

void ks_timeline_status(struct ks_res *r, const cJSON *oldo, const cJSON *newo,
			int64_t ms)
{
	struct tl_entry *e;
	const char *p;
	cJSON *x;

	if (r->builtin)
		return;
	p = phase_of(newo);
	if (!p)
		return;
	e = ks_map_get(&tl_map, jf_json_str(newo, "metadata.uid", ""));
	if (!e || !strcmp(e->last_phase, p))
		return;
	snprintf(e->last_phase, sizeof(e->last_phase), "%s", p);
	x = cJSON_CreateObject();
	cJSON_AddStringToObject(x, "phase", p);
	cJSON_AddNumberToObject(x, "ms", (double)ms);
	cJSON_AddItemToArray(e->phases, x);
}

static void timeline_free(void)
{
	struct tl_entry *e, *next;

	for (e = tl_head; e; e = next) {
		next = e->next;
		free(e->resource);
		free(e->ns);
		free(e->name);
		cJSON_Delete(e->phases);
		free(e);
	}
	tl_head = NULL;
	tl_tail = &tl_head;
	ks_map_release(&tl_map);
}

void ks_stats_free(void)
{
	map_free(&requests);
	map_free(&creates);
	timeline_free();
}

/* --- faults
 * ------------------------------------------------------------------------ */

static int parse_ms(const char *v, int64_t *out)
{
	struct jf_errmsg e;

	return jf_duration_parse(v, out, &e);
}

static int set_fault(struct ks_faults *f, const char *k, const char *v,
		     char *msg, size_t cap)
{
	char *end;

	if (!strcmp(k, "error-rate")) {
		f->error_rate = strtod(v, &end);
	} else if (!strcmp(k, "throttle-rate")) {
		f->throttle_rate = strtod(v, &end);
	} else if (!strcmp(k, "retry-after")) {
		f->retry_after = (int)strtol(v, &end, 10);
	} else if (!strcmp(k, "seed")) {
		f->seed = strtoull(v, &end, 10);
	} else if (!strcmp(k, "latency")) {
		end = (char *)"";
		if (parse_ms(v, &f->latency_ms))
			goto bad;
	} else if (!strcmp(k, "drop-watches-every")) {
		end = (char *)"";
		if (parse_ms(v, &f->drop_every_ms))
			goto bad;
	} else {
		snprintf(msg, cap, "unknown fault '%s'", k);
		return -1;
	}
	if (*end == '\0')
		return 0;
bad:
	snprintf(msg, cap, "bad value '%s' for fault '%s'", v, k);
	return -1;
}

int ks_faults_parse(const char *spec, struct ks_faults *f, char *msg,
		    size_t cap)
{
	char *s = strdup(spec), *save = NULL;
	int err = 0;

	for (char *t = strtok_r(s, ",", &save); t && !err;
	     t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');

		while (*t == ' ')
			t++;
		if (!eq) {
			snprintf(msg, cap, "fault '%s' has no value", t);
			err = -1;
			break;
		}
		*eq = '\0';
		err = set_fault(f, t, eq + 1, msg, cap);
	}
	free(s);
	return err;
}

static void drop_tick(evutil_socket_t fd, short what, void *arg)
{
	ks_watch_drop_all("drop-watches-every");
}

void ks_faults_apply(const struct ks_faults *f)
{
	ks.faults = *f;
	if (f->seed)
		ks.prng = f->seed * 0x9E3779B97F4A7C15ULL + 1;
	if (ks.ev_drop) {
		event_free(ks.ev_drop);
		ks.ev_drop = NULL;
	}
	if (f->drop_every_ms > 0) {
		struct timeval tv = {f->drop_every_ms / 1000,
				     (f->drop_every_ms % 1000) * 1000};

		ks.ev_drop =
			event_new(ks.base, -1, EV_PERSIST, drop_tick, NULL);
		evtimer_add(ks.ev_drop, &tv);
	}
}

static cJSON *faults_json(void)
{
	cJSON *d = cJSON_CreateObject();
	char b[40];

	cJSON_AddNumberToObject(d, "error-rate", ks.faults.error_rate);
	cJSON_AddNumberToObject(d, "throttle-rate", ks.faults.throttle_rate);
	cJSON_AddNumberToObject(d, "retry-after", ks.faults.retry_after);
	cJSON_AddStringToObject(
		d, "latency",
		jf_duration_format(ks.faults.latency_ms, b, sizeof(b)));
	cJSON_AddStringToObject(
		d, "drop-watches-every",
		jf_duration_format(ks.faults.drop_every_ms, b, sizeof(b)));
	cJSON_AddNumberToObject(d, "seed", (double)ks.faults.seed);
	return d;
}

static void post_faults(struct ks_req *q)
{
	cJSON *body = cJSON_ParseWithLength(q->body, q->body_len);
	struct ks_faults f = ks.faults;
	const cJSON *e;
	char msg[256], v[64];
	cJSON *d;

	if (!cJSON_IsObject(body)) {
		cJSON_Delete(body);
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
				"expected a JSON object of faults");
		return;
	}
	if (jf_json_bool(body, "reset", false))
		memset(&f, 0, sizeof(f));
	cJSON_ArrayForEach (e, body) {
		if (!strcmp(e->string, "reset"))
			continue;
		if (cJSON_IsNumber(e))
			snprintf(v, sizeof(v), "%.17g", e->valuedouble);
		else if (cJSON_IsString(e))
			snprintf(v, sizeof(v), "%s", e->valuestring);
		else
			snprintf(v, sizeof(v), "?");
		if (cJSON_IsNumber(e) &&
		    (!strcmp(e->string, "latency") ||
		     !strcmp(e->string, "drop-watches-every")))
			snprintf(v, sizeof(v), "%lldms",
				 (long long)e->valuedouble);
		if (cJSON_IsNumber(e) && (!strcmp(e->string, "retry-after") ||
					  !strcmp(e->string, "seed")))
			snprintf(v, sizeof(v), "%lld",
				 (long long)e->valuedouble);
		if (set_fault(&f, e->string, v, msg, sizeof(msg))) {
			cJSON_Delete(body);
			ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
					"%s", msg);
			return;
		}
	}
	cJSON_Delete(body);
	ks_faults_apply(&f);
	jf_logk(JF_LOG_INFO, NULL, "faults changed");
	d = faults_json();
	ks_reply_json(q, 200, d);
	cJSON_Delete(d);
}

/* --- stats and timeline replies
 * ------------------------------------------------------ */

static cJSON *obj_at(cJSON *parent, const char *key)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(parent, key);

	if (!c)
		c = cJSON_AddObjectToObject(parent, key);
	return c;
}

static void get_stats(struct ks_req *q)
{
	cJSON *d = cJSON_CreateObject(), *reqs, *writes, *objs, *dup, *cr;

	cJSON_AddNumberToObject(d, "requests_total", (double)total_requests);
	reqs = cJSON_AddObjectToObject(d, "requests");
	for (size_t b = 0; b < requests.nb; b++) {
		for (struct ks_hnode *h = requests.b[b]; h; h = h->next) {
			struct counter *c = h->val;
			char verb[64], res[160], code[16];

			if (sscanf(c->key, "%63[^\t]\t%159[^\t]\t%15s", verb,
				   res, code) != 3) {
				if (sscanf(c->key, "%63[^\t]\t\t%15s", verb,
					   code) != 2)
					continue;
				snprintf(res, sizeof(res), "-");
			}
			cJSON_AddNumberToObject(obj_at(obj_at(reqs, verb), res),
						code, (double)c->count);
		}
	}
	writes = cJSON_AddObjectToObject(d, "writes");
	cr = cJSON_AddObjectToObject(d, "creates");
	objs = cJSON_AddObjectToObject(d, "objects");
	for (struct ks_res *r = ks.res; r; r = r->next) {
		char name[256];
		const char *key = r->plural;

		/* plural names, qualified where two groups share one */
		ks_res_qualified(r, name, sizeof(name));
		for (struct ks_res *p = ks.res; p != r; p = p->next) {
			if (!strcmp(p->plural, r->plural))
				key = name;
		}
		if (r->n_writes)
			cJSON_AddNumberToObject(writes, key,
						(double)r->n_writes);
		if (r->n_creates)
			cJSON_AddNumberToObject(cr, key, (double)r->n_creates);
		cJSON_AddNumberToObject(objs, name, (double)r->objs.count);
	}
	cJSON_AddNumberToObject(d, "conflicts", (double)conflicts);
	cJSON_AddNumberToObject(d, "internal_writes", (double)internal_writes);
	dup = cJSON_AddArrayToObject(d, "duplicate_creates");
	for (size_t b = 0; b < creates.nb; b++) {
		for (struct ks_hnode *h = creates.b[b]; h; h = h->next) {
			struct counter *c = h->val;
			char res[160], ns[256], name[256];
			cJSON *e;

			if (c->count < 2)
				continue;
			ns[0] = '\0';
			if (sscanf(c->key, "%159[^\t]\t%255[^\t]\t%255s", res,
				   ns, name) != 3 &&
			    sscanf(c->key, "%159[^\t]\t\t%255s", res, name) !=
				    2)
				continue;
			e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "resource", res);
			cJSON_AddStringToObject(e, "namespace", ns);
			cJSON_AddStringToObject(e, "name", name);
			cJSON_AddNumberToObject(e, "count", (double)c->count);
			cJSON_AddItemToArray(dup, e);
		}
	}
	cJSON_AddNumberToObject(d, "watch_events_sent", (double)watch_events);
	cJSON_AddNumberToObject(d, "watches_current", (double)ks_watch_count());
	cJSON_AddNumberToObject(d, "resource_version", (double)ks.rv);
	ks_reply_json(q, 200, d);
	cJSON_Delete(d);
}

static void reset_stats(void)
{
	map_free(&requests);
	map_free(&creates);
	conflicts = watch_events = internal_writes = total_requests = 0;
	for (struct ks_res *r = ks.res; r; r = r->next)
		r->n_writes = r->n_creates = 0;
}

static void get_timeline(struct ks_req *q)
{
	const char *res = ks_query(q, "resource");
	struct jf_buf b;
	bool first = true;

	jf_buf_init(&b, 0);
	jf_buf_puts(&b, "{\"items\":[");
	for (struct tl_entry *e = tl_head; e; e = e->next) {
		char *ph;

		if (res && strcmp(res, e->resource))
			continue;
		ph = jf_json_print(e->phases);
		jf_buf_printf(&b,
			      "%s{\"resource\":\"%s\",\"namespace\":\"%s\","
			      "\"name\":\"%s\",\"uid\":\"%s\",\"created_ms\":"
			      "%lld,\"phases\":%s}",
			      first ? "" : ",", e->resource, e->ns, e->name,
			      e->uid, (long long)e->created_ms, ph);
		free(ph);
		first = false;
	}
	jf_buf_puts(&b, "]}");
	ks_reply_raw(q, 200, b.data, b.len);
	jf_buf_release(&b);
}

void ks_control_handle(struct ks_req *q, const char *path)
{
	const char *p = path + strlen("/kubesim/");
	cJSON *ok;

	q->verb = "control";
	if (q->method == KS_GET && !strcmp(p, "stats")) {
		get_stats(q);
		return;
	}
	if (q->method == KS_GET && !strcmp(p, "timeline")) {
		get_timeline(q);
		return;
	}
	if (q->method == KS_GET && !strcmp(p, "faults")) {
		cJSON *d = faults_json();

		ks_reply_json(q, 200, d);
		cJSON_Delete(d);
		return;
	}
	if (q->method != KS_POST) {
		ks_reply_status(q, 404, "NotFound", NULL, NULL, NULL,
				"unknown control endpoint");
		return;
	}
	if (!strcmp(p, "faults")) {
		post_faults(q);
		return;
	}
	ok = cJSON_CreateObject();
	cJSON_AddStringToObject(ok, "status", "ok");
	if (!strcmp(p, "drop-watches")) {
		cJSON_AddNumberToObject(ok, "dropped",
					(double)ks_watch_count());
		ks_watch_drop_all("control");
	} else if (!strcmp(p, "expire-history")) {
		ks_store_expire_history();
		cJSON_AddNumberToObject(ok, "resourceVersion", (double)ks.rv);
	} else if (!strcmp(p, "outage")) {
		cJSON *body = cJSON_ParseWithLength(q->body, q->body_len);
		double s = jf_json_num(body, "seconds", 0);

		cJSON_Delete(body);
		ks.outage_until_mono = jf_mono_ms() + (int64_t)(s * 1000);
		ks_watch_drop_all("outage");
		jf_logk(JF_LOG_INFO, NULL, "outage for %.3g s", s);
	} else if (!strcmp(p, "reset-stats")) {
		reset_stats();
	} else {
		cJSON_Delete(ok);
		ks_reply_status(q, 404, "NotFound", NULL, NULL, NULL,
				"unknown control endpoint");
		return;
	}
	ks_reply_json(q, 200, ok);
	cJSON_Delete(ok);
}

void ks_stats_internal_write(void)
{
	internal_writes++;
}
