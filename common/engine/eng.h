/* eng.h - private structures shared by the flow engine's files
 * (common/engine/): the parsed flow model, the job index and the per-step
 * runtime state of one reconcile. Not part of any interface.
 */
#ifndef JF_ENG_H
#define JF_ENG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "jf_engine.h"
#include "jf_expr.h"
#include "jf_hmap.h"

#define JF_ENG_NAME_MAX	    63	 /* Job names and label values */
#define JF_ENG_TOTAL_FACTOR 10	 /* flow-wide iterations: 10 x the cap */
#define JF_ENG_HISTORY_MAX  20	 /* runningHistories entries per Job */
#define JF_ENG_MSG_MAX	    4096 /* bytes of a condition message */
#define JF_ENG_DELAY_MAX_MS (INT64_C(1) << 50) /* saturates backoff */

/* a if it is a JSON array, else NULL (for cJSON_ArrayForEach). */
static inline cJSON *jf_eng_arr(const cJSON *a)
{
	return cJSON_IsArray(a) ? (cJSON *)a : NULL;
}

/* --- string -> int map (keys copied) ------------------------------------- */

struct jf_eng_map {
	struct jf_hmap h;
};

int jf_eng_map_init(struct jf_eng_map *m, size_t hint);
void jf_eng_map_release(struct jf_eng_map *m);
/* Returns 0, -EEXIST (value left unchanged) or -ENOMEM. */
int jf_eng_map_put(struct jf_eng_map *m, const char *key, int val);
/* Returns the value or -1. */
int jf_eng_map_get(const struct jf_eng_map *m, const char *key);

/* --- phases -------------------------------------------------------------- */

enum jf_eng_phase {
	JF_PH_WAITING = 0,
	JF_PH_PENDING,
	JF_PH_RUNNING,
	JF_PH_BACKOFF,
	JF_PH_SUCCEEDED,
	JF_PH_FAILED,
	JF_PH_SKIPPED,
	JF_PH_OMITTED,
};

const char *jf_eng_phase_name(int ph);
int jf_eng_phase_parse(const char *s); /* -1 when unknown */
bool jf_eng_phase_terminal(int ph);
bool jf_eng_phase_active(int ph); /* Pending, Running, Backoff */

/* --- the flow model ------------------------------------------------------ */

enum {
	JF_RP_ONFAILURE = 0,
	JF_RP_ALWAYS,
	JF_RP_NEVER
};

struct jf_eng_retry {
	bool set; /* a retryPolicy applies */
	int limit;
	int policy;
	int64_t duration_ms;
	int64_t cap_ms;		 /* -1: none */
	int64_t max_duration_ms; /* -1: none */
	double factor;
	double jitter;
	struct jf_expr *when; /* NULL: none */
};

struct jf_eng_case {
	struct jf_expr *when; /* NULL: the default case */
	const char *tmpl;     /* NULL: the step's template */
	const cJSON *patch;   /* patch.jobSpec or NULL */
};

struct jf_eng_probe {
	const char *task;
	const char *phase;
};

struct jf_eng_step {
	int idx;
	const cJSON *obj; /* spec.flows[idx] */
	const char *name; /* borrowed from the flow; "" when missing */
	const char *tmpl; /* jobTemplate, default name */
	int *deps;
	int ndeps;
	bool all_done;
	struct jf_eng_probe *probes;
	int nprobes;
	bool probe_unsupported; /* httpGetList / tcpSocketList given */
	const cJSON *patch;	/* patch.jobSpec or NULL */
	bool has_max_retry;
	int64_t max_retry;
	struct jf_eng_retry own_retry;
	const struct jf_eng_retry *retry; /* own, the flow's, or NULL */
	struct jf_expr *when;
	struct jf_eng_case *cases;
	int ncases;
	bool foreach;
	cJSON *items;	    /* owned forEach list */
	const cJSON **item; /* item[i]: the i-th element of items */
	int nitems;
	int parallelism; /* 0: all */
	int max_failures;
	int64_t timeout_ms; /* 0: none */
};

struct jf_eng_flow {
	const cJSON *obj;
	const char *name;
	const char *ns;
	const char *uid;
	int64_t generation;
	const cJSON *templates; /* may be NULL */
	struct jf_eng_step *steps;
	int nsteps;
	struct jf_eng_retry retry; /* spec.retryPolicy */
	bool retain_delete;
	cJSON *params;	    /* owned: name -> value */
	cJSON *errors;	    /* owned: [{step, path, message}] spec errors */
	cJSON *tmpl_errors; /* owned: the same shape, missing templates */
	cJSON *missing;	    /* owned: missing template names, sorted */
	cJSON *tparams;	    /* owned: type of every param */
	cJSON *tsteps;	    /* owned: type of steps.<name> */
	int *order;	    /* topological order; NULL when cyclic */
	struct jf_eng_map names;
	int max_iterations;
	bool oom;
};

/* Parses and validates flow (load.c, check.c). Errors go to f->errors and
 * f->tmpl_errors; the model is usable for reconcile only when f->errors
 * is empty. Returns 0 or -ENOMEM (f must be released either way). */
int jf_eng_flow_load(struct jf_eng_flow *f, const cJSON *flow,
		     const cJSON *templates, const struct jf_engine_opts *opts);
void jf_eng_flow_release(struct jf_eng_flow *f);

/* Records a spec error (step < 0: flow level). */
void jf_eng_error(struct jf_eng_flow *f, int step, const char *path,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Static checks that need the graph, expressions and patches (check.c). */
void jf_eng_check_graph(struct jf_eng_flow *f);
void jf_eng_check_names(struct jf_eng_flow *f);
void jf_eng_check_exprs(struct jf_eng_flow *f);

/* The template a step's case uses (case may be NULL). */
const char *jf_eng_case_tmpl(const struct jf_eng_step *s,
			     const struct jf_eng_case *c);
/* The JobTemplate object for name, or NULL. */
const cJSON *jf_eng_template(const struct jf_eng_flow *f, const char *name);

/* Type environment for expressions of step s (forEach adds item/index,
 * last_failure adds lastFailure). Returns a new object or NULL (oom). */
cJSON *jf_eng_types(const struct jf_eng_flow *f, const struct jf_eng_step *s,
		    bool last_failure);

/* Formats into a new string; NULL (and f->oom) on allocation failure. */
char *jf_eng_strf(struct jf_eng_flow *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Deep copy without null members or elements (status never carries a
 * null); NULL for a null input or on allocation failure. */
cJSON *jf_eng_dup_nonull(const cJSON *n);

/* Time helpers: whole seconds, and RFC 3339 strings ("" when ms < 0). */
int64_t jf_eng_floor_s(int64_t ms);
int64_t jf_eng_ceil_s(int64_t ms);
int64_t jf_eng_time_at(const cJSON *obj, const char *key); /* -1: absent */
cJSON *jf_eng_time_json(int64_t ms);

/* The delay before retry k (k >= 1) of unit "key" (step or step/index),
 * jitter included, in ms. */
int64_t jf_eng_retry_delay(const struct jf_eng_retry *r, const char *uid,
			   const char *key, int k);

#endif /* JF_ENG_H */
