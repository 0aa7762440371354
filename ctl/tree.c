/* tree.c - the `get`/`watch` view of a flow, like `argo get`: a header
 * (name, status, times, progress) and a table of steps drawn as a tree,
 * with failed attempts and forEach iterations as children. */
#include "ctl/ctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_time.h"

enum {
	C_STEP,
	C_TEMPLATE,
	C_PHASE,
	C_ATTEMPTS,
	C_DURATION,
	C_JOB,
	C_MSG,
	NCOL
};

static const char *const col_names[NCOL] = {
	"STEP", "TEMPLATE", "PHASE", "ATTEMPTS", "DURATION", "JOB", "MESSAGE",
};

struct row {
	char *cell[NCOL];
	enum ctl_phase phase;
	size_t sym_at, sym_len; /* the symbol inside cell[C_STEP] */
};

struct table {
	struct row *rows;
	int n, cap;
	bool oom;
};

struct tctx {
	const cJSON *flow;
	const struct ctl_style *st;
	int64_t now;
	const char *invalid; /* the InvalidSpec message when it is True */
	struct table t;
};

static struct row *add_row(struct table *t)
{
	if (t->n == t->cap) {
		int cap = t->cap ? 2 * t->cap : 16;
		struct row *r = realloc(t->rows, (size_t)cap * sizeof(*r));

		if (!r) {
			t->oom = true;
			return NULL;
		}
		t->rows = r;
		t->cap = cap;
	}
	memset(&t->rows[t->n], 0, sizeof(t->rows[0]));
	return &t->rows[t->n++];
}

static void set_cell(struct table *t, struct row *r, int col, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

static void set_cell(struct table *t, struct row *r, int col, const char *fmt,
		     ...)
{
	va_list ap;
	char *s = NULL;

	if (!r)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		s = NULL;
		t->oom = true;
	}
	va_end(ap);
	free(r->cell[col]);
	r->cell[col] = s;
}

/* Display width: code points (every symbol we print is one column). */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; s && *s; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	}
	return w;
}

static int64_t time_at(const cJSON *o, const char *path)
{
	const char *s = jf_json_str(o, path, NULL);
	int64_t ms;

	if (!s || jf_time_parse(s, &ms))
		return -1;
	return ms;
}

static void dur_cell(struct tctx *x, struct row *r, int64_t start, int64_t end,
		     bool active)
{
	char d[32];

	if (start < 0)
		return;
	if (end < 0) {
		if (!active)
			return;
		end = x->now;
	}
	set_cell(&x->t, r, C_DURATION, "%s",
		 ctl_fmt_dur(end - start, d, sizeof(d)));
}

