/*
 * fuzz_multipart.c: libFuzzer target for src/http/multipart.c.
 *
 * Input: the first line is the boundary, the rest is the body. The body
 * is parsed twice, in one piece and in pseudo-random chunks whose sizes
 * are derived from the input (so a crash reproduces), and both parses
 * must agree: same error, same message, same parts. The first line is
 * also tried as a whole Content-Type header.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -I src \
 *	    tests/fuzz/fuzz_multipart.c src/http/multipart.c \
 *	    src/core/buf.c src/core/xalloc.c -o fuzz_multipart
 *	./fuzz_multipart -max_total_time=60 tests/fuzz/corpus/multipart
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "http/multipart.h"

/* Small limits so the fuzzer reaches every limit path. */
static const struct mp_limits lim = {
	.max_body = 2048,
	.max_parts = 8,
	.max_line = 128,
	.max_header = 512,
	.max_name = 16,
};

static void
same_str(const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
		abort();
}

/* Parse body in chunks: chunk 0 means one piece, else seeded sizes. */
static struct mp_parser *
parse(const char *ct, const uint8_t *body, size_t len, uint32_t seed,
    enum ff_err *er)
{
	struct mp_parser *mp;
	size_t off = 0, n;

	if ((mp = mp_new(ct, &lim, er, NULL)) == NULL)
		return NULL;
	while (off < len) {
		if (seed == 0)
			n = len;
		else {
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			/* Mostly tiny chunks, sometimes large ones. */
			n = seed % 8 == 0 ? 1 + seed % 512 : seed % 5;
		}
		if (n > len - off)
			n = len - off;
		if ((*er = mp_feed(mp, body + off, n)) != FF_OK)
			return mp;
		off += n;
	}
	*er = mp_finish(mp);
	return mp;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl;
	struct mp_parser *a, *b;
	const struct mp_part *pa, *pb;
	struct buf ct, raw;
	enum ff_err era, erb;
	uint32_t seed = 2166136261u;
	size_t i, blen, llen;

	if ((nl = memchr(data, '\n', size)) == NULL)
		return 0;
	llen = (size_t)(nl - data);
	if (llen > 0 && data[llen - 1] == '\r')
		llen--;
	if (memchr(data, '\0', llen) != NULL)
		return 0;
	for (i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 16777619u;
	if (seed == 0)
		seed = 1;

	buf_init(&raw);
	buf_append(&raw, data, llen);
	buf_append(&raw, "", 0);	/* "" rather than NULL when llen is 0 */
	a = mp_new(raw.ptr, NULL, &era, NULL);	/* the line as a header */
	mp_free(a);

	buf_init(&ct);
	buf_printf(&ct, "multipart/form-data; boundary=\"%s\"", raw.ptr);
	blen = size - (size_t)(nl + 1 - data);
	a = parse(ct.ptr, nl + 1, blen, 0, &era);
	b = parse(ct.ptr, nl + 1, blen, seed, &erb);
	if ((a == NULL) != (b == NULL))
		abort();
	if (a == NULL || blen > lim.max_body)
		goto out;	/* over the limit, chunking decides which error */
	if (era != erb || strcmp(mp_errmsg(a), mp_errmsg(b)) != 0)
		abort();
	if (era != FF_OK)
		goto out;
	if (mp_count(a) != mp_count(b) || mp_count(a) > lim.max_parts)
		abort();
	for (i = 0; i < mp_count(a); i++) {
		pa = mp_part_at(a, i);
		pb = mp_part_at(b, i);
		same_str(pa->name, pb->name);
		same_str(pa->filename, pb->filename);
		same_str(pa->content_type, pb->content_type);
		if (pa->name[0] == '\0' || strlen(pa->name) > lim.max_name ||
		    pa->len != pb->len || pa->data[pa->len] != '\0' ||
		    memcmp(pa->data, pb->data, pa->len) != 0)
			abort();
		if (mp_get(a, pa->name) == NULL)
			abort();
	}
out:
	mp_free(a);
	mp_free(b);
	buf_free(&ct);
	buf_free(&raw);
	return 0;
}
