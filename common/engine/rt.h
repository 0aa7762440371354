/* rt.h - private runtime state of one reconcile (common/engine/): the job
 * index, the per-step and per-unit state machines, and the helpers the
 * reconcile files share. A "unit" is what gets attempts: a plain step, or
 * one iteration of a forEach step.
 */
#ifndef JF_ENG_RT_H
#define JF_ENG_RT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "eng.h"

/* One Job of the input. */
struct jf_eng_job {
	const cJSON *obj;
	const char *name;
	bool owned; /* controller ownerReference uid == the flow's */
	const char *phase;
	const char *reason;
	const char *message;
	int64_t created_ms;    /* -1: unknown */
	int64_t transition_ms; /* status.state.lastTransitionTime */
	int64_t finish_ms;     /* transition, else created + runningDuration */
	int step;	       /* identity parsed from the name; -1 none */
	int iter;
	int attempt;
};

/* The last failure of a unit. job == NULL: none. */
struct jf_eng_lf {
	char *job;
	char *phase;
	char *reason;
	char *message;
	int64_t time;
};

struct jf_eng_unit {
	int iter; /* -1 for a plain step */
	int phase;
	int prev_phase;
	int attempts; /* attempts started, all rounds */
	int first;    /* first attempt of the current round (manual retry) */
	int64_t start_ms;
	int64_t finish_ms;
	int64_t next_ms;
	int64_t first_fail_ms;
	struct jf_eng_lf lf;
	char *message;
	bool touched; /* appears in status */
};

struct jf_eng_rstep {
	int phase;
	int prev_phase;
	const cJSON *prev; /* previous stepStatuses entry, or NULL */
	struct jf_eng_unit *units;
	int nunits;
	int selected; /* switch case; -1: none */
	bool has_selected;
	const char *tmpl_used; /* NULL: not decided yet */
	char *message;
	int64_t start_ms;
	int64_t finish_ms;
	int succeeded, failed, active, skipped; /* forEach iterations */
	cJSON *env;	/* this step's member of envsteps */
	cJSON *creates; /* Job objects created by this plan */
	cJSON *events;
};

struct jf_eng_rc {
	struct jf_eng_flow *f;
	const struct jf_engine_input *in;
	int64_t now;
	int64_t now_s; /* now, floored to the second */
	struct jf_eng_job *jobs;
	int njobs;
	struct jf_eng_map jobmap; /* name -> index into jobs */
	struct jf_eng_rstep *rs;
	cJSON *envsteps; /* steps.<name> view for expressions */
	cJSON *terminates;
	cJSON *flow_events;
	int64_t requeue; /* ms from now; -1: none */
	bool gated;	 /* templates missing: create nothing */
	char *gate_msg;	 /* "waiting for JobTemplate 'x'" */
	const cJSON *prev_status;
	cJSON *retry_status; /* new status.retry, or NULL */
};

/* observe.c */
int jf_eng_jobs_index(struct jf_eng_rc *rc);
void jf_eng_jobs_release(struct jf_eng_rc *rc);
/* Identity of a Job name: step index, iteration (-1) and attempt; false
 * when the name is not one this flow generates. */
bool jf_eng_name_identity(const struct jf_eng_flow *f, const char *name,
			  int *step, int *iter, int *attempt);
const struct jf_eng_job *jf_eng_job_get(const struct jf_eng_rc *rc,
					const char *name);
bool jf_eng_job_done(const char *phase);   /* Completed */
bool jf_eng_job_failed(const char *phase); /* Failed, Terminated, Aborted */

/* units.c */
void jf_eng_lf_clear(struct jf_eng_lf *lf);
void jf_eng_unit_release(struct jf_eng_unit *u);
void jf_eng_units_load(struct jf_eng_rc *rc, struct jf_eng_step *s,
		       struct jf_eng_rstep *r);
/* Moves a started unit forward (observes its Job, retries, timeouts).
 * no_retry: failures are final (the forEach step already failed). */
void jf_eng_unit_progress(struct jf_eng_rc *rc, struct jf_eng_step *s,
			  struct jf_eng_unit *u, bool no_retry);
/* Creates attempt u->first of a unit that has not started. */
void jf_eng_unit_start(struct jf_eng_rc *rc, struct jf_eng_step *s,
		       struct jf_eng_unit *u);
bool jf_eng_unit_begun(const struct jf_eng_unit *u);
void jf_eng_unit_fail(struct jf_eng_rc *rc, struct jf_eng_unit *u, char *msg);
/* A unit waiting to retry when its forEach step fails: final failure. */
void jf_eng_unit_abandon(struct jf_eng_rc *rc, struct jf_eng_unit *u);
void jf_eng_requeue(struct jf_eng_rc *rc, int64_t at_ms);

/* step.c */
void jf_eng_step_eval(struct jf_eng_rc *rc, struct jf_eng_step *s);
void jf_eng_env_step_update(struct jf_eng_rc *rc, struct jf_eng_step *s);
/* Evaluation environment for step s (item when iter >= 0); new object. */
cJSON *jf_eng_env(struct jf_eng_rc *rc, const struct jf_eng_step *s, int iter,
		  int attempt, const struct jf_eng_lf *lf);
void jf_eng_event(struct jf_eng_rc *rc, cJSON *list, const char *type,
		  const char *reason, char *msg);

/* build.c: the Job of (step, case, iteration, attempt); NULL and *err
 * (a new string) when the patch fails. */
cJSON *jf_eng_build_job(struct jf_eng_rc *rc, const struct jf_eng_step *s,
			int iter, int attempt, char **err);

/* status.c */
cJSON *jf_eng_step_status(struct jf_eng_rc *rc, struct jf_eng_step *s);
int jf_eng_volcano_status(struct jf_eng_rc *rc, cJSON *status);
cJSON *jf_eng_conditions(struct jf_eng_rc *rc, const char *phase,
			 const char *invalid_msg, const char *progress_reason,
			 const char *progress_msg);

/* retry.c: manual retry requests (annotation JF_ANNOTATION_RETRY). */
void jf_eng_manual_retry(struct jf_eng_rc *rc);

#endif /* JF_ENG_RT_H */
