/* graph.c - `jobflowctl graph FILE|NAME [--format mermaid|dot]`: a flow's
 * DAG. Nodes are steps (with template, `when`, switch cases and forEach
 * counts), edges are dependsOn targets (AllDone dashed); a live flow's
 * nodes are coloured by their stepStatuses phase. */
#include "ctl/ctl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jf_json.h"

struct phase_style {
	const char *cls;  /* mermaid class */
	const char *fill; /* fill colour */
	const char *line; /* stroke colour */
};

/* indexed by enum ctl_phase */
static const struct phase_style phase_styles[] = {
	{"waiting", "#f8f9fa", "#adb5bd"},   {"pending", "#fff3cd", "#ffc107"},
	{"running", "#cce5ff", "#007bff"},   {"backoff", "#ffe5b4", "#fd7e14"},
	{"succeeded", "#d4edda", "#28a745"}, {"failed", "#f8d7da", "#dc3545"},
	{"skipped", "#e9ecef", "#6c757d"},   {"omitted", "#e9ecef", "#6c757d"},
	{"unknown", "#ffffff", "#6c757d"},
};

struct gnode {
	char *id;     /* mermaid id */
	cJSON *lines; /* label lines (strings) */
	enum ctl_phase phase;
};

static int64_t param_list_len(const cJSON *flow, const char *name)
{
	const cJSON *p;

	cJSON_ArrayForEach (p, jf_json_at(flow, "spec.params")) {
		if (!strcmp(jf_json_str(p, "name", ""), name))
			return cJSON_IsArray(cJSON_GetObjectItem(p, "value"))
				       ? cJSON_GetArraySize(cJSON_GetObjectItem(
						 p, "value"))
				       : -1;
	}
	return -1;
}

static void add_line(cJSON *lines, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_line(cJSON *lines, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s)
		cJSON_AddItemToArray(lines, cJSON_CreateString(s));
	free(s);
}

static void foreach_line(const cJSON *flow, const cJSON *fe, const cJSON *st,
			 cJSON *lines)
{
	const cJSON *it = jf_json_at(st, "iterations");
	struct jf_buf b;
	int64_t n = -1;

	jf_buf_init(&b, 0);
	if (cJSON_IsObject(it)) {
		jf_buf_printf(&b, "forEach: %lld/%lld done",
			      (long long)(jf_json_int(it, "succeeded", 0) +
					  jf_json_int(it, "failed", 0) +
					  jf_json_int(it, "skipped", 0)),
			      (long long)jf_json_int(it, "total", 0));
		if (jf_json_int(it, "failed", 0))
			jf_buf_printf(&b, ", %lld failed",
				      (long long)jf_json_int(it, "failed", 0));
	} else {
		if (cJSON_IsArray(jf_json_at(fe, "items"))) {
			n = cJSON_GetArraySize(jf_json_at(fe, "items"));
		} else if (cJSON_IsObject(jf_json_at(fe, "range"))) {
			double a = jf_json_num(fe, "range.start", 0);
			double z = jf_json_num(fe, "range.end", 0);
			double s = jf_json_num(fe, "range.step", 1);

			if (s > 0)
				n = z > a ? (int64_t)ceil((z - a) / s) : 0;
		} else if (jf_json_str(fe, "param", NULL)) {
			n = param_list_len(flow, jf_json_str(fe, "param", ""));
		}
		if (n >= 0)
			jf_buf_printf(&b, "forEach: %lld item%s", (long long)n,
				      n == 1 ? "" : "s");
		else
			jf_buf_puts(&b, "forEach");
		if (jf_json_str(fe, "param", NULL))
			jf_buf_printf(&b, " of params.%s",
				      jf_json_str(fe, "param", ""));
	}
	if (jf_json_int(fe, "parallelism", 0) > 0)
		jf_buf_printf(&b, ", parallelism %lld",
			      (long long)jf_json_int(fe, "parallelism", 0));
	add_line(lines, "%s", b.data ? b.data : "forEach");
	jf_buf_release(&b);
}

