/* jf_k8s.h - Kubernetes REST client: configuration (kubeconfig, in-cluster),
 * asynchronous requests on curl-multi + libevent with a synchronous wrapper,
 * typed API errors, retries, client-side rate limiting and watch streams.
 *
 * One struct jf_k8s_client per process role (it owns a curl multi handle
 * and is bound to one libevent base). Never share a client across fork():
 * create it after exec. Everything runs on the base's thread; callbacks are
 * called from the event loop, never from inside the submitting call.
 *
 * Errors are the project's: 0, -errno or -JF_E*. An API error maps onto
 *   401 -JF_EUNAUTH, 403 -JF_EFORBIDDEN, 404 -JF_ENOTFOUND,
 *   409 -JF_EEXIST (reason AlreadyExists) or -JF_ECONFLICT,
 *   410 -JF_EGONE, 422 -JF_EINVALID, 429 -JF_ETHROTTLED, 5xx -JF_ESERVER,
 *   other 4xx -JF_EHTTP, no HTTP answer -JF_ETRANSPORT,
 * with the decoded Status in struct jf_k8s_status (docs/client.md).
 */
#ifndef JF_K8S_H
#define JF_K8S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "jf_err.h"

struct event_base;

/* --- resources and paths ------------------------------------------------ */

/* A resource type. group "" is the core group (/api/v1). */
struct jf_k8s_resource {
	const char *group;
	const char *version;
	const char *resource; /* plural, lowercase */
	bool namespaced;
};

/* The resources jobflowd touches (static, never freed). */
extern const struct jf_k8s_resource jf_k8s_res_jobflows;
extern const struct jf_k8s_resource jf_k8s_res_jobtemplates;
extern const struct jf_k8s_resource jf_k8s_res_jobs;   /* batch.volcano.sh */
extern const struct jf_k8s_resource jf_k8s_res_leases; /* coordination */
extern const struct jf_k8s_resource jf_k8s_res_events; /* core/v1 */
extern const struct jf_k8s_resource jf_k8s_res_namespaces;
extern const struct jf_k8s_resource jf_k8s_res_configmaps;

/* Query options; NULL / 0 / false members are not sent. */
struct jf_k8s_opts {
	const char *label_selector;
	const char *field_selector;
	long limit;
	const char *cont; /* "continue" token */
	const char *resource_version;
	int timeout_seconds; /* server-side (lists and watches) */
	bool allow_bookmarks;
	const char *propagation_policy; /* DELETE: Background, Foreground... */
	const char *field_manager;
	bool dry_run; /* dryRun=All */
};

/* Appends the request path (and query) to *out (a new string, caller frees
 * with free()): /apis/<g>/<v>[/namespaces/<ns>]/<res>[/<name>[/<sub>]]
 * [?...]. ns is ignored for cluster-scoped resources; ns NULL or "" on a
 * namespaced resource means all namespaces (list and watch only). Names
 * and query values are percent-encoded. watch adds watch=true. Returns 0,
 * -EINVAL (missing name for a subresource, bad characters) or -ENOMEM. */
int jf_k8s_path(const struct jf_k8s_resource *res, const char *ns,
		const char *name, const char *subresource,
		const struct jf_k8s_opts *opts, bool watch, char **out);

/* --- configuration ------------------------------------------------------ */

/* PEM bytes (not NUL-terminated necessarily). */
struct jf_k8s_blob {
	char *data;
	size_t len;
};

struct jf_k8s_config {
	char *server;	       /* "https://host:port", no trailing slash */
	char *tls_server_name; /* accepted, not supported yet (warned) */
	bool insecure;	       /* insecure-skip-tls-verify (warned) */
	struct jf_k8s_blob ca; /* empty: system trust store */
	struct jf_k8s_blob cert;
	struct jf_k8s_blob key;
	char *token;	  /* static bearer token (from kubeconfig) */
	char *token_file; /* re-read every minute and after a 401 */
	char *namespace;  /* context / in-cluster namespace; "default" */
	char *context;	  /* name of the context used (kubeconfig only) */
	char *source;	  /* where it came from, for messages */

	/* Tuning; jf_k8s_config_init() sets the defaults. */
	double qps;		    /* client-side limit; <= 0: off (default) */
	int burst;		    /* bucket size when qps > 0 (default 10) */
	int64_t timeout_ms;	    /* per request attempt (default 30000) */
	int64_t connect_timeout_ms; /* default 10000 */
	size_t max_body;	    /* response body cap (default 64 MiB) */
	size_t max_line;	    /* watch event cap (default 16 MiB) */
	int max_retries;	    /* per request (default 10, client-go's) */
	int64_t retry_base_ms;	    /* 5xx/transport backoff start (200) */
	int64_t retry_max_ms;	    /* and cap (5000) */
	int64_t token_reread_ms;    /* token file period (60000) */
	bool http2;		    /* try HTTP/2 over TLS (default true) */
	const char *user_agent;	    /* static; default "jobflowd/0.1" */
};

