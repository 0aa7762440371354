/* jf_informer.h - list+watch informers with an indexed, compact cache
 * (client-go's reflector + indexer semantics, docs/client.md).
 *
 * An informer lists a resource (pages of 500; resourceVersion "0" first,
 * then the last synced one, "" after an expired list), then watches from
 * the list's resourceVersion with bookmarks and a randomised timeout,
 * re-watching from the last resourceVersion when a watch ends, relisting on
 * 410 Gone, backing off (800 ms .. 30 s, jittered) on errors. Handlers run
 * on the client's event loop, one at a time.
 *
 * The cache holds each object as its compact JSON (metadata.managedFields
 * and the kubectl last-applied annotation stripped, then the caller's
 * transform applied) plus the values its indexes need. Lookups hand out a
 * new cJSON tree or the borrowed JSON text.
 */
#ifndef JF_INFORMER_H
#define JF_INFORMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "jf_k8s.h"

struct jf_informer; /* opaque */

/* Event handlers; any may be NULL. Objects are borrowed for the call. They
 * must not free the informer; they may stop it. */
struct jf_informer_handlers {
	void (*on_add)(const cJSON *obj, void *arg);
	/* old == new (same pointer) on a periodic resync. */
	void (*on_update)(const cJSON *old, const cJSON *new_obj, void *arg);
	/* final_unknown: the object was missing from a relist, so its final
	 * state is unknown and obj is the last cached one (a tombstone, as
	 * client-go's DeletedFinalStateUnknown). */
	void (*on_delete)(const cJSON *obj, bool final_unknown, void *arg);
	void *arg;
};

/* Rewrites an object in place before it is cached and handed to handlers
 * (e.g. drop the parts of a Job's spec nobody reads). Must keep
 * metadata.name, namespace, uid and resourceVersion. */
typedef void (*jf_informer_transform_fn)(cJSON *obj, void *arg);

/* An index: writes up to max values for obj into vals (borrowed strings,
 * e.g. pointing into obj) and returns how many (0: not indexed). */
#define JF_INFORMER_MAX_VALUES 4
typedef int (*jf_informer_index_fn)(const cJSON *obj, const char **vals,
				    int max, void *arg);

struct jf_informer_opts {
	const struct jf_k8s_resource *res; /* required */
	const char *ns;			   /* NULL or "": all namespaces */
	const char *label_selector;	   /* optional */
	const char *field_selector;	   /* optional */
	const char *name;		   /* for logs; default the resource */
	long page_size;			   /* 0: 500 */
	int watch_timeout_s;	  /* timeoutSeconds in [t, 2t); 0: 300 */
	int64_t resync_ms;	  /* periodic resync; 0: off */
	int64_t backoff_init_ms;  /* 0: 800 */
	int64_t backoff_max_ms;	  /* 0: 30000 */
	int64_t backoff_reset_ms; /* healthy this long resets; 0: 120000 */
	jf_informer_transform_fn transform; /* optional */
	void *transform_arg;
	bool pack_cache; /* keep cached texts zstd-compressed: about a fifth
			  * of the memory, a few microseconds per event */
};

/* Returns a new informer in *out, not started. c is borrowed (its base
 * drives the informer) and must outlive it. opts and h are copied (the
 * strings in opts are copied too). Caller frees with jf_informer_free().
 * Returns 0, -EINVAL or -ENOMEM. */
int jf_informer_new(struct jf_k8s_client *c,
		    const struct jf_informer_opts *opts,
		    const struct jf_informer_handlers *h,
		    struct jf_informer **out);

/* Adds an index named name (copied) before jf_informer_start(). "namespace"
 * is built in. Returns 0, -EEXIST, -ENOSPC (more than 8) or -EBUSY. */
int jf_informer_add_index(struct jf_informer *inf, const char *name,
			  jf_informer_index_fn fn, void *arg);

/* Starts listing (from the event loop; returns at once). 0 or -EBUSY. */
int jf_informer_start(struct jf_informer *inf);

/* Stops the list/watch and timers; the cache is kept. Safe from a
 * handler. */