static void node_lines(const cJSON *flow, const cJSON *step, bool live,
		       struct gnode *g)
{
	const char *name = jf_json_str(step, "name", "?");
	const cJSON *st = live ? ctl_step_status(flow, name) : NULL;
	const cJSON *sw = jf_json_at(step, "switch"), *c;
	const char *tpl = jf_json_str(step, "jobTemplate", name);
	int k = 0;

	g->lines = cJSON_CreateArray();
	if (!g->lines)
		return;
	add_line(g->lines, "%s", name);
	if (live && *jf_json_str(st, "jobTemplate", ""))
		tpl = jf_json_str(st, "jobTemplate", "");
	if (!cJSON_IsArray(sw) && strcmp(tpl, name))
		add_line(g->lines, "template: %s", tpl);
	if (jf_json_str(step, "when", NULL))
		add_line(g->lines, "when: %s", jf_json_str(step, "when", ""));
	cJSON_ArrayForEach (c, sw) {
		bool sel = live &&
			   cJSON_IsNumber(jf_json_at(st, "selectedCase")) &&
			   jf_json_int(st, "selectedCase", -1) == k;
		const char *ct = jf_json_str(c, "jobTemplate", name);

		if (jf_json_str(c, "when", NULL))
			add_line(g->lines, "case %d: %s → %s%s", k,
				 jf_json_str(c, "when", ""), ct,
				 sel ? " (selected)" : "");
		else
			add_line(g->lines, "default → %s%s", ct,
				 sel ? " (selected)" : "");
		k++;
	}
	if (cJSON_IsObject(jf_json_at(step, "forEach")))
		foreach_line(flow, jf_json_at(step, "forEach"), st, g->lines);
	if (live) {
		const char *ph = jf_json_str(st, "phase", "Waiting");

		g->phase = ctl_phase_of(ph);
		add_line(g->lines, "%s", ph);
	}
}

static char *mermaid_id(const char *name, const struct gnode *nodes, int n,
			int idx)
{
	struct jf_buf b;

	jf_buf_init(&b, 0);
	jf_buf_puts(&b, "s_");
	for (const char *p = name; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') ||
			  (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');

		jf_buf_putc(&b, ok ? *p : '_');
	}
	for (int i = 0; i < n; i++) {
		if (nodes[i].id && !strcmp(nodes[i].id, b.data ? b.data : "")) {
			jf_buf_printf(&b, "_%d", idx);
			break;
		}
	}
	return jf_buf_steal(&b);
}

/* Mermaid label text: entities for what the parser would take. */
static void mermaid_text(struct jf_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '"':
			jf_buf_puts(b, "#quot;");
			break;
		case '#':
			jf_buf_puts(b, "#35;");
			break;
		case '<':
			jf_buf_puts(b, "#lt;");
			break;
		case '>':
			jf_buf_puts(b, "#gt;");
			break;
		case '&':
			jf_buf_puts(b, "#amp;");
			break;
		case '\n':
			jf_buf_puts(b, " ");
			break;
		default:
			jf_buf_putc(b, *s);
		}
	}
}

static void dot_text(struct jf_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			jf_buf_putc(b, '\\');
		if (*s == '\n')
			jf_buf_puts(b, "\\n");
		else
			jf_buf_putc(b, *s);
	}
}

/* Edge label: AllDone and probed tasks ("ps Running"). */
static void edge_label(const cJSON *step, struct jf_buf *b)
{
	const cJSON *t;

	if (!strcmp(jf_json_str(step, "dependsOn.policy", ""), "AllDone"))
		jf_buf_puts(b, "AllDone");
	cJSON_ArrayForEach (
		t, jf_json_at(step, "dependsOn.probe.taskStatusList")) {
		jf_buf_printf(b, "%s%s %s", b->len ? ", " : "",
			      jf_json_str(t, "taskName", "?"),
			      jf_json_str(t, "phase", "?"));
	}
}

