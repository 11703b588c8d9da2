/* check_err.c: the error table and the JSON writer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"

static const struct { enum ff_err er; int status; const char *code; } err_rows[] = {
	{ FF_OK, 200, "ok" }, { FF_EINPUT, 400, "bad_request" },
	{ FF_EAUTH, 401, "unauthorized" }, { FF_EFORBIDDEN, 403, "forbidden" },
	{ FF_ENOTFOUND, 404, "not_found" }, { FF_ETOOBIG, 413, "too_large" },
	{ FF_EMEDIATYPE, 415, "unsupported_media_type" }, { FF_EIMAGE, 422, "image_corrupt" },
	{ FF_EPIXELS, 422, "image_too_large" }, { FF_ENOFACE, 422, "no_face" },
	{ FF_ERATE, 429, "rate_limited" }, { FF_EDB, 503, "unavailable" },
	{ FF_EMODEL, 503, "unavailable" }, { FF_ESYS, 500, "internal" },
	{ FF_ECOST, 422, "image_too_costly" },
	{ FF_ERR__MAX, 500, "internal" },
};

START_TEST(test_err_table)
{
	ck_assert_int_eq(ff_http_status(err_rows[_i].er), err_rows[_i].status);
	ck_assert_str_eq(ff_errcode(err_rows[_i].er), err_rows[_i].code);
	ck_assert_ptr_nonnull(ff_strerror(err_rows[_i].er));
}
END_TEST

START_TEST(test_every_error_has_text)
{
	for (int e = 0; e < FF_ERR__MAX; e++) {
		ck_assert_ptr_nonnull(ff_strerror(e));
		ck_assert_int_gt(strlen(ff_strerror(e)), 3);
		ck_assert_int_ge(ff_http_status(e), 200);
	}
}
END_TEST

static const struct { const char *in; size_t len; const char *out; } str_rows[] = {
	{ "plain", 5, "\"plain\"" },
	{ "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
	{ "\n\r\t", 3, "\"\\n\\r\\t\"" },
	{ "\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"" },
	{ "caf\xc3\xa9", 5, "\"caf\xc3\xa9\"" },
	{ "\xff", 1, "\"\\ufffd\"" },
	{ "\xc0\xaf", 2, "\"\\ufffd\\ufffd\"" },		/* overlong '/' */
	{ "\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
	{ "a\0b", 3, "\"a\\u0000b\"" },
	{ "</script>", 9, "\"</script>\"" },
};

START_TEST(test_json_str)
{
	struct buf b;

	buf_init(&b);
	json_strn(&b, str_rows[_i].in, str_rows[_i].len);
	ck_assert_str_eq(b.ptr, str_rows[_i].out);
	buf_free(&b);
}
END_TEST

static const struct { double v; int prec; const char *out; } num_rows[] = {
	{ 1.5, 1, "1.5" }, { 2.0, 3, "2" }, { -0.04, 1, "0" }, { 0.1234, 3, "0.123" },
	{ 1e6, 0, "1000000" }, { NAN, 2, "null" }, { INFINITY, 2, "null" }, { -3.25, 2, "-3.25" },
	/* Too long for fixed notation in 64 bytes: an exponent, not an
	 * overflow (ASan saw a write past the buffer before). */
	{ 1e62, 2, "1e+62" }, { -1.5e300, 9, "-1.5e+300" }, { 1e54, 9, "1e+54" },
	{ 1e53, 0, "99999999999999999322094867436162797646170844194406400" },
};

START_TEST(test_json_num)
{
	struct buf b;

	buf_init(&b);
	json_num(&b, num_rows[_i].v, num_rows[_i].prec);
	ck_assert_str_eq(b.ptr, num_rows[_i].out);
	buf_free(&b);
}
END_TEST

START_TEST(test_buf)
{
	struct buf b;
	size_t len;
	char *p;

	buf_init(&b);
	p = buf_steal(&b, &len);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(p, "");
	free(p);
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	ck_assert_uint_eq(b.len, strlen(b.ptr));
	ck_assert_int_eq(strncmp(b.ptr, "0,1,2,", 6), 0);
	buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("err");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_loop_test(tc, test_err_table, 0, sizeof err_rows / sizeof err_rows[0]);
	tcase_add_test(tc, test_every_error_has_text);
	tcase_add_loop_test(tc, test_json_str, 0, sizeof str_rows / sizeof str_rows[0]);
	tcase_add_loop_test(tc, test_json_num, 0, sizeof num_rows / sizeof num_rows[0]);
	tcase_add_test(tc, test_buf);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
