/* fuzz_watch.c - libFuzzer target for the watch stream decoder: the input
 * is fed whole and in arbitrary chunks (cut points drawn from its first two
 * bytes); both runs must deliver the same events and end the same way. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_k8s.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct trace {
	uint64_t hash;
	unsigned n;
};

static int on_event(struct jf_k8s_event *ev, void *arg)
{
	struct trace *t = arg;
	char *s = jf_json_print_stable(ev->object);

	t->hash = t->hash * 1099511628211ULL + (uint64_t)ev->type;
	if (s) {
		for (const char *p = s; *p; p++)
			t->hash = (t->hash ^ (unsigned char)*p) *
				  1099511628211ULL;
		free(s);
	}
	if (ev->rv)
		t->hash ^= strlen(ev->rv);
	if (ev->type == JF_K8S_ERROR)
		t->hash += (uint64_t)ev->code + strlen(ev->reason) +
			   strlen(ev->message);
	t->n++;
	/* Take some objects, leave others to the decoder. */
	if (t->n % 3 == 0) {
		cJSON_Delete(ev->object);
		ev->object = NULL;
	}
	return 0;
}

static int run(const char *buf, size_t len, unsigned seed, struct trace *t)
{
	struct jf_k8s_watch_dec d;
	struct jf_errmsg e;
	size_t at = 0;
	int err = 0;

	jf_k8s_watch_dec_init(&d, 4096, on_event, t);
	while (at < len && !err) {
		size_t n = len - at;

		if (seed) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 16) % 64;
			if (n > len - at)
				n = len - at;
		}
		err = jf_k8s_watch_dec_feed(&d, buf + at, n, &e);
		at += n;
	}
	if (!err)
		err = jf_k8s_watch_dec_finish(&d, &e);
	jf_k8s_watch_dec_release(&d);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace whole = {0}, cut = {0};
	unsigned seed;
	int e1, e2;

	if (size < 2)
		return 0;
	seed = 1u + data[0] + 256u * data[1];
	e1 = run((const char *)data + 2, size - 2, 0, &whole);
	e2 = run((const char *)data + 2, size - 2, seed, &cut);
	if (e1 != e2 || whole.n != cut.n || whole.hash != cut.hash)
		abort();
	return 0;
}