/* Zeroes c and sets the tuning defaults. */
void jf_k8s_config_init(struct jf_k8s_config *c);

/* Frees every string and blob of c (secrets are wiped first) and
 * re-initialises it. */
void jf_k8s_config_release(struct jf_k8s_config *c);

/* Deep copy of src into dst (dst is initialised first). 0 or -ENOMEM. */
int jf_k8s_config_copy(struct jf_k8s_config *dst,
		       const struct jf_k8s_config *src);

/* Parses a kubeconfig held in buf (YAML or JSON). name is used in messages
 * ("file:line:col: ..."); relative file paths in it resolve against dir
 * (NULL: the current directory). context NULL uses current-context.
 * Files named by certificate-authority, client-certificate, client-key and
 * tokenFile are read at once (tokenFile is also kept for re-reads).
 * Fills *out (initialised here; release with jf_k8s_config_release()).
 * Returns 0, -JF_EPARSE (bad YAML) or -JF_ECONFIG (missing or wrong field,
 * unreadable file; the message names the field). */
int jf_k8s_kubeconfig_parse(const char *buf, size_t len, const char *name,
			    const char *dir, const char *context,
			    struct jf_k8s_config *out, struct jf_errmsg *e);

/* Reads path and parses it as jf_k8s_kubeconfig_parse(). */
int jf_k8s_kubeconfig_load(const char *path, const char *context,
			   struct jf_k8s_config *out, struct jf_errmsg *e);

/* In-cluster configuration: KUBERNETES_SERVICE_HOST/PORT and dir/token,
 * dir/ca.crt, dir/namespace (POD_NAMESPACE wins). dir NULL means
 * JF_K8S_SA_DIR (or $JF_K8S_SA_DIR when set, for tests). Returns 0,
 * -JF_ENOTFOUND when not in a cluster (no env), -JF_ECONFIG otherwise. */
#define JF_K8S_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
int jf_k8s_incluster_load(const char *dir, struct jf_k8s_config *out,
			  struct jf_errmsg *e);

/* The usual search: kubeconfig if given; else $KUBECONFIG (its first
 * entry); else in-cluster when KUBERNETES_SERVICE_HOST is set; else
 * ~/.kube/config. context overrides current-context (kubeconfig only). */
int jf_k8s_config_auto(const char *kubeconfig, const char *context,
		       struct jf_k8s_config *out, struct jf_errmsg *e);

/* --- errors --------------------------------------------------------------- */

/* A decoded metav1.Status (or one inferred from the HTTP code when the body
 * is not a Status). Strings borrow from the response that holds it. */
struct jf_k8s_status {
	int code;	     /* HTTP code; 0: no HTTP answer */
	const char *reason;  /* "NotFound", "Conflict", ... ("" if none) */
	const char *message; /* server message, or a generic one */
	const char *name;    /* details.name ("" if absent) */
	const char *group;   /* details.group */
	const char *kind;    /* details.kind */
	const cJSON *causes; /* details.causes array, or NULL */
	int retry_after_s;   /* Retry-After header or details.retryAfter */
};

/* Maps an HTTP code and Status reason to -JF_E* (0 for 2xx). */
int jf_k8s_code_to_err(int code, const char *reason);

/* The reason Kubernetes uses for an HTTP code without a Status body, as
 * client-go infers it ("NotFound" for 404 ...; "" when unknown). */
const char *jf_k8s_reason_for_code(int code);

/* --- client ------------------------------------------------------------- */

struct jf_k8s_client; /* opaque */
struct jf_k8s_call;   /* opaque: one request in flight */

enum jf_k8s_verb {
	JF_K8S_GET = 0,
	JF_K8S_LIST,
	JF_K8S_WATCH,
	JF_K8S_CREATE, /* POST */
	JF_K8S_UPDATE, /* PUT */
	JF_K8S_PATCH,
	JF_K8S_DELETE,
	JF_K8S_VERB_MAX
};

/* "get", "list", ... as in client-go's metrics. */
const char *jf_k8s_verb_name(enum jf_k8s_verb v);

enum jf_k8s_patch_type {
	JF_K8S_PATCH_MERGE = 0, /* application/merge-patch+json */
	JF_K8S_PATCH_JSON,	/* application/json-patch+json */
};

