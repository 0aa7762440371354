/* retry.c - manual retry of failed steps (`jobflowctl retry`): the
 * annotation flow.volcano.sh/retry holds {"id": ..., "steps": [...]}; a
 * request whose id differs from status.retry.observedId puts the Failed
 * steps (all, or the named ones) and the steps Omitted because of them
 * back to Waiting, exactly once. */
#include "rt.h"

#include <stdlib.h>
#include <string.h>

#include "jf_buf.h"
#include "jf_json.h"

#define RETRY_REQUEST_MAX (64u << 10)

static void reset_unit(struct jf_eng_unit *u)
{
	u->phase = u->prev_phase = JF_PH_WAITING;
	u->first = u->attempts;
	u->finish_ms = -1;
	u->next_ms = -1;
	u->first_fail_ms = -1;
	free(u->message);
	u->message = NULL;
}

static void reset_step(struct jf_eng_step *s, struct jf_eng_rstep *r)
{
	for (int i = 0; i < r->nunits; i++) {
		struct jf_eng_unit *u = &r->units[i];

		if (!s->foreach || u->phase == JF_PH_FAILED)
			reset_unit(u);
	}
	r->phase = r->prev_phase = JF_PH_WAITING;
	r->finish_ms = -1;
	free(r->message);
	r->message = NULL;
}

/* Carries the previous status.retry over, with an optional new message
 * (and a Warning event when that message is new). */
static void keep_prev(struct jf_eng_rc *rc, const cJSON *prev, char *msg)
{
	cJSON *r = cJSON_IsObject(prev) ? jf_eng_dup_nonull(prev) : NULL;

	if (msg) {
		if (strcmp(jf_json_str(prev, "message", ""), msg) != 0)
			jf_eng_event(rc, rc->flow_events, "Warning",
				     "RetryRejected", strdup(msg));
		if (!r)
			r = cJSON_CreateObject();
		if (!r || jf_json_set_str(r, "message", msg))
			rc->f->oom = true;
		free(msg);
	}
	rc->retry_status = r;
}

static int add_name(cJSON *list, const char *name)
{
	return cJSON_AddItemToArray(list, cJSON_CreateString(name)) ? 0 : -1;
}

void jf_eng_manual_retry(struct jf_eng_rc *rc)
{
	struct jf_eng_flow *f = rc->f;
	const cJSON *prev = jf_json_at(rc->prev_status, "retry");
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(
		jf_json_at(f->obj, "metadata.annotations"),
		JF_ANNOTATION_RETRY);
	const cJSON *names, *x;
	struct jf_errmsg e = {{0}};
	struct jf_buf notes;
	cJSON *req = NULL, *out, *done;
	const char *id;
	bool *mark;

	if (!cJSON_IsString(ann)) {
		keep_prev(rc, prev, NULL);
		return;
	}
	if (jf_json_parse(ann->valuestring, strlen(ann->valuestring),
			  RETRY_REQUEST_MAX, &req, &e)) {
		keep_prev(rc, prev,
			  jf_eng_strf(f, "invalid retry request: %s", e.msg));
		return;
	}
	id = jf_json_str(req, "id", "");
	names = cJSON_GetObjectItemCaseSensitive(req, "steps");
	if (!*id || (names && !cJSON_IsArray(names) && !cJSON_IsNull(names))) {
		keep_prev(rc, prev,
			  jf_eng_strf(f, "invalid retry request: %s",
				      *id ? "'steps' must be a list of step "
					    "names"
					  : "'id' is required"));
		cJSON_Delete(req);
		return;
	}
	if (strcmp(jf_json_str(prev, "observedId", ""), id) == 0) {
		keep_prev(rc, prev, NULL);
		cJSON_Delete(req);
		return;
	}
	mark = calloc((size_t)f->nsteps + 1, sizeof(*mark));
	out = cJSON_CreateObject();
	jf_buf_init(&notes, 4096);
	if (!mark || !out) {
		free(mark);
		cJSON_Delete(out);
		cJSON_Delete(req);
		f->oom = true;
		return;
	}
	cJSON_AddStringToObject(out, "observedId", id);
	done = cJSON_AddArrayToObject(out, "steps");
	if (cJSON_IsArray(names)) {
		cJSON_ArrayForEach (x, names) {
			const char *n = cJSON_IsString(x) ? x->valuestring : "";
			int i = jf_eng_map_get(&f->names, n);

			if (i < 0)
				jf_buf_printf(&notes, "%sunknown step '%s'",
					      notes.len ? "; " : "", n);
			else if (rc->rs[i].phase != JF_PH_FAILED)
				jf_buf_printf(
					&notes, "%sstep '%s' is %s",
					notes.len ? "; " : "", n,
					jf_eng_phase_name(rc->rs[i].phase));
			else
				mark[i] = true;
		}
	} else {
		for (int i = 0; i < f->nsteps; i++)
			mark[i] = rc->rs[i].phase == JF_PH_FAILED;
	}
	for (int i = 0; i < f->nsteps; i++) {
		if (mark[i] && add_name(done, f->steps[i].name))
			f->oom = true;
	}
	/* steps Omitted because of a retried step follow it */
	for (int k = 0; k < f->nsteps; k++) {
		struct jf_eng_step *s = &f->steps[f->order[k]];

		if (rc->rs[s->idx].phase != JF_PH_OMITTED)
			continue;
		for (int d = 0; d < s->ndeps; d++) {
			if (s->deps[d] >= 0 && mark[s->deps[d]])
				mark[s->idx] = true;
		}
	}
	for (int i = 0; i < f->nsteps; i++) {
		if (mark[i])
			reset_step(&f->steps[i], &rc->rs[i]);
	}
	cJSON_AddItemToObject(out, "time", jf_eng_time_json(rc->now_s));
	if (notes.len)
		cJSON_AddStringToObject(out, "message", notes.data);
	if (cJSON_GetArraySize(out) != 3 + (notes.len > 0))
		f->oom = true;
	{
		struct jf_buf b;
		char *m;

		jf_buf_init(&b, 8192);
		cJSON_ArrayForEach (x, done) {
			jf_buf_printf(&b, "%s'%s'", b.len ? ", " : "",
				      x->valuestring);
		}
		if (b.len)
			m = jf_eng_strf(f, "retry '%s': steps %s", id, b.data);
		else
			m = jf_eng_strf(f,
					"retry '%s': no failed steps to "
					"retry",
					id);
		jf_eng_event(rc, rc->flow_events, "Normal", "ManualRetry", m);
		jf_buf_release(&b);
	}
	rc->retry_status = out;
	jf_buf_release(&notes);
	free(mark);
	cJSON_Delete(req);
}
