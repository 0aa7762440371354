/* ctl.h - private interface between the parts of jobflowctl: global
 * options, argument parsing, output styling, API access and the
 * commands. */
#ifndef JF_CTL_H
#define JF_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "jf_buf.h"
#include "jf_err.h"
#include "jf_k8s.h"
#include "jf_yaml.h"

/* Exit codes (a contract, docs/cli.md). */
#define CTL_OK	  0 /* done; the flow succeeded (watch) */
#define CTL_FAIL  1 /* findings or errors: invalid flows, not found, API */
#define CTL_USAGE 2 /* bad command line */

/* Output styling: colour and Unicode only on a terminal. */
struct ctl_style {
	bool color;   /* ANSI colours */
	bool unicode; /* symbols and box-drawing tree lines */
};

/* Everything global: flags, streams, the clock, the API client. */
struct ctl {
	const char *prog;
	const char *cmd; /* the command being run, for usage messages */
	const char *kubeconfig;
	const char *context;
	const char *ns; /* -n; NULL: the context's namespace */
	bool no_color;
	bool tty; /* stdout is a terminal */
	struct ctl_style style;
	int64_t now_ms; /* JF_CTL_NOW or the wall clock, at start */
	bool fixed_now; /* JF_CTL_NOW was given */
	FILE *out;
	FILE *err;
	struct jf_k8s_config cfg;
	struct jf_k8s_client *client; /* NULL until ctl_connect() */
};

/* --- arguments (args.c) ------------------------------------------------ */

/* A command's option. id is returned to the command's handler. */
struct ctl_opt {
	const char *name; /* long name without "--" */
	char short_name;  /* 0: none */
	bool has_arg;
	int id;
};

/* Called for every command option with its argument (NULL when it takes
 * none). Returns 0, or CTL_USAGE after printing why. */
typedef int (*ctl_opt_fn)(struct ctl *c, int id, const char *arg, void *ud);

/* Parses argv (after the command name): global options (--kubeconfig,
 * --context, -n/--namespace, --no-color) anywhere, the command's opts
 * (may be NULL), "--" ending options, "-" as a positional. Positionals
 * are collected into pos (caller's array of argc entries). -h/--help sets
 * *help. Returns 0 or CTL_USAGE (message printed). */
int ctl_args(struct ctl *c, int argc, char **argv, const struct ctl_opt *opts,
	     ctl_opt_fn fn, void *ud, char **pos, int *npos, bool *help);

/* For commands that take exactly one positional argument: rc as it is
 * when non-zero or when npos is 1, else a usage error ("missing <what>"
 * or "too many arguments"). */
int ctl_one_arg(struct ctl *c, int rc, int npos, const char *what);

/* --- messages and output (util.c) -------------------------------------- */

/* Prints "jobflowctl: <what> '<subject>': <why>" on stderr; returns
 * CTL_FAIL. */