static void render_mermaid(const cJSON *flow, const struct gnode *g, int n,
			   bool live, struct jf_buf *out)
{
	const cJSON *flows = jf_json_at(flow, "spec.flows");
	const cJSON *step, *t;
	int i = 0;

	jf_buf_puts(out, "---\ntitle: ");
	mermaid_text(out, jf_json_str(flow, "metadata.name", "flow"));
	jf_buf_puts(out, "\n---\nflowchart TD\n");
	for (i = 0; i < n; i++) {
		const cJSON *l;
		bool first = true;

		jf_buf_printf(out, "    %s[\"", g[i].id);
		cJSON_ArrayForEach (l, g[i].lines) {
			if (!first)
				jf_buf_puts(out, "<br/>");
			mermaid_text(out, l->valuestring);
			first = false;
		}
		jf_buf_puts(out, "\"]\n");
	}
	i = 0;
	cJSON_ArrayForEach (step, flows) {
		struct jf_buf lab;

		jf_buf_init(&lab, 0);
		edge_label(step, &lab);
		cJSON_ArrayForEach (t, jf_json_at(step, "dependsOn.targets")) {
			int from =
				cJSON_IsString(t)
					? ctl_step_index(flows, t->valuestring)
					: -1;
			bool dashed = !strcmp(
				jf_json_str(step, "dependsOn.policy", ""),
				"AllDone");

			if (from < 0)
				continue;
			jf_buf_printf(out, "    %s %s", g[from].id,
				      dashed ? "-." : "--");
			if (lab.len) {
				jf_buf_putc(out, ' ');
				mermaid_text(out, lab.data);
				jf_buf_puts(out, dashed ? " .->" : " -->");
			} else {
				jf_buf_puts(out, dashed ? "->" : ">");
			}
			jf_buf_printf(out, " %s\n", g[i].id);
		}
		jf_buf_release(&lab);
		i++;
	}
	if (!live)
		return;
	for (int p = 0; p <= CTL_PH_UNKNOWN; p++) {
		bool used = false;

		for (i = 0; i < n && !used; i++)
			used = (int)g[i].phase == p;
		if (!used)
			continue;
		jf_buf_printf(out, "    classDef %s fill:%s,stroke:%s%s\n",
			      phase_styles[p].cls, phase_styles[p].fill,
			      phase_styles[p].line,
			      p == CTL_PH_SKIPPED || p == CTL_PH_OMITTED
				      ? ",stroke-dasharray:4 3"
				      : "");
		jf_buf_puts(out, "    class ");
		used = false;
		for (i = 0; i < n; i++) {
			if ((int)g[i].phase != p)
				continue;
			jf_buf_printf(out, "%s%s", used ? "," : "", g[i].id);
			used = true;
		}
		jf_buf_printf(out, " %s\n", phase_styles[p].cls);
	}
}

