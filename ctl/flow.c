/* flow.c - reading JobFlow objects as data: phases and their symbols,
 * topological step order, step statuses and progress. */
#include "ctl/ctl.h"

#include <stdlib.h>
#include <string.h>

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

int ctl_topo_order(const cJSON *flows, int *order, int n)
{
	int *indeg = calloc((size_t)n + 1, sizeof(int));
	bool *done = calloc((size_t)n + 1, sizeof(bool));
	const cJSON *s, *t;
	int k = 0;

	if (!indeg || !done) {
		free(indeg);
		free(done);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		s = cJSON_GetArrayItem(flows, i);
		cJSON_ArrayForEach (t, jf_json_at(s, "dependsOn.targets")) {
			if (cJSON_IsString(t) &&
			    ctl_step_index(flows, t->valuestring) >= 0)
				indeg[i]++;
		}
	}
	/* Kahn, always taking the first ready step in spec order: O(n^2)
	 * in the worst case, fine for what a person reads */
	while (k < n) {
		int pick = -1;

		for (int i = 0; i < n && pick < 0; i++) {
			if (!done[i] && indeg[i] == 0)
				pick = i;
		}
		if (pick < 0) /* a cycle: the rest in spec order */
			break;
		done[pick] = true;
		order[k++] = pick;
		for (int i = 0; i < n; i++) {
			s = cJSON_GetArrayItem(flows, i);
			cJSON_ArrayForEach (
				t, jf_json_at(s, "dependsOn.targets")) {
				if (cJSON_IsString(t) &&
				    ctl_step_index(flows, t->valuestring) ==
					    pick)
					indeg[i]--;
			}
		}
	}
	for (int i = 0; i < n && k < n; i++) {
		if (!done[i])
			order[k++] = i;
	}
	free(indeg);
	free(done);
	return n;
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
