/* ks.h - kubesim's private interfaces: the server context, the resource
 * registry, the object store with its watch history, watches, and the
 * helpers every request handler shares. One process, one event loop, no
 * threads: every function here runs on the loop. */
#ifndef KS_H
#define KS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/ssl.h>

#include "jf_buf.h"

#define KS_MAX_BODY    (3u << 20)  /* like kube-apiserver's 3 MiB */
#define KS_HARD_BODY   (16u << 20) /* evhttp's own cap (HTML 413) */
#define KS_MAX_HEADERS (64u << 10)

/* One immutable serialised version of an object, shared (refcounted) by
 * the store, the watch history and every watcher's output buffer. */
struct ks_ver {
	int refs;
	uint64_t rv;
	char *raw; /* compact JSON of the whole object */
	size_t len;
	cJSON *labels; /* copy of metadata.labels, or NULL */
	char *ns;      /* "" for cluster-scoped */
	char *name;
};

struct ks_ver *ks_ver_new(const cJSON *obj, uint64_t rv);
struct ks_ver *ks_ver_ref(struct ks_ver *v);
void ks_ver_unref(struct ks_ver *v);

struct ks_res;

/* Intrusive hash-map node (chained, FNV-1a). */
struct ks_hnode {
	const char *key;
	uint64_t hash;
	struct ks_hnode *next;
	void *val;
};

struct ks_map {
	struct ks_hnode **b;
	size_t nb;
	size_t count;
};

void *ks_map_get(const struct ks_map *m, const char *key);
/* Adds n (key and val set by the caller); the key must be absent. */
int ks_map_put(struct ks_map *m, struct ks_hnode *n);
void *ks_map_del(struct ks_map *m, const char *key);
void ks_map_release(struct ks_map *m);

/* A stored object. json is the current version (owned); ver its
 * serialisation (one reference). */
struct ks_obj {
	char *key;		/* "ns/name" or "name" */
	struct ks_hnode kn, un; /* in res->objs by key, in ks.uids by uid */
	struct ks_res *res;
	cJSON *json;
	struct ks_ver *ver;
	char uid[40];
	cJSON *applied;	 /* server-side apply: field manager -> last config */
	bool has_owners; /* metadata.ownerReferences is not empty */
	bool deleting;	 /* metadata.deletionTimestamp is set */
};

enum ks_evtype {
	KS_ADDED,
	KS_MODIFIED,
	KS_DELETED
};
extern const char *const ks_evtype_name[];

struct ks_event {
	enum ks_evtype type;
	struct ks_ver *ver;
	struct ks_ver *prev; /* previous version (MODIFIED/DELETED) or NULL */
};

struct ks_version {
	char *name;
	bool served, storage;
	cJSON *schema;	/* openAPIV3Schema (owned copy) or NULL */
	cJSON *columns; /* additionalPrinterColumns (owned copy) or NULL */
};

struct ks_watch;

/* A resource type (group + plural) and everything stored for it. */
struct ks_res {
	struct ks_res *next;
	char *group; /* "" for core */
	char *plural, *singular, *kind, *list_kind;
	cJSON *short_names; /* JSON array of strings, or NULL */
	cJSON *categories;
	bool namespaced, has_status, builtin;
	bool served;	/* false while its CRD is being removed */
	char *crd_name; /* for custom resources */
	struct ks_version *vers;
	int nvers;
	struct ks_map objs;
	/* sorted view for LIST, rebuilt on demand */
	struct ks_obj **sorted;
	size_t nsorted;
	bool sorted_dirty;
	/* watch history: a ring of events in RV order */
	struct ks_event *ring;
	size_t ring_cap, ring_head, ring_len;
	uint64_t base_rv; /* resuming from an RV below this gives 410 */
	struct ks_watch *watches;
	/* statistics */
	uint64_t n_writes, n_creates;
};

struct ks_res *ks_res_find(const char *group, const char *plural);
struct ks_res *ks_res_find_kind(const char *group, const char *kind);
const struct ks_version *ks_res_version(const struct ks_res *r, const char *v);
const struct ks_version *ks_res_storage(const struct ks_res *r);
/* "jobs.batch.volcano.sh" / "configmaps" into buf. */
const char *ks_res_qualified(const struct ks_res *r, char *buf, size_t cap);
/* "Job.batch.volcano.sh" / "ConfigMap" into buf. */
const char *ks_res_qualified_kind(const struct ks_res *r, char *buf,
				  size_t cap);
