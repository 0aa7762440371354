/* jf_e2e.h - end-to-end test harness: a private kubesim with the CRDs
 * applied, and jobflowd processes against it, as real processes.
 *
 *   struct jf_e2e x;
 *   ck_assert_int_eq(jf_e2e_start(&x, NULL), 0);        // kubesim + CRDs
 *   ck_assert_int_eq(jf_e2e_jobflowd(&x, 0, NULL), 0);  // supervisor #0
 *   ck_assert_int_eq(jf_e2e_apply_file(&x, "tests/e2e/data/diamond.yaml",
 *                                      "default"), 0);
 *   ck_assert_int_eq(jf_e2e_wait_phase(&x, "default", "test", "Succeed",
 *                                      30000), 0);
 *   jf_e2e_stop(&x);
 *
 * Paths are relative to $JF_SRC_DIR (the repo root); programs come from
 * $JF_BIN_DIR. Logs stay in x.kube.dir (kept with JF_KEEP_TESTDIR=1).
 */
#ifndef JF_E2E_H
#define JF_E2E_H

#include <stdbool.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "tests/lib/jf_testenv.h"

#define JF_E2E_MAX_SUP 3

struct jf_e2e_sup {
	pid_t pid; /* 0: not running */
	char run_dir[320];
	char log[320];
	int http_port;
	int exit_status; /* wait status once reaped, -1 before */
};

struct jf_e2e {
	struct jf_testenv kube;
	struct jf_e2e_sup sup[JF_E2E_MAX_SUP];
};

/* Starts kubesim (extra args NULL-terminated, may be NULL) and applies
 * the CRDs (deploy/crds/ when present, else Volcano's from tests/data,
 * plus the bus Command CRD). Returns 0 or -errno. */
int jf_e2e_start(struct jf_e2e *x, const char *const *kubesim_args);

/* Starts jobflowd number i with --kubeconfig, a private --run-dir,
 * --http-listen 127.0.0.1:0, short lease timings, plus args (which may
 * override any of them; NULL-terminated, may be NULL). Unless args say
 * otherwise, --leader-elect=false and --workers 2. Waits (15 s) until
 * /readyz answers 200. Returns 0 or -errno. */
int jf_e2e_jobflowd(struct jf_e2e *x, int i, const char *const *args);

/* Sends sig to jobflowd i and waits up to timeout_ms for it to exit;
 * returns its exit code (0-255, or 128+signal), -ETIMEDOUT. */
int jf_e2e_jobflowd_stop(struct jf_e2e *x, int i, int sig, int timeout_ms);

/* Stops every jobflowd (TERM, then KILL) and kubesim. */
void jf_e2e_stop(struct jf_e2e *x);

/* Applies every document of a YAML file or string (POST; an existing
 * object is replaced with PUT). Objects without a namespace go to ns.
 * Returns 0 or -EIO with the failing document logged on stderr. */
int jf_e2e_apply_file(struct jf_e2e *x, const char *path, const char *ns);
int jf_e2e_apply_yaml(struct jf_e2e *x, const char *yaml, const char *ns);

/* GETs a JobFlow (new object, caller frees) or NULL. */
cJSON *jf_e2e_flow(struct jf_e2e *x, const char *ns, const char *name);

/* Waits until the flow's status.state.phase equals phase. On timeout
 * prints the flow's status and returns -ETIMEDOUT. */
int jf_e2e_wait_phase(struct jf_e2e *x, const char *ns, const char *name,
		      const char *phase, int timeout_ms);

/* Lists Volcano Jobs in ns with a label selector (NULL: all); returns
 * the items array detached into a new root (caller frees). */
cJSON *jf_e2e_jobs(struct jf_e2e *x, const char *ns, const char *selector);

/* Finds the Job called name in a list from jf_e2e_jobs() (borrowed). */
const cJSON *jf_e2e_find(const cJSON *items, const char *name);

/* GET on jobflowd i's HTTP port; returns the code, *body (may be NULL)
 * gets a new NUL-terminated string (free()). */
long jf_e2e_http(struct jf_e2e *x, int i, const char *path, char **body);

/* /debug/state of jobflowd i as JSON (caller frees) or NULL. */
cJSON *jf_e2e_state(struct jf_e2e *x, int i);

/* The first Volcano Job name kubesim saw created more than once, written
 * into buf ("name xN"); NULL when there is none. */
const char *jf_e2e_duplicate_job(struct jf_e2e *x, char *buf, size_t cap);

/* kubesim's /kubesim/stats (caller frees) or NULL. */
cJSON *jf_e2e_kube_stats(struct jf_e2e *x);

/* $JF_SRC_DIR/rel into buf; returns buf. */
const char *jf_e2e_src(char *buf, size_t cap, const char *rel);

/* Sleeps ms while reaping nothing (a helper for polls). */
void jf_e2e_sleep_ms(int ms);

#endif /* JF_E2E_H */
