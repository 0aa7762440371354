/* err.c - jf_strerror() and the error-message helpers of jf_err.h. */
#include "jf_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const jf_err_names[JF_E__MAX - JF_ERR_BASE] = {
	[JF_EPARSE - JF_ERR_BASE] = "malformed input",
	[JF_ETYPE - JF_ERR_BASE] = "wrong type",
	[JF_ENOTFOUND - JF_ERR_BASE] = "not found",
	[JF_ETOOBIG - JF_ERR_BASE] = "input too large",
	[JF_EDEPTH - JF_ERR_BASE] = "nesting too deep",
	[JF_EEVAL - JF_ERR_BASE] = "expression evaluation failed",
	[JF_ESPEC - JF_ERR_BASE] = "invalid spec",
	[JF_EHTTP - JF_ERR_BASE] = "API request failed",
	[JF_ECONFLICT - JF_ERR_BASE] = "resource version conflict",
	[JF_EEXIST - JF_ERR_BASE] = "already exists",
	[JF_EGONE - JF_ERR_BASE] = "resource version expired",
	[JF_EUNAUTH - JF_ERR_BASE] = "unauthorized",
	[JF_EFORBIDDEN - JF_ERR_BASE] = "forbidden",
	[JF_ETRANSPORT - JF_ERR_BASE] = "transport failure",
	[JF_EPROTO - JF_ERR_BASE] = "malformed IPC message",
	[JF_ESHUTDOWN - JF_ERR_BASE] = "shutting down",
	[JF_ECONFIG - JF_ERR_BASE] = "invalid configuration",
	[JF_ENOTLEADER - JF_ERR_BASE] = "not the leader",
	[JF_EINVALID - JF_ERR_BASE] = "invalid object",
	[JF_ETHROTTLED - JF_ERR_BASE] = "too many requests",
	[JF_ESERVER - JF_ERR_BASE] = "server error",
};

const char *jf_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err == 0)
		return "success";
	if (err >= JF_ERR_BASE && err < JF_E__MAX)
		return jf_err_names[err - JF_ERR_BASE];
	if (err < JF_ERR_BASE)
		return strerror(err);
	return "unknown error";
}

int jf_errf(struct jf_errmsg *e, int err, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return err;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return err;
}

int jf_errprefix(struct jf_errmsg *e, int err, const char *fmt, ...)
{
	char prefix[JF_ERRMSG_MAX], old[JF_ERRMSG_MAX];
	va_list ap;

	if (!e)
		return err;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	if (old[0])
		snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, old);
	else
		snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix,
			 jf_strerror(err));
	return err;
}

const char *jf_errmsg_or(const struct jf_errmsg *e, int err)
{
	if (e && e->msg[0])
		return e->msg;
	return jf_strerror(err);
}
