/*
 * fuzz_query.c: libFuzzer target for src/http/query.c.
 *
 * The whole input is parsed as a query string and as a Cookie header.
 * Every decoded pair is then url_encode()d and parsed back, which must
 * give the same key and value.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -I src \
 *	    tests/fuzz/fuzz_query.c src/http/query.c src/core/buf.c \
 *	    src/core/xalloc.c -o fuzz_query
 *	./fuzz_query -max_total_time=60 tests/fuzz/corpus/query
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "http/query.h"

static const struct kv_limits lim = {
	.max_pairs = 16,
	.max_key = 32,
	.max_val = 256,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kv_list q, c, back;
	struct buf enc, str;
	size_t i;

	kv_init(&q);
	kv_init(&c);
	buf_init(&enc);
	buf_init(&str);

	if (kv_parse_query(&q, (const char *)data, size, &lim) == FF_OK) {
		if (q.n > lim.max_pairs)
			abort();
		for (i = 0; i < q.n; i++) {
			if (strlen(q.v[i].key) > lim.max_key ||
			    strlen(q.v[i].val) > lim.max_val)
				abort();
			buf_reset(&enc);
			url_encode(&enc, q.v[i].key);
			buf_putc(&enc, '=');
			url_encode(&enc, q.v[i].val);
			kv_init(&back);
			if (kv_parse_query(&back, enc.ptr, enc.len, &lim) != FF_OK ||
			    back.n != 1 ||
			    strcmp(back.v[0].key, q.v[i].key) != 0 ||
			    strcmp(back.v[0].val, q.v[i].val) != 0)
				abort();
			kv_free(&back);
		}
	} else if (q.n != 0 || kv_errmsg(&q)[0] == '\0')
		abort();

	/* The Cookie header arrives as a C string. */
	buf_append(&str, data, size);
	if (kv_parse_cookie(&c, str.ptr, &lim) == FF_OK) {
		for (i = 0; i < c.n; i++)
			if (c.v[i].key[0] == '\0' ||
			    strchr(c.v[i].key, ';') != NULL ||
			    strchr(c.v[i].val, ';') != NULL)
				abort();
	} else if (c.n != 0)
		abort();

	kv_free(&q);
	kv_free(&c);
	buf_free(&enc);
	buf_free(&str);
	return 0;
}
