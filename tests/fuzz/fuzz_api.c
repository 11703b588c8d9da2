/*
 * fuzz_api.c: libFuzzer target for the JSON API's input handling, in
 * two parts on every input.
 *
 * 1. The parsers of src/app/apiparse.c: the Authorization header, the
 *    query of a try-on (frame, pd_mm), the Content-Type of a body, the
 *    Accept header, FF_API_RATE and key names. The whole input is given
 *    to every parser as a C string (up to its first NUL) and the query
 *    parser as bytes; what each accepts is checked against its contract.
 *    The first 24 bytes also make a key, which must have the key's shape
 *    and come back out of a Bearer header unchanged.
 *
 * 2. A request with a body, sent to the real API: the first byte picks
 *    the endpoint and the Content-Type (multipart/form-data with the
 *    boundary "fz", image/jpeg, png, webp, gif, a JSON or no type), the
 *    rest is the body. It goes through the worker's router
 *    (router_handle(), src/app/router.c), which without a database
 *    answers the key check (401 or 503); and then through the API
 *    handlers' own body steps (src/app/api.c, included here to reach its
 *    static functions, as lighttpd's tests include theirs): photo_bytes()
 *    reads the multipart field "photo" or the raw image body, and
 *    photo_take() sniffs, probes, applies the decode budget and decodes
 *    with the API's limits (photo.c). What the handlers do after that
 *    needs the model and the database (detect, store), which a fuzzer
 *    has not. Every refusal must be answered as JSON; every success must
 *    give an image.
 *
 *	make fuzz FUZZ_TARGETS=api   (tests/fuzz/Makemodule.am)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mem_req.h"
#include "fuzz_app.h"
#include "app/apiparse.h"
#include "app/router.h"
#include "core/clock.h"
#include "http/query.h"
#include "render/frames.h"

/* The handlers' static body steps (see the top). */
#include "app/api.c"

static int
b64token_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || strchr("-._~+/=", c) != NULL;
}

static void
parsers(const uint8_t *data, size_t size)
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
}

/* ---- 2. A request with a body ---- */


static const char *const ctypes[] = {
	"multipart/form-data; boundary=fz", "image/jpeg", "image/png",
	"image/webp", "image/gif", "application/json", NULL,
	"multipart/form-data; boundary=\"fz\"",
};

/* One request of this body; 1: through the router, 0: to the body steps. */
static void
request(const uint8_t *data, size_t size, int routed)
{
	struct mem	 m;
	struct req_io	 io = { m_param, m_read, m_write, &m };
	struct http_req	 r;
	struct photo	 ph = { 0 };
	struct buf	 raw;
	const void	*p;
	size_t		 len, k = 0;
	char		 clen[32];
	unsigned	 sel = size > 0 ? data[0] : 0;

	memset(&m, 0, sizeof(m));
	buf_init(&m.out);
	buf_init(&raw);
	m.body = (const char *)(size > 0 ? data + 1 : data);
	m.body_len = size > 0 ? size - 1 : 0;
	m.step = (size_t)(sel >> 3) % 31 + 1;
	snprintf(clen, sizeof(clen), "%zu", m.body_len);
	m.env[k++] = "REQUEST_METHOD";
	m.env[k++] = "POST";
	m.env[k++] = "REQUEST_URI";
	m.env[k++] = sel & 0x80 ? "/api/v1/tryon?frame=FF-1&pd_mm=63" :
	    "/api/v1/detect";
	m.env[k++] = "CONTENT_LENGTH";
	m.env[k++] = clen;
	m.env[k++] = "HTTP_AUTHORIZATION";
	m.env[k++] = sel & 0x40 ? "Bearer ffk_not_a_key" : "Bearer "
	    "ffk_0123456789abcdefghijklmnopqrstuv";
	if (ctypes[sel % 8] != NULL) {
		m.env[k++] = "CONTENT_TYPE";
		m.env[k++] = ctypes[sel % 8];
	}
	m.env[k] = NULL;

	req_init(&r, &io);
	if (routed)
		router_handle(fuzz_app(), &r);
	else if (photo_bytes(&r, &raw, &p, &len) &&
	    photo_take(&r, p, len, &ph)) {
		/* Taken: an image, and nothing answered yet (the handler
		 * goes on to detect). */
		if (ph.im == NULL || r.head_sent)
			abort();
		photo_free(&ph);
		goto out;
	}
	/* Refused or routed: answered, in JSON as under all of /api/
	 * (docs/API.md). */
	if (!r.head_sent || strstr(m.out.ptr, "\r\nContent-Type: "
	    "application/json") == NULL)
		abort();
out:
	req_finish(&r);
	req_free(&r);
	buf_free(&raw);
	buf_free(&m.out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parsers(data, size);
	request(data, size, 1);
	request(data, size, 0);
	return 0;
}
