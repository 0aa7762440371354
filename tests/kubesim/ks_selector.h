/* ks_selector.h - Kubernetes label and field selectors for kubesim. */
#ifndef KS_SELECTOR_H
#define KS_SELECTOR_H

#include <stdbool.h>

#include <cjson/cJSON.h>

struct ks_selector; /* parsed label selector (opaque) */

/* Parses a label selector: comma-separated requirements "k=v", "k==v",
 * "k!=v", "k in (a,b)", "k notin (a,b)", "k", "!k", with Kubernetes'
 * validation of keys (optional DNS-subdomain prefix + '/' + name ≤ 63)
 * and values (≤ 63, [A-Za-z0-9._-], alphanumeric ends). An empty string
 * selects everything. Returns 0 and a new selector in *out (free with
 * ks_selector_free()), or -1 with a message in msg (cap bytes), e.g.
 * "unable to parse requirement: found 'x', expected: ',' or 'end of
 * string'" as kube-apiserver words it where practical. */
int ks_selector_parse(const char *s, struct ks_selector **out, char *msg,
		      size_t cap);
void ks_selector_free(struct ks_selector *sel);

/* True when labels (a JSON object of strings, or NULL) satisfy sel. */
bool ks_selector_match(const struct ks_selector *sel, const cJSON *labels);

struct ks_field_selector; /* parsed field selector (opaque) */

/* Parses a field selector "metadata.name=x,metadata.namespace!=y"
 * ("=", "==", "!="). Only the fields in allowed (NULL-terminated; NULL
 * means metadata.name and metadata.namespace) are accepted; others give
 * -1 and a message like kube-apiserver's "field label not supported:
 * spec.x". */
int ks_field_selector_parse(const char *s, const char *const *allowed,
			    struct ks_field_selector **out, char *msg,
			    size_t cap);
void ks_field_selector_free(struct ks_field_selector *sel);
bool ks_field_selector_match(const struct ks_field_selector *sel,
			     const cJSON *obj);

#endif /* KS_SELECTOR_H */
