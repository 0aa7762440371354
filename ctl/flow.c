/* flow.c - reading JobFlow objects as data: phases and their symbols,
 * topological step order, step statuses and progress. */
#include "ctl/ctl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jf_hmap.h"
#include "jf_json.h"

static const struct {
	const char *name;
	enum ctl_phase phase;
} phase_names[] = {
	/* step phases (SPEC §3.4) */
	{"Waiting", CTL_PH_WAITING},
	{"Pending", CTL_PH_PENDING},
	{"Running", CTL_PH_RUNNING},
	{"Backoff", CTL_PH_BACKOFF},
	{"Succeeded", CTL_PH_SUCCEEDED},
	{"Failed", CTL_PH_FAILED},
	{"Skipped", CTL_PH_SKIPPED},
	{"Omitted", CTL_PH_OMITTED},
	/* flow phases */
	{"Succeed", CTL_PH_SUCCEEDED},
	{"Terminating", CTL_PH_RUNNING},
	/* Volcano Job phases */
	{"Completed", CTL_PH_SUCCEEDED},
	{"Completing", CTL_PH_RUNNING},
	{"Restarting", CTL_PH_RUNNING},
	{"Aborting", CTL_PH_RUNNING},
	{"Aborted", CTL_PH_FAILED},
	{"Terminated", CTL_PH_FAILED},
};

enum ctl_phase ctl_phase_of(const char *s)
{
	for (size_t i = 0;
	     s && i < sizeof(phase_names) / sizeof(phase_names[0]); i++) {
		if (!strcmp(s, phase_names[i].name))
			return phase_names[i].phase;
	}
	return CTL_PH_UNKNOWN;
}

const char *ctl_phase_symbol(enum ctl_phase p, bool unicode)
{
	static const char *const uni[] = {"◌", "◷", "●", "↻", "✔",
					  "✖", "○", "⊘", "?"};
	static const char *const ascii[] = {"-", ".", "*", "~", "+",
					    "x", "o", "/", "?"};

	if ((unsigned)p > CTL_PH_UNKNOWN)
		p = CTL_PH_UNKNOWN;
	return unicode ? uni[p] : ascii[p];
}

const char *ctl_phase_color(enum ctl_phase p)
{
	switch (p) {
	case CTL_PH_SUCCEEDED:
		return "32";
	case CTL_PH_FAILED:
		return "31";
	case CTL_PH_RUNNING:
		return "34";
	case CTL_PH_PENDING:
	case CTL_PH_BACKOFF:
		return "33";
	case CTL_PH_SKIPPED:
	case CTL_PH_OMITTED:
	case CTL_PH_WAITING:
		return "90";
	default:
		return "";
	}
}

int ctl_step_index(const cJSON *flows, const char *name)
{
	const cJSON *s;
	int i = 0;

	cJSON_ArrayForEach (s, flows) {
		if (!strcmp(jf_json_str(s, "name", ""), name))
			return i;
		i++;
	}
	return -1;
}

static void heap_push(int *h, int *n, int v)
{
	int i = (*n)++;

	while (i > 0 && h[(i - 1) / 2] > v) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = v;
}

static int heap_pop(int *h, int *n)
{
	int top = h[0], v = h[--*n], i = 0;

	for (;;) {
		int c = 2 * i + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1] < h[c])
			c++;
		if (h[c] >= v)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = v;
	return top;
}

/* Kahn's algorithm taking the ready step earliest in spec order (a
 * min-heap of indexes); O((n + e) log n). */
int ctl_topo_order(const cJSON *flows, int *order, int n)
{
	size_t cap = (size_t)n + 1;
	int *indeg = calloc(cap, sizeof(int)), *heap = calloc(cap, sizeof(int));
	int *start = calloc(cap + 1, sizeof(int)),
	    *fill = calloc(cap, sizeof(int));
	int *adj = NULL, nheap = 0, k = 0, e = 0, rc = -1, i = 0;
	bool *done = calloc(cap, sizeof(bool));
	struct jf_hmap names;
	const cJSON *s, *t;

	jf_hmap_init(&names);
	if (!indeg || !heap || !start || !fill || !done)
		goto out;
	cJSON_ArrayForEach (s, flows) {
		const char *nm = jf_json_str(s, "name", "");

		if (i >= n)
			break;
		if (!jf_hmap_get(&names, nm) &&
		    jf_hmap_put(&names, nm, (void *)(intptr_t)(i + 1), NULL))
			goto out;
		i++;
	}
	/* edges target -> step, as lists per target (CSR) */
	for (int pass = 0; pass < 2; pass++) {
		i = 0;
		cJSON_ArrayForEach (s, flows) {
			if (i >= n)
				break;
			cJSON_ArrayForEach (
				t, jf_json_at(s, "dependsOn.targets")) {
				intptr_t d = cJSON_IsString(t)
						     ? (intptr_t)jf_hmap_get(
							       &names,
							       t->valuestring)
						     : 0;

				if (!d)
					continue;
				if (pass == 0) {
					start[d]++; /* counts, shifted by one */
					indeg[i]++;
					e++;
				} else {
					adj[start[d - 1] + fill[d - 1]++] = i;
				}
			}
			i++;
		}
		if (pass == 0) {
			for (int j = 1; j <= n; j++)
				start[j] += start[j - 1];
			adj = calloc((size_t)e + 1, sizeof(int));
			if (!adj)
				goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (!indeg[i])
			heap_push(heap, &nheap, i);
	}
	while (nheap) {
		int pick = heap_pop(heap, &nheap);

		done[pick] = true;
		order[k++] = pick;
		for (int j = start[pick]; j < start[pick + 1]; j++) {
			if (--indeg[adj[j]] == 0)
				heap_push(heap, &nheap, adj[j]);
		}
	}
	for (i = 0; i < n && k < n; i++) { /* a cycle: the rest in spec order */
		if (!done[i])
			order[k++] = i;
	}
	rc = n;
out:
	jf_hmap_release(&names);
	free(indeg);
	free(heap);
	free(start);
	free(fill);
	free(adj);
	free(done);
	return rc;
}

const cJSON *ctl_step_status(const cJSON *flow, const char *name)
{
	const cJSON *s;

	cJSON_ArrayForEach (s, jf_json_at(flow, "status.stepStatuses")) {
		if (!strcmp(jf_json_str(s, "name", ""), name))
			return s;
	}
	return NULL;
}

bool ctl_flow_terminal(const char *phase)
{
	return phase && (!strcmp(phase, "Succeed") || !strcmp(phase, "Failed"));
}

void ctl_flow_progress(const cJSON *flow, int *done, int *total)
{
	const cJSON *s;

	*done = 0;
	*total = 0;
	cJSON_ArrayForEach (s, jf_json_at(flow, "spec.flows")) {
		const cJSON *st =
			ctl_step_status(flow, jf_json_str(s, "name", ""));
		enum ctl_phase p = ctl_phase_of(jf_json_str(st, "phase", ""));

		(*total)++;
		if (p == CTL_PH_SUCCEEDED || p == CTL_PH_SKIPPED)
			(*done)++;
	}
}
