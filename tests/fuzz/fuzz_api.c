/*
 * fuzz_api.c: libFuzzer target for the JSON API's input handling
 * (src/app/apiparse.c): the Authorization header, the query of a
 * try-on (frame, pd_mm), the Content-Type of a body, the Accept header,
 * FF_API_RATE and key names.
 *
 * The whole input is given to every parser as a C string (up to its
 * first NUL) and the query parser as bytes; what each accepts is checked
 * against its contract. The first 24 bytes also make a key, which must
 * have the key's shape and come back out of a Bearer header unchanged.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -I src \
 *	    tests/fuzz/fuzz_api.c src/app/apiparse.c src/http/query.c \
 *	    src/core/buf.c src/core/xalloc.c src/core/err.c -lm -o fuzz_api
 *	./fuzz_api -max_total_time=60 tests/fuzz/corpus/api
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/apiparse.h"
#include "http/query.h"
#include "render/frames.h"

static int
b64token_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || strchr("-._~+/=", c) != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			*s = malloc(size + 1);
	char			 tok[API_TOKEN_MAX + 1], sku[33], key[API_KEY_LEN + 1];
	char			 hdr[API_KEY_LEN + 16];
	struct kv_list		 q;
	const char		*why;
	double			 pd;
	long			 rate;
	size_t			 i, n;
	unsigned char		 raw[24];

	memcpy(s, data, size);
	s[size] = '\0';

	if (api_bearer(s, tok, &why) == FF_OK) {
		n = strlen(tok);
		if (n == 0 || n > API_TOKEN_MAX)
			abort();
		for (i = 0; i < n; i++)
			if (!b64token_char((unsigned char)tok[i]))
				abort();
		if (strstr(s, tok) == NULL)
			abort();
	} else if (tok[0] != '\0' || why == NULL)
		abort();
	if (api_key_shape(s) && strlen(s) != API_KEY_LEN)
		abort();
	if ((unsigned)api_body_kind(s) > API_BODY_OTHER)
		abort();
	(void)api_wants_png(s);
	rate = api_rate_parse(s);
	if (rate < -1 || rate > 1000000)
		abort();
	if (api_name_valid(s) && (strlen(s) == 0 || strlen(s) > API_NAME_MAX))
		abort();

	kv_init(&q);
	if (kv_parse_query(&q, (const char *)data, size, NULL) == FF_OK) {
		if (api_tryon_args(&q, sku, &pd, &why) == FF_OK) {
			n = strlen(sku);
			if (n == 0 || n > 32 || strspn(sku, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
				abort();
			if (pd != 0 && (pd < FRAME_PD_MIN_MM || pd > FRAME_PD_MAX_MM))
				abort();
		} else if (sku[0] != '\0' || pd != 0 || why == NULL)
			abort();
	}
	kv_free(&q);

	/* A key made from any 24 bytes is a key, and survives a header. */
	memset(raw, 0, sizeof(raw));
	memcpy(raw, data, size < sizeof(raw) ? size : sizeof(raw));
	api_key_format(raw, key);
	if (!api_key_shape(key))
		abort();
	snprintf(hdr, sizeof(hdr), "Bearer %s", key);
	if (api_bearer(hdr, tok, NULL) != FF_OK || strcmp(tok, key) != 0)
		abort();
	free(s);
	return 0;
}