int ctl_fail(struct ctl *c, const char *what, const char *subject,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Prints "jobflowctl: <message>" and "Run 'jobflowctl <cmd> --help'..."
 * on stderr; returns CTL_USAGE. cmd NULL: the current command. */
int ctl_usage_error(struct ctl *c, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Wraps s in the ANSI colour code (e.g. "32" green) when colours are on;
 * appends to b. */
void ctl_colored(const struct ctl_style *st, struct jf_buf *b, const char *code,
		 const char *s);

/* Short human duration: "0s", "45s", "2m5s", "1h2m", "3d4h". */
char *ctl_fmt_dur(int64_t ms, char *buf, size_t cap);

/* Reads a whole file, or stdin for "-", into a new buffer (caller frees
 * with free()); max bytes at most. Returns 0 or -errno/-JF_ETOOBIG. */
int ctl_read_file(const char *path, size_t max, char **out, size_t *len);

/* Indented JSON (4 spaces, document order) with a final newline. */
int ctl_json_pretty(const cJSON *n, struct jf_buf *b);

/* Writes b to the stream; returns 0 or CTL_FAIL on a write error. */
int ctl_write(struct ctl *c, FILE *f, const struct jf_buf *b);

/* A unique id for a request: "<ms since epoch in base 36>-<8 hex>". */
void ctl_unique_id(char *buf, size_t cap);

/* --- API access (kube.c) ----------------------------------------------- */

/* Loads the configuration and creates the client once; the namespace
 * is resolved (-n, else the context's, else "default"). Prints an error
 * and returns CTL_FAIL when there is no usable configuration. */
int ctl_connect(struct ctl *c);

/* The namespace in use (after ctl_connect()). */
const char *ctl_namespace(const struct ctl *c);

/* GETs flow name in the current namespace into *out (caller frees).
 * Prints "cannot get flow 'ns/name': ..." and returns CTL_FAIL on error. */
int ctl_get_flow(struct ctl *c, const char *name, cJSON **out);

/* --- flows as data (flow.c) ---------------------------------------------- */

/* The step phases (SPEC §3.4), in display order. */
enum ctl_phase {
	CTL_PH_WAITING = 0,
	CTL_PH_PENDING,
	CTL_PH_RUNNING,
	CTL_PH_BACKOFF,
	CTL_PH_SUCCEEDED,
	CTL_PH_FAILED,
	CTL_PH_SKIPPED,
	CTL_PH_OMITTED,
	CTL_PH_UNKNOWN,
};

/* Maps a step phase, a flow phase (Succeed, Failed, Running, Pending) or
 * a Volcano Job phase (Completed, Terminated, ...) onto enum ctl_phase. */
enum ctl_phase ctl_phase_of(const char *s);

/* Symbol for a phase: Unicode (✔ ✖ ● ◷ ○ ↻ ⊘ ◌) or ASCII (+ x * . o ~ / -). */
const char *ctl_phase_symbol(enum ctl_phase p, bool unicode);

/* ANSI colour code for a phase ("32" green ...). */
const char *ctl_phase_color(enum ctl_phase p);

/* Fills order (n entries, n = size of spec.flows) with step indexes in
 * topological order; ties keep spec order; steps on a cycle follow in
 * spec order. Returns n, or -1 on allocation failure. */
int ctl_topo_order(const cJSON *flows, int *order, int n);

/* Index of the step named name in flows, or -1. */
int ctl_step_index(const cJSON *flows, const char *name);

/* The entry of status.stepStatuses named name (borrowed) or NULL. */
const cJSON *ctl_step_status(const cJSON *flow, const char *name);

/* Terminal flow phase: Succeed or Failed. */
bool ctl_flow_terminal(const char *phase);

/* "3/5": steps Succeeded or Skipped over all steps. */
void ctl_flow_progress(const cJSON *flow, int *done, int *total);

/* --- files of JobFlows and JobTemplates (docs.c) ---------------------- */

/* One JobFlow or JobTemplate document of a file. */
struct ctl_doc {
	const char *file;	     /* as given ("-" for stdin) */
	const struct jf_yaml_doc *y; /* borrowed from the stream */
};

struct ctl_docs {
	struct jf_yaml_stream *streams;
	int nstreams;
	struct ctl_doc *flows;
	int nflows;
	struct ctl_doc *templates;
	int ntemplates;
	int others; /* documents of other kinds (ignored) */
};

/* Loads every document of file into d (which starts zeroed). Prints
 * YAML errors as "file:line:col: message" and unreadable files as
 * "jobflowctl: cannot read 'file': why". Returns 0 or CTL_FAIL. */
int ctl_docs_load(struct ctl *c, struct ctl_docs *d, const char *file);

void ctl_docs_release(struct ctl_docs *d);

/* The templates a flow can see: a new JSON object name -> JobTemplate
 * (caller frees) holding those whose namespace is unset or the flow's;
 * the last definition of a name wins (a warning names both places). */
cJSON *ctl_docs_templates_for(struct ctl *c, const struct ctl_docs *d,
			      const struct ctl_doc *flow);

/* "file:line" of a document's node at path (or the document start). */
void ctl_doc_where(const struct ctl_doc *d, const char *path, char *buf,
		   size_t cap);

/* Prints the errors of jf_engine_validate() for a flow document as
 * "file:line: step: message" on stderr; returns how many. */
int ctl_print_flow_errors(struct ctl *c, const struct ctl_doc *doc,
			  const cJSON *errs);

/* --- rendering (tree.c, graph.c) ----------------------------------------- */

/* Renders the `get` view of a flow object at time now. */
int ctl_tree_render(const cJSON *flow, const struct ctl_style *st,
		    int64_t now_ms, struct jf_buf *out);

enum ctl_graph_format {
	CTL_GRAPH_MERMAID = 0,
	CTL_GRAPH_DOT
};

/* Renders the DAG of a flow; when live, nodes are coloured by their
 * stepStatuses phase. params (may be NULL) overrides spec.params for
 * counting forEach items. */
int ctl_graph_render(const cJSON *flow, enum ctl_graph_format fmt, bool live,
		     struct jf_buf *out);

/* --- commands ------------------------------------------------------------ */

int ctl_cmd_apply(struct ctl *c, int argc, char **argv);
int ctl_cmd_validate(struct ctl *c, int argc, char **argv);
int ctl_cmd_render(struct ctl *c, int argc, char **argv);
int ctl_cmd_graph(struct ctl *c, int argc, char **argv);
int ctl_cmd_get(struct ctl *c, int argc, char **argv);
int ctl_cmd_list(struct ctl *c, int argc, char **argv);
int ctl_cmd_watch(struct ctl *c, int argc, char **argv);
int ctl_cmd_retry(struct ctl *c, int argc, char **argv);

#endif /* JF_CTL_H */