struct jf_k8s_req {
	enum jf_k8s_verb verb;
	const struct jf_k8s_resource *res;
	const char *ns;		 /* namespace; ignored if cluster-scoped */
	const char *name;	 /* GET/UPDATE/PATCH/DELETE (and subres) */
	const char *subresource; /* "status", ... or NULL */
	struct jf_k8s_opts opts;
	const char *path; /* instead of res/ns/name: a raw path with
			   * query, e.g. "/version" (tests, tools) */
	const char *body; /* JSON text; copied at submit */
	size_t body_len;  /* 0: strlen(body) */
	enum jf_k8s_patch_type patch_type;
	int64_t timeout_ms; /* 0: the client's; watches: none */
	int max_retries;    /* -1: the client's; 0: no retry */
};

/* Result of one request. Owned by whoever holds it; release with
 * jf_k8s_response_release(). */
struct jf_k8s_response {
	int err;     /* 0 or -JF_E* / -errno */
	int code;    /* final HTTP status, 0 when there was none */
	cJSON *body; /* parsed JSON body (object/list/Status) or NULL */
	char *text;  /* the body when it was not JSON (NUL-terminated) */
	struct jf_k8s_status status; /* filled when err != 0 */
	int attempts;		     /* HTTP attempts made (1 + retries) */
	struct jf_errmsg msg;	     /* one line: what failed and why */
};

void jf_k8s_response_release(struct jf_k8s_response *r);

/* Called once when a request ends (not after jf_k8s_cancel()). resp is
 * borrowed for the callback; it may steal resp->body (set it to NULL).
 * The call handle is invalid once this returns. */
typedef void (*jf_k8s_done_fn)(struct jf_k8s_response *resp, void *arg);

/* Returns a new client in *out, bound to base (borrowed; it must outlive
 * the client). base NULL creates a private base: that is what the
 * synchronous calls need. cfg is copied. Caller frees with
 * jf_k8s_client_free(). Returns 0, -JF_ECONFIG or -ENOMEM. */
int jf_k8s_client_new(struct event_base *base, const struct jf_k8s_config *cfg,
		      struct jf_k8s_client **out, struct jf_errmsg *e);

/* Cancels every call in flight (their done callbacks are not called) and
 * frees the client. Must not be called from one of its callbacks. */
void jf_k8s_client_free(struct jf_k8s_client *c);

/* The client's base (borrowed). */
struct event_base *jf_k8s_client_base(const struct jf_k8s_client *c);

/* The configuration in use (borrowed). */
const struct jf_k8s_config *jf_k8s_client_config(const struct jf_k8s_client *c);

/* Starts req. done is called from the event loop exactly once unless the
 * call is cancelled. *out (may be NULL) receives the call handle, valid
 * until done returns. req and its strings are copied. Returns 0, or -EINVAL
 * (bad request: no error callback follows) or -ENOMEM. */
int jf_k8s_submit(struct jf_k8s_client *c, const struct jf_k8s_req *req,
		  jf_k8s_done_fn done, void *arg, struct jf_k8s_call **out);

/* Stops a call; its callbacks are not called any more. Safe from inside
 * the call's own event callback and from other callbacks of the client. */
void jf_k8s_cancel(struct jf_k8s_call *call);

/* Synchronous request on a client with a private base (base NULL at
 * creation): runs the base until the request completes. Fills *resp
 * (release it) and returns resp->err. -EINVAL on a shared-base client. */
int jf_k8s_do(struct jf_k8s_client *c, const struct jf_k8s_req *req,
	      struct jf_k8s_response *resp);

/* Synchronous helpers over jf_k8s_do(). *out (may be NULL) receives the
 * response object, a new root, caller frees with cJSON_Delete(). They
 * return the request's error; e gets "<verb> '<path>': <message>". */
int jf_k8s_get(struct jf_k8s_client *c, const struct jf_k8s_resource *res,
	       const char *ns, const char *name, cJSON **out,
	       struct jf_errmsg *e);
int jf_k8s_list(struct jf_k8s_client *c, const struct jf_k8s_resource *res,
		const char *ns, const struct jf_k8s_opts *opts, cJSON **out,
		struct jf_errmsg *e);
/* obj is borrowed; its metadata.name is used for UPDATE. */
int jf_k8s_create(struct jf_k8s_client *c, const struct jf_k8s_resource *res,
		  const char *ns, const cJSON *obj, cJSON **out,
		  struct jf_errmsg *e);
int jf_k8s_update(struct jf_k8s_client *c, const struct jf_k8s_resource *res,
		  const char *ns, const cJSON *obj, const char *subresource,
		  cJSON **out, struct jf_errmsg *e);