/* Field selector labels r supports (NULL-terminated). */
const char *const *ks_res_fields(const struct ks_res *r);
void ks_registry_init(void);
void ks_registry_free(void);
/* Registers or updates the type served by a CRD object (borrowed). */
int ks_registry_apply_crd(const cJSON *crd, char *msg, size_t cap);
void ks_registry_remove(struct ks_res *r);

/* Object store: every write goes through these, which bump the RV, keep
 * the serialised JSON, append to the history and fan out to watchers. */
struct ks_obj *ks_store_get(struct ks_res *r, const char *ns, const char *name);
struct ks_obj *ks_store_by_uid(const char *uid);
/* Takes ownership of obj. Sets metadata.resourceVersion. */
struct ks_obj *ks_store_insert(struct ks_res *r, cJSON *obj);
/* Replaces o's content with obj (ownership taken); bumps the RV. Returns
 * the previous root, caller frees. */
cJSON *ks_store_replace(struct ks_obj *o, cJSON *obj);
/* Removes and frees o; emits DELETED with a fresh RV. */
void ks_store_remove(struct ks_obj *o);
/* Sorted snapshot of r's objects (valid until the next write). */
struct ks_obj **ks_store_sorted(struct ks_res *r, size_t *n);
void ks_store_expire_history(void);
void ks_store_free_res(struct ks_res *r);

/* Watches. */
struct ks_req;
void ks_watch_start(struct ks_req *q);
void ks_watch_fanout(struct ks_res *r, const struct ks_event *ev);
void ks_watch_drop_all(const char *why);
void ks_watch_close_res(struct ks_res *r);
void ks_watch_bookmark_tick(void);
size_t ks_watch_count(void);

/* Faults and statistics. */
struct ks_faults {
	double error_rate, throttle_rate;
	int retry_after;
	int64_t latency_ms;
	int64_t drop_every_ms;
	uint64_t seed;
};
int ks_faults_parse(const char *spec, struct ks_faults *f, char *msg,
		    size_t cap);
void ks_faults_apply(const struct ks_faults *f);

struct ks_stats;
void ks_stats_request(const char *verb, const char *resource, int code);
void ks_stats_write(struct ks_res *r);
void ks_stats_create(struct ks_res *r, const char *ns, const char *name);
void ks_stats_conflict(void);
/* Counts a controller's write (simulator, collector). */
void ks_stats_internal_write(void);
void ks_stats_watch_events(uint64_t n);
void ks_stats_free(void);
void ks_timeline_created(struct ks_res *r, const cJSON *obj, int64_t ms);
void ks_timeline_status(struct ks_res *r, const cJSON *oldo, const cJSON *newo,
			int64_t ms);

/* The server. */
struct ks_opts {
	const char *listen;
	const char *kubeconfig_out;
	const char *token;
	bool plain_http;
	size_t watch_history;
	size_t watch_max_pending; /* bytes queued before a watch is cut */
	int64_t bookmark_ms;
	bool volcano_sim;
	int64_t sim_pending_ms, sim_duration_ms;
	const char *faults;
	const char *log_level;
};

struct ks_server {
	struct ks_opts o;
	struct event_base *base;
	struct evhttp *http;
	SSL_CTX *ssl;
	char *ca_pem;
	char token[80];
	char url[128];
	uint64_t rv;
	struct ks_res *res;
	struct ks_map uids; /* uid -> object (objects reused as index nodes) */
	struct event *ev_bookmark, *ev_gc, *ev_drop, *ev_sigterm, *ev_sigint;
	bool gc_pending;
	struct ks_faults faults;
	uint64_t prng;
	int64_t outage_until_mono;
	int64_t req_start_ms; /* receive time of the request being handled */
	bool shutting_down;
};

extern struct ks_server ks;

uint64_t ks_next_rv(void);

/* A parsed API request. */
enum ks_method {
	KS_GET,
	KS_POST,
	KS_PUT,
	KS_PATCH,
	KS_DELETE,
	KS_OTHER
};

struct ks_req {
	struct evhttp_request *req;
	enum ks_method method;
	int64_t recv_ms;
	struct evkeyvalq *query;
	char *body;
	size_t body_len;
	const char *ctype;
	const char *accept;
	/* routing */
	struct ks_res *res;
	char *version;	       /* owned: a CRD update may free its own */
	char *ns, *name, *sub; /* decoded path segments (owned) */
	const char *verb;      /* Kubernetes verb for stats */
	int code;	       /* response code sent */
};

