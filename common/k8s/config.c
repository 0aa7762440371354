/* config.c - client configuration: defaults, copy and release. */
#include "k8s_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void blob_free(struct jf_k8s_blob *b)
{
	k8s_free_secret(b->data, b->len);
	b->data = NULL;
	b->len = 0;
}

void jf_k8s_config_init(struct jf_k8s_config *c)
{
	memset(c, 0, sizeof(*c));
	c->qps = 0;
	c->burst = 10;
	c->timeout_ms = 30000;
	c->connect_timeout_ms = 10000;
	c->max_body = 64u << 20;
	c->max_line = 16u << 20;
	c->max_retries = 10;
	c->retry_base_ms = 200;
	c->retry_max_ms = 5000;
	c->token_reread_ms = 60000;
	c->http2 = true;
	c->user_agent = "jobflowd/0.1";
}

void jf_k8s_config_release(struct jf_k8s_config *c)
{
	free(c->server);
	free(c->tls_server_name);
	blob_free(&c->ca);
	blob_free(&c->cert);
	blob_free(&c->key);
	if (c->token)
		k8s_free_secret(c->token, strlen(c->token));
	free(c->token_file);
	free(c->namespace);
	free(c->context);
	free(c->source);
	jf_k8s_config_init(c);
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

static int dup_blob(struct jf_k8s_blob *dst, const struct jf_k8s_blob *src)
{
	dst->data = NULL;
	dst->len = 0;
	if (!src->data)
		return 0;
	dst->data = malloc(src->len + 1);
	if (!dst->data)
		return -ENOMEM;
	memcpy(dst->data, src->data, src->len);
	dst->data[src->len] = '\0';
	dst->len = src->len;
	return 0;
}

int jf_k8s_config_copy(struct jf_k8s_config *dst,
		       const struct jf_k8s_config *src)
{
	int err = 0;

	*dst = *src;
	dst->server = dst->tls_server_name = dst->token = NULL;
	dst->token_file = dst->namespace = dst->context = dst->source = NULL;
	dst->ca.data = dst->cert.data = dst->key.data = NULL;
	err |= dup_str(&dst->server, src->server);
	err |= dup_str(&dst->tls_server_name, src->tls_server_name);
	err |= dup_str(&dst->token, src->token);
	err |= dup_str(&dst->token_file, src->token_file);
	err |= dup_str(&dst->namespace, src->namespace);
	err |= dup_str(&dst->context, src->context);
	err |= dup_str(&dst->source, src->source);
	err |= dup_blob(&dst->ca, &src->ca);
	err |= dup_blob(&dst->cert, &src->cert);
	err |= dup_blob(&dst->key, &src->key);
	if (err) {
		jf_k8s_config_release(dst);
		return -ENOMEM;
	}
	return 0;
}