/* patch is borrowed JSON text of the given type. */
int jf_k8s_patch(struct jf_k8s_client *c, const struct jf_k8s_resource *res,
		 const char *ns, const char *name, const char *subresource,
		 enum jf_k8s_patch_type type, const char *patch, cJSON **out,
		 struct jf_errmsg *e);
/* policy NULL sends no body (the server's default). */
int jf_k8s_delete(struct jf_k8s_client *c, const struct jf_k8s_resource *res,
		  const char *ns, const char *name, const char *policy,
		  struct jf_errmsg *e);

/* --- watch ---------------------------------------------------------------- */

enum jf_k8s_event_type {
	JF_K8S_ADDED = 0,
	JF_K8S_MODIFIED,
	JF_K8S_DELETED,
	JF_K8S_BOOKMARK,
	JF_K8S_ERROR,
};

/* One decoded watch event. */
struct jf_k8s_event {
	enum jf_k8s_event_type type;
	cJSON *object;	     /* the event's object; the callback may take it
			      * (set it to NULL), else it is freed after */
	const char *rv;	     /* object's metadata.resourceVersion ("" if none);
			      * borrowed from object, copy before taking it */
	int code;	     /* ERROR: the Status code (410: expired) */
	const char *reason;  /* ERROR: Status reason ("" if none) */
	const char *message; /* ERROR: Status message ("" if none) */
};

/* Called for each event. Return 0 to go on, non-zero to stop the watch
 * (the done callback then gets err = that value). */
typedef int (*jf_k8s_event_fn)(struct jf_k8s_event *ev, void *arg);

/* Starts a watch (req->verb must be JF_K8S_WATCH; opts.resource_version,
 * timeout_seconds and allow_bookmarks are the caller's). Events go to
 * on_event; done follows when the stream ends: err 0 when the server
 * closed it cleanly, -JF_EGONE for HTTP 410, -JF_EPARSE/-JF_ETOOBIG for a
 * malformed or oversized event, other errors as for any request. Watches
 * are never retried by the client. Same handle rules as jf_k8s_submit(). */
int jf_k8s_watch(struct jf_k8s_client *c, const struct jf_k8s_req *req,
		 jf_k8s_event_fn on_event, jf_k8s_done_fn done, void *arg,
		 struct jf_k8s_call **out);

/* Incremental decoder of a watch stream (newline-delimited JSON events),
 * used by jf_k8s_watch() and usable alone. Chunks may split anywhere. */
struct jf_k8s_watch_dec {
	char *line; /* partial line */
	size_t len, cap, max;
	jf_k8s_event_fn fn;
	void *arg;
	unsigned long events; /* events delivered */
};

/* max: longest event line in bytes (0: 16 MiB). fn/arg are borrowed. */
void jf_k8s_watch_dec_init(struct jf_k8s_watch_dec *d, size_t max,
			   jf_k8s_event_fn fn, void *arg);
void jf_k8s_watch_dec_release(struct jf_k8s_watch_dec *d);

/* Feeds len bytes. Returns 0, the callback's non-zero value, -JF_ETOOBIG
 * (a line over max), -JF_EPARSE (malformed event; e says which and why)
 * or -ENOMEM. After an error the decoder must not be fed again. */
int jf_k8s_watch_dec_feed(struct jf_k8s_watch_dec *d, const char *buf,
			  size_t len, struct jf_errmsg *e);

/* End of stream: -JF_EPARSE if a partial event is left (truncated). */
int jf_k8s_watch_dec_finish(struct jf_k8s_watch_dec *d, struct jf_errmsg *e);

/* Decodes one line (no newline) into *ev; *root receives the new root that
 * owns ev->object (caller frees with cJSON_Delete()). */
int jf_k8s_watch_event_parse(const char *line, size_t len,
			     struct jf_k8s_event *ev, cJSON **root,
			     struct jf_errmsg *e);

/* --- counters (for /metrics) ---------------------------------------------- */

/* Calls fn for every (verb, HTTP code) pair seen, with the number of HTTP
 * attempts; code 0 counts attempts that got no HTTP answer. */
typedef void (*jf_k8s_counter_fn)(enum jf_k8s_verb verb, int code,
				  uint64_t count, void *arg);
void jf_k8s_client_counters(const struct jf_k8s_client *c, jf_k8s_counter_fn fn,
			    void *arg);

/* Number of HTTP attempts for (verb, code); code -1 sums all codes. */
uint64_t jf_k8s_client_count(const struct jf_k8s_client *c,
			     enum jf_k8s_verb verb, int code);

/* Calls currently in flight (queued, running or waiting to retry). */
int jf_k8s_client_inflight(const struct jf_k8s_client *c);

#endif /* JF_K8S_H */