void ks_req_free(struct ks_req *q);
const char *ks_query(const struct ks_req *q, const char *key);
bool ks_query_true(const struct ks_req *q, const char *key);

/* Responses. Each frees nothing but what it says. */
void ks_reply_raw(struct ks_req *q, int code, const char *json, size_t len);
void ks_reply_json(struct ks_req *q, int code, const cJSON *doc);
void ks_reply_obj(struct ks_req *q, int code, struct ks_obj *o);
/* A Failure Status: details built from res/name; causes borrowed. */
void ks_reply_status(struct ks_req *q, int code, const char *reason,
		     const char *name, const char *dkind, const cJSON *causes,
		     const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
cJSON *ks_status_new(int code, const char *reason, const char *msg);
void ks_reply_notfound(struct ks_req *q, struct ks_res *r, const char *name);
void ks_reply_invalid(struct ks_req *q, struct ks_res *r, const char *name,
		      const cJSON *causes);

/* REST handlers (rest.c, patch.c, delete.c). */
void ks_rest_handle(struct ks_req *q);
void ks_rest_list(struct ks_req *q);
void ks_rest_patch(struct ks_req *q);
void ks_rest_delete(struct ks_req *q);
bool ks_name_valid(const char *name, bool label, char *msg, size_t cap);
/* ObjectMeta rules (labels, annotations, ownerReferences); appends
 * causes, returns how many. */
int ks_validate_meta(const cJSON *obj, cJSON *causes);
/* Common write path for PUT/PATCH: old object o, candidate new object nw
 * (ownership taken). Writes, replies. */
void ks_rest_update_with(struct ks_req *q, struct ks_obj *o, cJSON *nw,
			 bool require_rv);
/* Common create path (POST and apply-create). Takes ownership of obj. */
void ks_rest_create_with(struct ks_req *q, cJSON *obj);

/* Internal writes (controllers: GC, simulator). Take ownership of obj. */
int ks_internal_update(struct ks_obj *o, cJSON *obj);
int ks_internal_update_status(struct ks_obj *o, const cJSON *status);
/* Deletes o honouring finalizers (sets deletionTimestamp when present). */
void ks_internal_delete(struct ks_obj *o, const char *policy);
/* Removes o from the store now (no finalizers left). */
void ks_finalize_remove(struct ks_obj *o);

/* Hooks into type-specific behaviour (admission and controllers). */
int ks_hook_create(struct ks_res *r, cJSON *obj, char *msg, size_t cap);
void ks_hook_created(struct ks_obj *o);
void ks_hook_updated(struct ks_obj *o, const cJSON *old);
void ks_hook_removed(struct ks_res *r, const cJSON *obj);

/* Garbage collector and namespace/CRD finalizers (gc.c). */
/* Schedules a full scan (anything may concern the collector). */
void ks_gc_kick(void);
/* o was written: look at it on the next run if it has owners or is being
 * deleted. */
void ks_gc_note(const struct ks_obj *o);
/* An object of r was removed (obj is its last content, borrowed). */
void ks_gc_removed(const struct ks_res *r, const cJSON *obj);
void ks_gc_free(void);
void ks_gc_run(void);

/* Discovery and OpenAPI (discovery.c). */
bool ks_discovery_handle(struct ks_req *q, const char *path);

/* Control API (control.c). */
void ks_control_handle(struct ks_req *q, const char *path);

/* Volcano simulator (sim.c). */
void ks_sim_job_defaults(cJSON *job);
void ks_sim_job_created(struct ks_obj *o);
void ks_sim_job_removed(const cJSON *job);
void ks_sim_command_created(struct ks_obj *o);
void ks_sim_free(void);

/* HTTP server (http.c). */
int ks_http_start(char *msg, size_t cap);

/* TLS (tls.c). */
int ks_tls_init(char *msg, size_t cap);
struct bufferevent *ks_tls_bev(struct event_base *base, void *arg);

/* Table output for custom resources (table.c). */
const char *ks_table_wanted(const struct ks_req *q);
void ks_table_reply(struct ks_req *q, const char *tv, struct ks_obj **objs,
		    size_t n, const char *cont);

/* Utilities. */
void ks_uuid(char out[37]);
char *ks_now_rfc3339(char *buf, size_t cap);
uint64_t ks_rand64(void);
double ks_rand_unit(void);
bool ks_is_status_res(const struct ks_res *r);

#endif /* KS_H */