void jf_informer_stop(struct jf_informer *inf);

/* Stops and frees everything. Not from a handler. */
void jf_informer_free(struct jf_informer *inf);

/* True once the first complete list has been delivered to the handlers. */
bool jf_informer_has_synced(const struct jf_informer *inf);

/* The resourceVersion the next watch resumes from ("" before a list). */
const char *jf_informer_last_rv(const struct jf_informer *inf);

/* Number of cached objects. */
size_t jf_informer_len(const struct jf_informer *inf);

/* Lookups by namespace ("" for cluster-scoped) and name. */
/* Returns a new cJSON tree, caller frees with cJSON_Delete(); NULL when
 * absent (or on ENOMEM). */
cJSON *jf_informer_get(const struct jf_informer *inf, const char *ns,
		       const char *name);
/* Returns the cached compact JSON text, NUL-terminated (borrowed: valid
 * until the next event is processed and, with pack_cache, for the next
 * three reads of this informer's texts), or NULL. len (may be NULL) gets
 * its length. */
const char *jf_informer_get_raw(const struct jf_informer *inf, const char *ns,
				const char *name, size_t *len);

/* Called per object by the iterators; raw is borrowed. Return non-zero to
 * stop (the iterator returns that value). */
typedef int (*jf_informer_visit_fn)(const char *ns, const char *name,
				    const char *raw, size_t len, void *arg);

/* Every cached object (unspecified order). Handlers and the visit
 * function must not change the informer while it runs. */
int jf_informer_foreach(const struct jf_informer *inf, jf_informer_visit_fn fn,
			void *arg);

/* Objects whose index `index` has value `value` ("namespace" for the
 * built-in one). Returns the visit function's non-zero value, 0, or
 * -JF_ENOTFOUND for an unknown index. *count (may be NULL) gets the
 * number of objects visited. */
int jf_informer_by_index(const struct jf_informer *inf, const char *index,
			 const char *value, jf_informer_visit_fn fn, void *arg,
			 size_t *count);
/* The same, but the visit function gets only the namespace and name (raw
 * NULL, len 0): no cached text is read. */
int jf_informer_names_by_index(const struct jf_informer *inf, const char *index,
			       const char *value, jf_informer_visit_fn fn,
			       void *arg, size_t *count);

/* Number of objects with that index value (0 for an unknown index). */
size_t jf_informer_index_count(const struct jf_informer *inf, const char *index,
			       const char *value);

/* Mutation cache: the caller has just written obj (borrowed; the response
 * of a create, update or patch). It is cached (stripped, transformed) if
 * its resourceVersion is newer than the cached one (integer comparison
 * when both are integers; otherwise any different value counts as newer),
 * without calling handlers; the watch event that later carries the same
 * resourceVersion is then dropped (no duplicate callbacks), and older
 * events do not roll the cache back. Returns 1 if cached, 0 if not newer,
 * -EINVAL (no name or resourceVersion) or -ENOMEM. */
int jf_informer_observe(struct jf_informer *inf, const cJSON *obj);

/* Compares resourceVersions: <0, 0, >0 as a is older, equal, newer than
 * b; integers numerically; non-integers: 0 if equal strings, else 1. */
int jf_informer_rv_cmp(const char *a, const char *b);

struct jf_informer_stats {
	uint64_t lists;	       /* LIST requests (pages) */
	uint64_t relists;      /* complete relists after the first */
	uint64_t watches;      /* WATCH requests started */
	uint64_t watch_errors; /* watches that ended in error */
	uint64_t expired;      /* 410s (HTTP or ERROR events) */
	uint64_t events;       /* watch events applied */
	uint64_t dropped;      /* events dropped (same/older RV) */
	uint64_t resyncs;      /* resync passes */
	size_t objects;	       /* cached objects */
	size_t bytes;	       /* cached JSON bytes */
	size_t held;	       /* bytes held for them (packed: fewer) */
};

void jf_informer_get_stats(const struct jf_informer *inf,
			   struct jf_informer_stats *out);

#endif /* JF_INFORMER_H */
