/* status.c - metav1.Status decoding, HTTP code to error mapping and the
 * response lifecycle. */
#include "k8s_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"

const char *jf_k8s_reason_for_code(int code)
{
	switch (code) {
	case 400:
		return "BadRequest";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "NotFound";
	case 405:
		return "MethodNotAllowed";
	case 406:
		return "NotAcceptable";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 413:
		return "RequestEntityTooLarge";
	case 415:
		return "UnsupportedMediaType";
	case 422:
		return "Invalid";
	case 429:
		return "TooManyRequests";
	case 500:
		return "InternalError";
	case 503:
		return "ServiceUnavailable";
	case 504:
		return "Timeout";
	default:
		return "";
	}
}

int jf_k8s_code_to_err(int code, const char *reason)
{
	if (code >= 200 && code < 300)
		return 0;
	switch (code) {
	case 0:
		return -JF_ETRANSPORT;
	case 401:
		return -JF_EUNAUTH;
	case 403:
		return -JF_EFORBIDDEN;
	case 404:
		return -JF_ENOTFOUND;
	case 409:
		return reason && !strcmp(reason, "AlreadyExists")
			       ? -JF_EEXIST
			       : -JF_ECONFLICT;
	case 410:
		return -JF_EGONE;
	case 422:
		return -JF_EINVALID;
	case 429:
		return -JF_ETHROTTLED;
	default:
		break;
	}
	if (code >= 500)
		return -JF_ESERVER;
	return -JF_EHTTP;
}

int k8s_parse_retry_after(const char *v)
{
	long n = 0;

	if (!v)
		return -1;
	while (*v == ' ')
		v++;
	if (*v < '0' || *v > '9')
		return -1;
	for (; *v >= '0' && *v <= '9'; v++) {
		n = n * 10 + (*v - '0');
		if (n > 86400)
			n = 86400;
	}
	return (int)n;
}

static const char *str_or_empty(const cJSON *o, const char *path)
{
	return jf_json_str(o, path, "");
}

void k8s_status_decode(struct jf_k8s_response *r, int retry_after_s)
{
	struct jf_k8s_status *st = &r->status;
	const cJSON *b = r->body;
	int64_t code;

	memset(st, 0, sizeof(*st));
	st->code = r->code;
	st->reason = "";
	st->message = "";
	st->name = st->group = st->kind = "";
	st->retry_after_s = retry_after_s;
	if (b && cJSON_IsObject(b) &&
	    !strcmp(jf_json_str(b, "kind", ""), "Status")) {
		code = jf_json_int(b, "code", 0);
		if (code >= 100 && code < 600 && r->code >= 300)
			st->code = (int)code;
		else if (code >= 100 && code < 600 && r->code == 0)
			st->code = (int)code;
		st->reason = str_or_empty(b, "reason");
		st->message = str_or_empty(b, "message");
		st->name = str_or_empty(b, "details.name");
		st->group = str_or_empty(b, "details.group");
		st->kind = str_or_empty(b, "details.kind");
		st->causes = jf_json_at(b, "details.causes");
		if (st->retry_after_s < 0)
			st->retry_after_s = (int)jf_json_int(
				b, "details.retryAfterSeconds", -1);
	} else if (r->text && *r->text) {
		st->message = r->text;
	}
	if (!*st->reason)
		st->reason = jf_k8s_reason_for_code(st->code);
	if (r->code >= 200 && r->code < 300) {
		r->err = 0;
		return;
	}
	r->err = jf_k8s_code_to_err(st->code, st->reason);
	if (*st->message)
		jf_errf(&r->msg, r->err, "%s (%d %s)", st->message, st->code,
			*st->reason ? st->reason : "error");
	else
		jf_errf(&r->msg, r->err,
			"the server responded with code %d (%s)", st->code,
			*st->reason ? st->reason : "no reason");
}

void jf_k8s_response_release(struct jf_k8s_response *r)
{
	if (!r)
		return;
	cJSON_Delete(r->body);
	free(r->text);
	memset(r, 0, sizeof(*r));
}