static void render_dot(const cJSON *flow, const struct gnode *g, int n,
		       bool live, struct jf_buf *out)
{
	const cJSON *flows = jf_json_at(flow, "spec.flows");
	const cJSON *step, *t;
	int i;

	jf_buf_puts(out, "digraph \"");
	dot_text(out, jf_json_str(flow, "metadata.name", "flow"));
	jf_buf_puts(out, "\" {\n    rankdir=TB;\n"
			 "    node [shape=box, style=rounded, "
			 "fontname=\"Helvetica\"];\n"
			 "    edge [fontname=\"Helvetica\", fontsize=10];\n");
	i = 0;
	cJSON_ArrayForEach (step, flows) {
		const cJSON *l;
		bool first = true;

		jf_buf_puts(out, "    \"");
		dot_text(out, jf_json_str(step, "name", "?"));
		jf_buf_puts(out, "\" [label=\"");
		cJSON_ArrayForEach (l, g[i].lines) {
			if (!first)
				jf_buf_puts(out, "\\n");
			dot_text(out, l->valuestring);
			first = false;
		}
		jf_buf_putc(out, '"');
		if (live)
			jf_buf_printf(out,
				      ", style=\"rounded,filled%s\", "
				      "fillcolor=\"%s\", color=\"%s\"",
				      g[i].phase == CTL_PH_SKIPPED ||
						      g[i].phase ==
							      CTL_PH_OMITTED
					      ? ",dashed"
					      : "",
				      phase_styles[g[i].phase].fill,
				      phase_styles[g[i].phase].line);
		jf_buf_puts(out, "];\n");
		i++;
	}
	cJSON_ArrayForEach (step, flows) {
		struct jf_buf lab;
		bool dashed = !strcmp(jf_json_str(step, "dependsOn.policy", ""),
				      "AllDone");

		jf_buf_init(&lab, 0);
		edge_label(step, &lab);
		cJSON_ArrayForEach (t, jf_json_at(step, "dependsOn.targets")) {
			if (!cJSON_IsString(t) ||
			    ctl_step_index(flows, t->valuestring) < 0)
				continue;
			jf_buf_puts(out, "    \"");
			dot_text(out, t->valuestring);
			jf_buf_puts(out, "\" -> \"");
			dot_text(out, jf_json_str(step, "name", "?"));
			jf_buf_putc(out, '"');
			if (dashed || lab.len) {
				jf_buf_puts(out, " [");
				if (dashed)
					jf_buf_puts(out, "style=dashed");
				if (lab.len) {
					jf_buf_printf(out, "%slabel=\"",
						      dashed ? ", " : "");
					dot_text(out, lab.data);
					jf_buf_putc(out, '"');
				}
				jf_buf_putc(out, ']');
			}
			jf_buf_puts(out, ";\n");
		}
		jf_buf_release(&lab);
	}
	jf_buf_puts(out, "}\n");
}

int ctl_graph_render(const cJSON *flow, enum ctl_graph_format fmt, bool live,
		     struct jf_buf *out)
{
	const cJSON *flows = jf_json_at(flow, "spec.flows"), *step;
	int n = cJSON_GetArraySize(flows), i = 0;
	struct gnode *g = calloc((size_t)n + 1, sizeof(*g));
	int err = 0;

	if (!g)
		return -ENOMEM;
	cJSON_ArrayForEach (step, flows) {
		g[i].phase = CTL_PH_WAITING;
		node_lines(flow, step, live, &g[i]);
		g[i].id = mermaid_id(jf_json_str(step, "name", "?"), g, i, i);
		if (!g[i].lines || !g[i].id)
			err = -ENOMEM;
		i++;
	}
	if (!err && fmt == CTL_GRAPH_DOT)
		render_dot(flow, g, n, live, out);
	else if (!err)
		render_mermaid(flow, g, n, live, out);
	for (i = 0; i < n; i++) {
		free(g[i].id);
		cJSON_Delete(g[i].lines);
	}
	free(g);
	return err;
}

/* --- the command ---------------------------------------------------------- */

enum {
	OPT_FORMAT = 1,
	OPT_FLOW
};

static const struct ctl_opt graph_opts[] = {
	{"format", 0, true, OPT_FORMAT},
	{"flow", 0, true, OPT_FLOW},
	{NULL, 0, false, 0},
};

struct graph_args {
	enum ctl_graph_format fmt;
	const char *flow;
};

static int graph_opt(struct ctl *c, int id, const char *arg, void *ud)
{
	struct graph_args *a = ud;

	if (id == OPT_FLOW) {
		a->flow = arg;
		return 0;
	}
	if (!strcmp(arg, "mermaid"))
		a->fmt = CTL_GRAPH_MERMAID;
	else if (!strcmp(arg, "dot"))
		a->fmt = CTL_GRAPH_DOT;
	else
		return ctl_usage_error(
			c, NULL, "unknown format '%s' (mermaid, dot)", arg);
	return 0;
}