/* Joins message parts with "; ". */
static void msg_add(struct jf_buf *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void msg_add(struct jf_buf *m, const char *fmt, ...)
{
	va_list ap;

	if (m->len)
		jf_buf_puts(m, "; ");
	va_start(ap, fmt);
	jf_buf_vprintf(m, fmt, ap);
	va_end(ap);
}

static bool is_active(enum ctl_phase p)
{
	return p == CTL_PH_PENDING || p == CTL_PH_RUNNING ||
	       p == CTL_PH_BACKOFF;
}

static void retry_note(struct tctx *x, struct jf_buf *m, const cJSON *st)
{
	int64_t next = time_at(st, "nextRetryTime");
	char d[32];

	if (next < 0)
		return;
	if (next > x->now)
		msg_add(m, "retry in %s",
			ctl_fmt_dur(next - x->now + 999, d, sizeof(d)));
	else
		msg_add(m, "retry due");
}

static void failure_note(struct jf_buf *m, const cJSON *st)
{
	const cJSON *lf = jf_json_at(st, "lastFailure");
	const char *why;

	if (!cJSON_IsObject(lf))
		return;
	why = jf_json_str(lf, "reason", "");
	if (!*why)
		why = jf_json_str(lf, "phase", "Failed");
	msg_add(m, "last failure: %s %s", jf_json_str(lf, "job", "?"), why);
	if (*jf_json_str(lf, "message", ""))
		jf_buf_printf(m, ": %s", jf_json_str(lf, "message", ""));
}

/* Adds the parts of an InvalidSpec message ("step 'a': ...; step 'b':
 * ...") that concern step name, without the step prefix. */
static bool invalid_notes(const char *msg, const char *name, struct jf_buf *m)
{
	char prefix[300];
	size_t plen;
	bool any = false;

	plen = (size_t)snprintf(prefix, sizeof(prefix), "step '%s': ", name);
	if (plen >= sizeof(prefix))
		return false;
	for (const char *p = msg; p && *p;) {
		const char *next = strstr(p, "; step '");

		if (!strncmp(p, prefix, plen)) {
			size_t n = next ? (size_t)(next - p) : strlen(p);

			if (m->len)
				jf_buf_puts(m, "; ");
			jf_buf_append(m, p + plen, n - plen);
			any = true;
		}
		p = next ? next + 2 : NULL;
	}
	return any;
}

static void set_step_cell(struct tctx *x, struct row *r, const char *branch,
			  enum ctl_phase p, const char *name)
{
	const char *sym = ctl_phase_symbol(p, x->st->unicode);

	if (!r)
		return;
	r->phase = p;
	r->sym_at = 1 + strlen(branch);
	r->sym_len = strlen(sym);
	set_cell(&x->t, r, C_STEP, " %s%s %s", branch, sym, name);
}

/* Children for the earlier attempts of a plain step. */
static void attempt_rows(struct tctx *x, const cJSON *st, const char *indent)
{
	const cJSON *jobs = jf_json_at(st, "jobs"), *j, *js;
	const char *cur = jf_json_str(st, "currentJob", "");
	const char *lfjob = jf_json_str(st, "lastFailure.job", "");
	int n = 0, i = 0;

	cJSON_ArrayForEach (j, jobs) {
		if (cJSON_IsString(j) && strcmp(j->valuestring, cur))
			n++;
	}
	cJSON_ArrayForEach (j, jobs) {
		const char *name = cJSON_IsString(j) ? j->valuestring : "";
		const char *state = "Failed";
		char branch[64], label[16];
		struct row *r;

		if (!*name || !strcmp(name, cur))
			continue;
		i++;
		js = NULL;
		cJSON_ArrayForEach (
			js, jf_json_at(x->flow, "status.jobStatusList")) {
			if (!strcmp(jf_json_str(js, "name", ""), name))
				break;
		}
		if (js)
			state = jf_json_str(js, "state", state);
		snprintf(branch, sizeof(branch), "%s%s", indent,
			 i == n ? (x->st->unicode ? "└─" : "`-")
				: (x->st->unicode ? "├─" : "|-"));
		snprintf(label, sizeof(label), "#%d", i - 1);
		r = add_row(&x->t);
		set_step_cell(x, r, branch, ctl_phase_of(state), label);
		set_cell(&x->t, r, C_PHASE, "%s", state);
		set_cell(&x->t, r, C_JOB, "%s", name);
		if (js)
			dur_cell(x, r, time_at(js, "startTimestamp"),
				 time_at(js, "endTimestamp"), false);
		if (!strcmp(name, lfjob) &&
		    *jf_json_str(st, "lastFailure.message", ""))
			set_cell(&x->t, r, C_MSG, "%s",
				 jf_json_str(st, "lastFailure.message", ""));
	}
}

/* Children for the iterations of a forEach step. */
static void iteration_rows(struct tctx *x, const cJSON *st, const char *indent)
{
	const cJSON *its = jf_json_at(st, "iterationStatuses"), *it;
	int n = cJSON_GetArraySize(its), i = 0;

	cJSON_ArrayForEach (it, its) {
		enum ctl_phase p = ctl_phase_of(jf_json_str(it, "phase", ""));
		char branch[64], label[24];
		struct jf_buf m;
		struct row *r;

		i++;
		snprintf(branch, sizeof(branch), "%s%s", indent,
			 i == n ? (x->st->unicode ? "└─" : "`-")
				: (x->st->unicode ? "├─" : "|-"));
		snprintf(label, sizeof(label), "[%lld]",
			 (long long)jf_json_int(it, "index", i - 1));
		r = add_row(&x->t);
		set_step_cell(x, r, branch, p, label);
		set_cell(&x->t, r, C_PHASE, "%s",
			 jf_json_str(it, "phase", "Waiting"));
		if (jf_json_int(it, "attempts", 0) > 0)
			set_cell(&x->t, r, C_ATTEMPTS, "%lld",
				 (long long)jf_json_int(it, "attempts", 0));
		dur_cell(x, r, time_at(it, "startTime"),
			 time_at(it, "finishTime"), is_active(p));
		if (*jf_json_str(it, "currentJob", ""))
			set_cell(&x->t, r, C_JOB, "%s",
				 jf_json_str(it, "currentJob", ""));
		jf_buf_init(&m, 0);
		if (p == CTL_PH_BACKOFF)
			retry_note(x, &m, it);
		if (*jf_json_str(it, "message", ""))
			msg_add(&m, "%s", jf_json_str(it, "message", ""));
		if (p != CTL_PH_SUCCEEDED)
			failure_note(&m, it);
		if (m.len)
			set_cell(&x->t, r, C_MSG, "%s", m.data);
		jf_buf_release(&m);
	}
}

static void step_rows(struct tctx *x, const cJSON *spec_step, bool last)
{
	const char *name = jf_json_str(spec_step, "name", "?");
	const cJSON *st = ctl_step_status(x->flow, name);
	const char *phase = jf_json_str(st, "phase", "Waiting");
	enum ctl_phase p = ctl_phase_of(phase);
	const cJSON *sw = jf_json_at(spec_step, "switch");
	const char *tpl = jf_json_str(st, "jobTemplate", NULL);
	const char *uni_b = last ? "└─" : "├─", *asc_b = last ? "`-" : "|-";
	const char *uni_i = last ? "  " : "│ ", *asc_i = last ? "  " : "| ";
	struct jf_buf m;
	struct row *r;
	int64_t attempts = jf_json_int(st, "attempts", 0);

	if (!tpl && !cJSON_IsArray(sw))
		tpl = jf_json_str(spec_step, "jobTemplate", name);
	if (!st && x->invalid)
		phase = "";
	r = add_row(&x->t);
	set_step_cell(x, r, x->st->unicode ? uni_b : asc_b, p, name);
	set_cell(&x->t, r, C_TEMPLATE, "%s", tpl ? tpl : "");
	set_cell(&x->t, r, C_PHASE, "%s", phase);
	if (attempts > 0)
		set_cell(&x->t, r, C_ATTEMPTS, "%lld", (long long)attempts);
	dur_cell(x, r, time_at(st, "startTime"), time_at(st, "finishTime"),
		 is_active(p));
	if (*jf_json_str(st, "currentJob", ""))
		set_cell(&x->t, r, C_JOB, "%s",
			 jf_json_str(st, "currentJob", ""));

	jf_buf_init(&m, 0);
	if (p == CTL_PH_BACKOFF)
		retry_note(x, &m, st);
	if (cJSON_IsObject(jf_json_at(st, "iterations"))) {
		const cJSON *it = jf_json_at(st, "iterations");
		int64_t ok = jf_json_int(it, "succeeded", 0);
		int64_t bad = jf_json_int(it, "failed", 0);
		int64_t skip = jf_json_int(it, "skipped", 0);
		int64_t act = jf_json_int(it, "active", 0);

		msg_add(&m, "%lld/%lld done", (long long)(ok + bad + skip),
			(long long)jf_json_int(it, "total", 0));
		if (bad)
			jf_buf_printf(&m, ", %lld failed", (long long)bad);
		if (skip)
			jf_buf_printf(&m, ", %lld skipped", (long long)skip);
		if (act)
			jf_buf_printf(&m, ", %lld running", (long long)act);
	}
	if (cJSON_IsNumber(jf_json_at(st, "selectedCase"))) {
		int64_t k = jf_json_int(st, "selectedCase", 0);
		const cJSON *c = cJSON_GetArrayItem(sw, (int)k);

		msg_add(&m, "case %lld%s", (long long)k,
			c && !jf_json_at(c, "when") ? " (default)" : "");
	}
	if (*jf_json_str(st, "message", ""))
		msg_add(&m, "%s", jf_json_str(st, "message", ""));
	if (!st && x->invalid && !invalid_notes(x->invalid, name, &m))
		msg_add(&m, "not run: the flow is invalid");
	if (p != CTL_PH_SUCCEEDED)
		failure_note(&m, st);
	if (m.len)
		set_cell(&x->t, r, C_MSG, "%s", m.data);
	jf_buf_release(&m);

	if (cJSON_IsArray(jf_json_at(st, "iterationStatuses")))
		iteration_rows(x, st, x->st->unicode ? uni_i : asc_i);
	else
		attempt_rows(x, st, x->st->unicode ? uni_i : asc_i);
}

static void print_table(struct tctx *x, struct jf_buf *out)
{
	size_t w[NCOL];
	int last;

	for (int c = 0; c < NCOL; c++)
		w[c] = width(col_names[c]);
	for (int i = 0; i < x->t.n; i++) {
		for (int c = 0; c < NCOL; c++) {
			size_t cw = width(x->t.rows[i].cell[c]);

			if (cw > w[c])
				w[c] = cw;
		}
	}
	for (int c = 0; c < NCOL; c++)
		jf_buf_printf(out, "%-*s%s", c == NCOL - 1 ? 0 : (int)w[c],
			      col_names[c], c == NCOL - 1 ? "\n" : "  ");
	for (int i = 0; i < x->t.n; i++) {
		struct row *r = &x->t.rows[i];
		const char *color = ctl_phase_color(r->phase);

		for (last = NCOL - 1; last > 0 && !r->cell[last]; last--)
			;
		for (int c = 0; c <= last; c++) {
			const char *s = r->cell[c] ? r->cell[c] : "";
			size_t pad = w[c] - width(s);

			if (c == C_STEP && r->sym_len && x->st->color) {
				char sym[16];

				jf_buf_append(out, s, r->sym_at);
				snprintf(sym, sizeof(sym), "%.*s",
					 (int)r->sym_len, s + r->sym_at);
				ctl_colored(x->st, out, color, sym);
				jf_buf_puts(out, s + r->sym_at + r->sym_len);
			} else if (c == C_PHASE) {
				ctl_colored(x->st, out, color, s);
			} else {
				jf_buf_puts(out, s);
			}
			if (c < last)
				jf_buf_printf(out, "%*s", (int)pad + 2, "");
		}
		jf_buf_putc(out, '\n');
	}
}

static void header_time(struct tctx *x, struct jf_buf *out, const char *label,
			int64_t t)
{
	char ts[40], d[32];

	if (t < 0)
		return;
	jf_buf_printf(out, "%-11s%s (%s ago)\n", label,
		      jf_time_format(t, ts, sizeof(ts)),
		      ctl_fmt_dur(x->now - t, d, sizeof(d)));
}

static const char *invalid_message(const cJSON *flow)
{
	const cJSON *c;

	cJSON_ArrayForEach (c, jf_json_at(flow, "status.stepConditions")) {
		if (!strcmp(jf_json_str(c, "type", ""), "InvalidSpec") &&
		    !strcmp(jf_json_str(c, "status", ""), "True"))
			return jf_json_str(c, "message", "");
	}
	return NULL;
}

/* The flow's message: InvalidSpec, else the Succeeded or Progressing
 * condition's message. */
static const char *flow_message(const cJSON *flow)
{
	const char *pick[] = {"InvalidSpec", "Succeeded", "Progressing"};
	const cJSON *c;

	for (int k = 0; k < 3; k++) {
		cJSON_ArrayForEach (c,
				    jf_json_at(flow, "status.stepConditions")) {
			if (strcmp(jf_json_str(c, "type", ""), pick[k]) != 0)
				continue;
			if (k == 0 &&
			    strcmp(jf_json_str(c, "status", ""), "True"))
				continue;
			if (*jf_json_str(c, "message", ""))
				return jf_json_str(c, "message", "");
		}
	}
	return "";
}

static void retry_header(struct tctx *x, struct jf_buf *out)
{
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(
		jf_json_at(x->flow, "metadata.annotations"),
		"flow.volcano.sh/retry");
	const cJSON *seen = jf_json_at(x->flow, "status.retry"), *s;
	const char *seen_id = jf_json_str(seen, "observedId", "");
	cJSON *req = NULL;
	const char *id = "";

	if (cJSON_IsString(ann) &&
	    jf_json_parse(ann->valuestring, strlen(ann->valuestring), 65536,
			  &req, NULL) == 0)
		id = jf_json_str(req, "id", "");
	if (*id && strcmp(id, seen_id) != 0) {
		jf_buf_printf(out,
			      "%-11s%s: requested, not yet seen by the "
			      "controller\n",
			      "Retry:", id);
	} else if (*seen_id) {
		struct jf_buf steps;

		jf_buf_init(&steps, 0);
		cJSON_ArrayForEach (s, jf_json_at(seen, "steps")) {
			if (cJSON_IsString(s))
				jf_buf_printf(&steps, "%s%s",
					      steps.len ? ", " : "",
					      s->valuestring);
		}
		jf_buf_printf(out, "%-11s%s: ", "Retry:", seen_id);
		if (steps.len)
			jf_buf_printf(out, "retried %s", steps.data);
		else
			jf_buf_puts(out, "no failed steps to retry");
		if (*jf_json_str(seen, "message", ""))
			jf_buf_printf(out, "; %s",
				      jf_json_str(seen, "message", ""));
		jf_buf_putc(out, '\n');
		jf_buf_release(&steps);
	}
	cJSON_Delete(req);
}

int ctl_tree_render(const cJSON *flow, const struct ctl_style *st,
		    int64_t now_ms, struct jf_buf *out)
{
	struct tctx x = {.flow = flow,
			 .st = st,
			 .now = now_ms,
			 .invalid = invalid_message(flow)};
	const cJSON *flows = jf_json_at(flow, "spec.flows"), *s;
	const char *phase = jf_json_str(flow, "status.state.phase", "");
	enum ctl_phase fp = ctl_phase_of(phase);
	int n = cJSON_GetArraySize(flows), *order, done, total;
	int64_t started = -1, finished = -1;
	bool terminal = ctl_flow_terminal(phase);
	char d[32];
	struct row *r;

	order = calloc((size_t)n + 1, sizeof(int));
	if (!order || ctl_topo_order(flows, order, n) < 0) {
		free(order);
		return -ENOMEM;
	}
	cJSON_ArrayForEach (s, jf_json_at(flow, "status.stepStatuses")) {
		int64_t a = time_at(s, "startTime"),
			b = time_at(s, "finishTime");

		if (a >= 0 && (started < 0 || a < started))
			started = a;
		if (b > finished)
			finished = b;
	}
	if (!terminal)
		finished = -1;
	ctl_flow_progress(flow, &done, &total);

	jf_buf_printf(out, "%-11s%s\n",
		      "Name:", jf_json_str(flow, "metadata.name", ""));
	jf_buf_printf(out, "%-11s%s\n", "Namespace:",
		      jf_json_str(flow, "metadata.namespace", ""));
	jf_buf_printf(out, "%-11s", "Status:");
	ctl_colored(st, out, *phase ? ctl_phase_color(fp) : "",
		    *phase ? phase : "Unknown (no status yet)");
	jf_buf_putc(out, '\n');
	if (*flow_message(flow))
		jf_buf_printf(out, "%-11s%s\n", "Message:", flow_message(flow));
	header_time(&x, out,
		    "Created:", time_at(flow, "metadata.creationTimestamp"));
	header_time(&x, out, "Started:", started);
	header_time(&x, out, "Finished:", finished);
	if (started >= 0)
		jf_buf_printf(out, "%-11s%s\n", "Duration:",
			      ctl_fmt_dur((finished >= 0 ? finished : now_ms) -
						  started,
					  d, sizeof(d)));
	jf_buf_printf(out, "%-11s%d/%d\n", "Progress:", done, total);
	retry_header(&x, out);
	jf_buf_putc(out, '\n');

	r = add_row(&x.t);
	set_step_cell(&x, r, "", *phase ? fp : CTL_PH_WAITING,
		      jf_json_str(flow, "metadata.name", ""));
	if (*phase)
		set_cell(&x.t, r, C_PHASE, "%s", phase);
	dur_cell(&x, r, started, finished, !terminal);
	for (int k = 0; k < n; k++)
		step_rows(&x, cJSON_GetArrayItem(flows, order[k]), k == n - 1);
	if (!x.t.oom)
		print_table(&x, out);
	for (int i = 0; i < x.t.n; i++) {
		for (int c = 0; c < NCOL; c++)
			free(x.t.rows[i].cell[c]);
	}
	free(x.t.rows);
	free(order);
	return x.t.oom ? -ENOMEM : 0;
}
