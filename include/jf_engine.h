/* jf_engine.h - the flow engine: from a JobFlow, its JobTemplates and the
 * Jobs it owns, at a given time, decide what must happen next (SPEC §3).
 *
 * Pure: no I/O, no clock, no globals. The worker executes the plan; the
 * CLI uses validation and rendering; the supervisor uses the template
 * index. Same inputs, same plan, byte for byte.
 */
#ifndef JF_ENGINE_H
#define JF_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "jf_err.h"

#define JF_ENGINE_MAX_ITERATIONS 1000 /* forEach default cap */

/* Label, annotation and name conventions (SPEC §3.8, §11). */
#define JF_LABEL_CREATED_BY_FLOW     "volcano.sh/createdByJobFlow"
#define JF_LABEL_CREATED_BY_TEMPLATE "volcano.sh/createdByJobTemplate"
#define JF_LABEL_STEP		     "flow.volcano.sh/step"
#define JF_LABEL_ATTEMPT	     "flow.volcano.sh/attempt"
#define JF_LABEL_ITERATION	     "flow.volcano.sh/iteration"
/* Manual retry request on the JobFlow: {"id": "<unique>", "steps": [...]}
 * ("steps" optional: every Failed step). Honoured once per id; the id
 * handled last is status.retry.observedId (docs/jobflow-api.md). */
#define JF_ANNOTATION_RETRY "flow.volcano.sh/retry"
#define JF_FLOW_API_VERSION "flow.volcano.sh/v1alpha1"
#define JF_JOB_API_VERSION  "batch.volcano.sh/v1alpha1"

struct jf_engine_opts {
	int max_iterations; /* forEach cap; 0 means the default */
};

struct jf_engine_input {
	/* The JobFlow object as observed (metadata, spec, status). */
	const cJSON *flow;
	/* JSON object: template name -> JobTemplate object, for the
	 * templates that exist in the flow's namespace (at least every one
	 * the flow references; extra entries are ignored). */
	const cJSON *templates;
	/* JSON array of Job objects labelled createdByJobFlow=<ns>.<flow>,
	 * any order. Jobs whose controller ownerReference is not this flow's
	 * uid are treated as foreign (never adopted). */
	const cJSON *jobs;
	/* JSON object: job name -> message, for Jobs the worker found to
	 * exist but owned by someone else when it tried to create them
	 * (AlreadyExists + foreign owner). May be NULL. */
	const cJSON *foreign;
	/* JSON object: job name -> message, for Jobs whose create the API
	 * server rejected (4xx other than AlreadyExists/Conflict/429), so
	 * the step can fail (or retry under policy Always). May be NULL. */
	const cJSON *rejected;
	int64_t now_ms;			   /* wall clock, ms since the epoch */
	const struct jf_engine_opts *opts; /* NULL: defaults */
};

struct jf_plan {
	/* Job objects to create, in a deterministic order (full objects:
	 * apiVersion, kind, metadata with labels, annotations and the
	 * controller ownerReference, spec). Never NULL after success. */
	cJSON *creates;
	/* [{"name": job, "reason": why}] Jobs to delete (Background): every
	 * owned Job under jobRetainPolicy delete, once the observed status
	 * already says Succeed. Sorted by name. */
	cJSON *deletes;
	/* [{"name": job, "reason": "Timeout"}] running Jobs to terminate (an
	 * attempt's timeout): the worker issues a Volcano bus Command
	 * (action TerminateJob) for each. Listed once, by the plan that
	 * detects the timeout; a deterministic Command name (e.g.
	 * "<job>-timeout") makes a repeated issue harmless. */
	cJSON *terminates;
	/* The complete new status, or NULL when it equals the observed. */
	cJSON *status;
	/* RFC 7386 merge patch for the /status subresource:
	 * {"status": {...}}; NULL exactly when status is NULL. */
	cJSON *status_patch;
	/* [{"type": "Normal"|"Warning", "reason": R, "message": M}] Events
	 * for the JobFlow; emitted only on transitions, so a replanned
	 * reconcile does not repeat them. */
	cJSON *events;
	/* Template names the flow needs that are missing from the input
	 * (the supervisor requeues the flow when one appears), sorted; while
	 * any is missing nothing is created. Empty for a finished flow. */
	cJSON *missing_templates;
	/* Earliest time (ms from now) the flow must be reconciled again
	 * even if nothing changes (retry backoff, attempt timeout); -1 when
	 * no timed requeue is needed. */
	int64_t requeue_after_ms;
	/* The flow phase after this plan ("Pending", "Running", "Succeed",
	 * "Failed"): a static string, set even when status is NULL. */
	const char *phase;
};

/* Decides the next actions. Fills *out (release with jf_plan_release()),
 * even for an invalid flow: the plan then sets phase Failed with the
 * InvalidSpec condition and creates nothing. Returns 0, -ENOMEM, or
 * -JF_EPARSE when in->flow is not a JobFlow object at all. */
int jf_engine_reconcile(const struct jf_engine_input *in, struct jf_plan *out,
			struct jf_errmsg *e);

void jf_plan_release(struct jf_plan *p);

/* Validates a flow (SPEC §3.7) against the templates that exist
 * (templates may be NULL: template existence and patch completeness are
 * then not checked). Returns a new JSON array (caller frees) of every
 * error found, [{"step": name or null, "path": "spec.flows[2].when",
 * "message": "..."}]; empty when valid; NULL only on allocation failure.
 * Spec errors come first (in the order the checks run), then missing
 * templates. Linear in the size of the flow. opts may be NULL. */
cJSON *jf_engine_validate(const cJSON *flow, const cJSON *templates,
			  const struct jf_engine_opts *opts);

/* Appends to names (a JSON array) every JobTemplate name the flow may
 * use: each step's jobTemplate (default: its name) and every switch
 * case's. Duplicates are skipped. Returns 0 or -ENOMEM. */
int jf_engine_flow_templates(const cJSON *flow, cJSON *names);

/* The JobTemplate status Volcano computes: {"jobDependsOnList": [names
 * of jobs labelled createdByJobTemplate=<ns>.<template>]}, sorted. jobs
 * is any JSON array of Jobs (others are ignored). Returns a new object,
 * caller frees. */
cJSON *jf_engine_template_status(const cJSON *template, const cJSON *jobs);

/* A digest of a JSON list of strings ("<count>:<fnv1a-64 hex>"), order
 * included: the supervisor caches a JobTemplate's jobDependsOnList as this
 * digest (status.jobDependsOnListDigest) and the worker compares the list
 * it would write with it. Writes at most cap bytes; returns snprintf's. */
#define JF_TEMPLATE_DIGEST_KEY "jobDependsOnListDigest"
int jf_engine_list_digest(const cJSON *list, char *buf, size_t cap);

/* The Job name of (flow, step, iteration, attempt): "<flow>-<step>",
 * then "-<iteration>" when iteration >= 0, then "-r<attempt>" when
 * attempt > 0. Writes at most cap bytes; returns the full length. */
int jf_engine_job_name(char *buf, size_t cap, const char *flow,
		       const char *step, int iteration, int attempt);

#endif /* JF_ENGINE_H */