static void graph_help(struct ctl *c)
{
	fprintf(c->out,
		"Draw a JobFlow's DAG as Mermaid (default) or Graphviz DOT.\n\n"
		"Usage:\n  jobflowctl graph FILE|NAME [--format mermaid|dot] "
		"[--flow NAME]\n\n"
		"Flags:\n"
		"      --format FORMAT   mermaid or dot\n"
		"      --flow NAME       the flow to draw when FILE holds "
		"several\n\n"
		"FILE (or - for stdin) is read offline; an argument that is "
		"not a file names\na flow in the cluster, whose nodes are "
		"then coloured by step phase.\nEdges follow dependsOn "
		"(AllDone dashed); nodes show the template, `when`,\nswitch "
		"cases and forEach counts.\n");
}

static bool looks_like_file(const char *arg)
{
	size_t n = strlen(arg);

	return !strcmp(arg, "-") || access(arg, F_OK) == 0 ||
	       strchr(arg, '/') || (n > 5 && !strcmp(arg + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(arg + n - 4, ".yml")) ||
	       (n > 5 && !strcmp(arg + n - 5, ".json"));
}

static int pick_flow(struct ctl *c, const struct ctl_docs *d, const char *file,
		     const char *want, const cJSON **out)
{
	struct jf_buf names;

	for (int i = 0; i < d->nflows; i++) {
		const char *n =
			jf_json_str(d->flows[i].y->json, "metadata.name", "");

		if (want ? !strcmp(n, want) : d->nflows == 1) {
			*out = d->flows[i].y->json;
			return CTL_OK;
		}
	}
	if (!d->nflows)
		return ctl_fail(c, "cannot graph", file, "no JobFlow in it");
	if (want)
		return ctl_fail(c, "cannot graph", file,
				"no JobFlow '%s' in it", want);
	jf_buf_init(&names, 0);
	for (int i = 0; i < d->nflows; i++)
		jf_buf_printf(
			&names, "%s%s", i ? ", " : "",
			jf_json_str(d->flows[i].y->json, "metadata.name", ""));
	ctl_fail(c, "cannot graph", file,
		 "it holds %d flows (%s): choose one with --flow", d->nflows,
		 names.data);
	jf_buf_release(&names);
	return CTL_FAIL;
}

int ctl_cmd_graph(struct ctl *c, int argc, char **argv)
{
	struct graph_args a = {0};
	char **pos = calloc((size_t)argc + 1, sizeof(char *));
	struct ctl_docs d = {0};
	const cJSON *flow = NULL;
	cJSON *live = NULL;
	struct jf_buf b;
	bool help;
	int npos, rc;

	if (!pos)
		return CTL_FAIL;
	jf_buf_init(&b, 0);
	rc = ctl_args(c, argc, argv, graph_opts, graph_opt, &a, pos, &npos,
		      &help);
	if (!rc && help) {
		graph_help(c);
		goto out;
	}
	rc = ctl_one_arg(c, rc, npos, "file or flow name");
	if (rc)
		goto out;
	if (looks_like_file(pos[0])) {
		rc = ctl_docs_load(c, &d, pos[0]);
		if (!rc)
			rc = pick_flow(c, &d, pos[0], a.flow, &flow);
	} else {
		rc = ctl_get_flow(c, pos[0], &live);
		flow = live;
	}
	if (rc)
		goto out;
	if (ctl_graph_render(flow, a.fmt, live != NULL, &b))
		rc = ctl_fail(c, "cannot graph", pos[0], "out of memory");
	else
		rc = ctl_write(c, c->out, &b);
out:
	jf_buf_release(&b);
	ctl_docs_release(&d);
	cJSON_Delete(live);
	free(pos);
	return rc;
}
