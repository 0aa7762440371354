/* jf_err.h - the one error convention of jobflowd.
 *
 * Action functions return int: 0 on success, -errno, or -JF_E*. Project
 * codes start at JF_ERR_BASE, above every errno value, so one int carries
 * both. Predicates return bool; lookups return a pointer or NULL; fallible
 * constructors return int and fill a **out.
 *
 * Detail for humans goes into a caller-supplied struct jf_errmsg (which may
 * be NULL when the caller does not care). Messages say what and where:
 * lowercase, error first, subject in single quotes, no final period, and a
 * position ("file:line:col", "col 12", or a JSON path) whenever there is one.
 */
#ifndef JF_ERR_H
#define JF_ERR_H

#include <stddef.h>

#define JF_ERR_BASE 10000

/* Numbered for the logs; a retired code keeps its slot. */
enum jf_err {
	JF_EPARSE = JF_ERR_BASE, /* 10000 malformed input (JSON, YAML, expr) */
	JF_ETYPE,		 /* 10001 a value has the wrong type */
	JF_ENOTFOUND,		 /* 10002 key, path or object does not exist */
	JF_ETOOBIG,		 /* 10003 input exceeds a hard cap */
	JF_EDEPTH,		 /* 10004 nesting deeper than allowed */
	JF_EEVAL,		 /* 10005 expression evaluation failed */
	JF_ESPEC,		 /* 10006 invalid JobFlow/JobTemplate spec */
	JF_EHTTP,      /* 10007 API error (see struct jf_k8s_status) */
	JF_ECONFLICT,  /* 10008 409 Conflict (stale resourceVersion) */
	JF_EEXIST,     /* 10009 409 AlreadyExists */
	JF_EGONE,      /* 10010 410 Gone / Expired */
	JF_EUNAUTH,    /* 10011 401 Unauthorized */
	JF_EFORBIDDEN, /* 10012 403 Forbidden */
	JF_ETRANSPORT, /* 10013 connection, TLS or curl failure */
	JF_EPROTO,     /* 10014 malformed IPC message */
	JF_ESHUTDOWN,  /* 10015 component is shutting down */
	JF_ECONFIG,    /* 10016 invalid configuration */
	JF_ENOTLEADER, /* 10017 not (or no longer) the leader */
	JF_EINVALID,   /* 10018 422 Invalid */
	JF_ETHROTTLED, /* 10019 429 Too Many Requests */
	JF_ESERVER,    /* 10020 5xx from the server */
	JF_E__MAX      /* never use: sentinel */
};

#define JF_ERRMSG_MAX 512

/* Human-readable detail of the last error of one call. */
struct jf_errmsg {
	char msg[JF_ERRMSG_MAX];
};

/* Returns a static string for err (negative or positive, errno or JF_E*). */
const char *jf_strerror(int err);

/* Formats a message into e (if e is not NULL) and returns err unchanged, so
 * that "return jf_errf(e, -JF_EPARSE, "col %d: ...", col);" reads as one. */
int jf_errf(struct jf_errmsg *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to the message already in e (if any), returns err.
 * Used to add context on the way up: "spec.flows[2].when: col 3: ...". */
int jf_errprefix(struct jf_errmsg *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Returns e->msg, or jf_strerror(err) when e is NULL or empty. */
const char *jf_errmsg_or(const struct jf_errmsg *e, int err);

#endif /* JF_ERR_H */
