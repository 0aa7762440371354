/* docs.c - the JobFlows and JobTemplates of YAML files given to the
 * offline commands (validate, render, graph), with their positions. */
#include "ctl/ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"

static int push(struct ctl_doc **v, int *n, const char *file,
		const struct jf_yaml_doc *y)
{
	struct ctl_doc *nv = realloc(*v, (size_t)(*n + 1) * sizeof(**v));

	if (!nv)
		return -1;
	*v = nv;
	nv[*n].file = file;
	nv[*n].y = y;
	(*n)++;
	return 0;
}

int ctl_docs_load(struct ctl *c, struct ctl_docs *d, const char *file)
{
	struct jf_errmsg e = {{0}};
	struct jf_yaml_stream *s;
	int err;

	s = realloc(d->streams, (size_t)(d->nstreams + 1) * sizeof(*s));
	if (!s)
		return ctl_fail(c, "cannot read", file, "out of memory");
	d->streams = s;
	s = &d->streams[d->nstreams];
	err = jf_yaml_load_file(file, s, &e);
	if (err && err > -JF_ERR_BASE && err != -ENOMEM)
		return ctl_fail(c, "cannot read", file, "%s", strerror(-err));
	if (err) {
		fflush(c->out);
		fprintf(c->err, "%s\n", jf_errmsg_or(&e, err));
		return CTL_FAIL;
	}
	d->nstreams++;
	for (size_t i = 0; i < s->ndocs; i++) {
		const struct jf_yaml_doc *y = &s->docs[i];
		const char *kind = jf_json_str(y->json, "kind", "");

		if (y->json && !cJSON_IsNull(y->json) &&
		    !cJSON_IsObject(y->json)) {
			fflush(c->out);
			fprintf(c->err,
				"%s:%d: document %zu is not a Kubernetes "
				"object (a mapping with apiVersion and kind)\n",
				file, y->line, i + 1);
			return CTL_FAIL;
		}
		if (!strcmp(kind, "JobFlow"))
			err = push(&d->flows, &d->nflows, file, y);
		else if (!strcmp(kind, "JobTemplate"))
			err = push(&d->templates, &d->ntemplates, file, y);
		else
			d->others++;
		if (err)
			return ctl_fail(c, "cannot read", file,
					"out of memory");
	}
	return CTL_OK;
}

void ctl_docs_release(struct ctl_docs *d)
{
	for (int i = 0; i < d->nstreams; i++)
		jf_yaml_stream_release(&d->streams[i]);
	free(d->streams);
	free(d->flows);
	free(d->templates);
	memset(d, 0, sizeof(*d));
}

void ctl_doc_where(const struct ctl_doc *d, const char *path, char *buf,
		   size_t cap)
{
	int line = d->y->line, col;

	if (path && jf_yaml_pos_lookup(d->y, path, &line, &col))
		line = d->y->line;
	snprintf(buf, cap, "%s:%d", strcmp(d->file, "-") ? d->file : "<stdin>",
		 line);
}

cJSON *ctl_docs_templates_for(struct ctl *c, const struct ctl_docs *d,
			      const struct ctl_doc *flow)
{
	const char *fns = jf_json_str(flow->y->json, "metadata.namespace", "");
	cJSON *map = cJSON_CreateObject();
	int *from = calloc((size_t)d->ntemplates + 1, sizeof(int));

	if (!map || !from) {
		cJSON_Delete(map);
		free(from);
		return NULL;
	}
	for (int i = 0; i < d->ntemplates; i++) {
		const cJSON *t = d->templates[i].y->json;
		const char *name = jf_json_str(t, "metadata.name", "");
		const char *tns = jf_json_str(t, "metadata.namespace", "");
		const cJSON *old;
		int prev = -1;

		if (!*name || (*fns && *tns && strcmp(fns, tns)))
			continue;
		old = cJSON_GetObjectItemCaseSensitive(map, name);
		if (old) {
			char a[300], b[300];

			for (int k = 0; k < i; k++) {
				if (from[k] &&
				    !strcmp(jf_json_str(d->templates[k].y->json,
							"metadata.name", ""),
					    name))
					prev = k;
			}
			if (prev >= 0) {
				ctl_doc_where(&d->templates[prev], NULL, a,
					      sizeof(a));
				ctl_doc_where(&d->templates[i], NULL, b,
					      sizeof(b));
				fprintf(c->err,
					"%s: warning: template '%s' is defined "
					"twice (%s, %s); using the last\n",
					c->prog, name, a, b);
			}
		}
		if (jf_json_set(map, name, jf_json_dup(t))) {
			cJSON_Delete(map);
			free(from);
			return NULL;
		}
		from[i] = 1;
	}
	free(from);
	return map;
}
