/*
 * check_multipart.c: table-driven tests of the RFC 7578 parser.
 *
 * Every valid body is parsed (a) in one piece, (b) split into two chunks
 * at every position and (c) one byte at a time; all must give the same
 * parts. Every malformed body must give the same error and message for
 * all those splits too.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/multipart.h"

/* A literal with its exact length, embedded NULs included. */
#define L(s)	(s), sizeof(s) - 1

#define CT	"multipart/form-data; boundary=BOUNDARY"
#define DASH	"--BOUNDARY\r\n"
#define CLOSE	"\r\n--BOUNDARY--\r\n"
#define CD(n)	"Content-Disposition: form-data; name=\"" n "\"\r\n"

struct want {
	const char	*name;
	const char	*filename;	/* NULL: must be absent */
	const char	*ctype;		/* NULL: must be absent */
	const char	*data;
	size_t		 len;
};

struct valid {
	const char	*what;
	const char	*ct;
	const char	*body;
	size_t		 len;
	struct mp_limits lim;		/* zeros: defaults */
	size_t		 nparts;
	struct want	 parts[4];
};

static const struct valid valid[] = {
	{ "two text fields", CT, L(
	    DASH CD("sku") "\r\nRB3025" "\r\n"
	    DASH CD("note") "\r\nhello world" CLOSE), {0},
	    2, { { "sku", NULL, NULL, L("RB3025") },
		 { "note", NULL, NULL, L("hello world") } } },
	{ "binary file with near-boundaries inside", CT, L(
	    DASH "Content-Disposition: form-data; name=\"photo\"; "
	    "filename=\"a.bin\"\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "\r\n"
	    "\x00\xff\r\n--\r\n--BOUNDAR\r\n--BOUNDARYx\r\n--BOUNDARY-y"
	    "\r\r\n-\r\n\r\n--BOUNDARZ\r--BOUNDARY\r" CLOSE), {0},
	    1, { { "photo", "a.bin", "application/octet-stream", L(
		 "\x00\xff\r\n--\r\n--BOUNDAR\r\n--BOUNDARYx\r\n--BOUNDARY-y"
		 "\r\r\n-\r\n\r\n--BOUNDARZ\r--BOUNDARY\r") } } },
	{ "preamble and epilogue ignored", CT, L(
	    "This is a preamble.\r\n--BOUNDAR\r\n"
	    "\r\n" DASH CD("a") "\r\n1" CLOSE
	    "epilogue\r\n--BOUNDARY\r\n" CD("b") "\r\n2" CLOSE), {0},
	    1, { { "a", NULL, NULL, L("1") } } },
	{ "quoted boundary with specials and a space",
	    "multipart/form-data; boundary=\"a b'()+_,-./:=?z\"", L(
	    "--a b'()+_,-./:=?z\r\n" CD("x") "\r\nv"
	    "\r\n--a b'()+_,-./:=?z--"), {0},
	    1, { { "x", NULL, NULL, L("v") } } },
	{ "case-insensitive media type, header and parameter names",
	    "Multipart/Form-Data ; charset=utf-8 ;BOUNDARY=BOUNDARY", L(
	    DASH "CONTENT-DISPOSITION: FORM-DATA; NAME=x; FileName=y.png\r\n"
	    "content-TYPE:image/png  \r\n"
	    "\r\nPNG" CLOSE), {0},
	    1, { { "x", "y.png", "image/png", L("PNG") } } },
	{ "escaped quotes in name, filename* ignored, empty filename", CT, L(
	    DASH "Content-Disposition: form-data; name=\"a\\\"b\\\\c\"; "
	    "filename*=UTF-8''%e2%82%ac.jpg; filename=\"\"\r\n"
	    "\r\n" CLOSE), {0},
	    1, { { "a\"b\\c", "", NULL, L("") } } },
	{ "duplicate field names are both kept", CT, L(
	    DASH CD("tag") "\r\none\r\n"
	    DASH CD("tag") "\r\ntwo" CLOSE), {0},
	    2, { { "tag", NULL, NULL, L("one") },
		 { "tag", NULL, NULL, L("two") } } },
	{ "transport padding after boundaries", CT, L(
	    "--BOUNDARY \t \r\n" CD("p") "\r\nq"
	    "\r\n--BOUNDARY\t\r\n" CD("r") "\r\ns"
	    "\r\n--BOUNDARY--  \r\n"), {0},
	    2, { { "p", NULL, NULL, L("q") },
		 { "r", NULL, NULL, L("s") } } },
	{ "a form without fields", CT, L("--BOUNDARY--\r\n"), {0},
	    0, { { NULL, NULL, NULL, NULL, 0 } } },
	{ "folded header, unknown headers ignored", CT, L(
	    DASH "Content-Disposition: form-data;\r\n"
	    " \tname=\"folded\"\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "X-Other: whatever: here\r\n"
	    "\r\nok" CLOSE), {0},
	    1, { { "folded", NULL, NULL, L("ok") } } },
	{ "one-character boundary", "multipart/form-data; boundary=-", L(
	    "---\r\n" CD("d") "\r\n--x-\r\n---x\r\n--y\r\n-" "\r\n-----"),
	    {0}, 1, { { "d", NULL, NULL, L("--x-\r\n---x\r\n--y\r\n-") } } },
	{ "70-character boundary",
	    "multipart/form-data; boundary="
	    "0123456789012345678901234567890123456789012345678901234567890123456789",
	    L("--0123456789012345678901234567890123456789012345678901234567890123456789\r\n"
	    CD("long") "\r\nL\r\n"
	    "--0123456789012345678901234567890123456789012345678901234567890123456789--"),
	    {0}, 1, { { "long", NULL, NULL, L("L") } } },
	{ "data ending in CR and LF before the delimiter", CT, L(
	    DASH CD("crlf") "\r\n\r\n\r" CLOSE), {0},
	    1, { { "crlf", NULL, NULL, L("\r\n\r") } } },
	{ "limits met exactly are fine", CT, L(
	    DASH CD("abcd") "\r\n1\r\n"
	    DASH CD("e") "\r\n2" CLOSE),
	    { .max_parts = 2, .max_name = 4, .max_line = 43,
	      .max_header = 47, .max_body = 135 },
	    2, { { "abcd", NULL, NULL, L("1") },
		 { "e", NULL, NULL, L("2") } } },
	{ "unquoted name, odd spacing, trailing semicolon", CT, L(
	    DASH "Content-Disposition:form-data ;name = plain ;\r\n"
	    "\r\nv" CLOSE), {0},
	    1, { { "plain", NULL, NULL, L("v") } } },
};

struct invalid {
	const char	*what;
	const char	*body;
	size_t		 len;
	struct mp_limits lim;
	enum ff_err	 er;
	const char	*msg;		/* must occur in mp_errmsg() */
};

static const struct invalid invalid[] = {
	{ "empty body", L(""), {0}, FF_EINPUT, "the form is empty" },
	{ "wrong boundary", L("--OTHER\r\n" CD("a") "\r\n1\r\n--OTHER--"),
	    {0}, FF_EINPUT, "does not contain the boundary" },
	{ "boundary prefix only", L("--BOUNDARYX\r\n" CD("a") "\r\n1"),
	    {0}, FF_EINPUT, "does not contain the boundary" },
	{ "missing closing boundary", L(DASH CD("a") "\r\n1\r\n"),
	    {0}, FF_EINPUT, "missing its closing boundary" },
	{ "cut off inside the closing boundary",
	    L(DASH CD("a") "\r\n1\r\n--BOUNDARY-"),
	    {0}, FF_EINPUT, "missing its closing boundary" },
	{ "cut off inside headers", L(DASH CD("a")),
	    {0}, FF_EINPUT, "ends inside the headers of part 1" },
	{ "no Content-Disposition",
	    L(DASH "Content-Type: text/plain\r\n\r\nx" CLOSE),
	    {0}, FF_EINPUT, "part 1 of the form has no Content-Disposition" },
	{ "no name", L(DASH "Content-Disposition: form-data; "
	    "filename=\"a\"\r\n\r\nx" CLOSE),
	    {0}, FF_EINPUT, "part 1 of the form has no field name" },
	{ "empty name", L(DASH CD("") "\r\nx" CLOSE),
	    {0}, FF_EINPUT, "part 1 of the form has an empty name" },
	{ "not form-data", L(DASH "Content-Disposition: attachment; "
	    "name=\"a\"\r\n\r\nx" CLOSE),
	    {0}, FF_EINPUT, "part 1 of the form is not form-data" },
	{ "two boundaries in a row", L(DASH CD("a") "\r\n1\r\n" DASH DASH
	    CD("b") "\r\n2" CLOSE),
	    {0}, FF_EINPUT, "part 2 of the form is empty: a boundary line" },
	{ "NUL byte in a header", L(DASH "Content-Disposition: form-data; "
	    "name=\"a\x00\"\r\n\r\nx" CLOSE),
	    {0}, FF_EINPUT, "part 1 of the form has a NUL byte in its headers" },
	{ "header without colon", L(DASH CD("a") "Content-Type text/plain"
	    "\r\n\r\nx" CLOSE),
	    {0}, FF_EINPUT, "header line without a colon" },
	{ "space before a header colon", L(DASH
	    "Content-Disposition : form-data; name=a\r\n\r\nx" CLOSE),
	    {0}, FF_EINPUT, "header with a malformed name" },
	{ "bare LF in headers", L(DASH CD("a") "\n\r\nx" CLOSE),
	    {0}, FF_EINPUT, "does not end in CRLF" },
	{ "bare CR in headers", L(DASH "Content-Disp\rosition: x\r\n\r\n"
	    "x" CLOSE),
	    {0}, FF_EINPUT, "does not end in CRLF" },
	{ "first header line starts with a space",
	    L(DASH " " CD("a") "\r\nx" CLOSE),
	    {0}, FF_EINPUT, "header line starting with a space" },
	{ "two Content-Disposition headers",
	    L(DASH CD("a") CD("b") "\r\nx" CLOSE),
	    {0}, FF_EINPUT, "two Content-Disposition headers" },
	{ "two Content-Type headers", L(DASH CD("a")
	    "Content-Type: a/b\r\nContent-Type: c/d\r\n\r\nx" CLOSE),
	    {0}, FF_EINPUT, "two Content-Type headers" },
	{ "two names in one part", L(DASH "Content-Disposition: form-data; "
	    "name=a; name=b\r\n\r\nx" CLOSE),
	    {0}, FF_EINPUT, "part 1 of the form has two names" },
	{ "unterminated quoted name", L(DASH "Content-Disposition: form-data; "
	    "name=\"a\r\n\r\nx" CLOSE),
	    {0}, FF_EINPUT, "malformed Content-Disposition" },
	{ "garbage after a boundary", L(DASH CD("a") "\r\n1"
	    "\r\n--BOUNDARY  junk\r\n" CD("b") "\r\n2" CLOSE),
	    {0}, FF_EINPUT, "extra characters after the boundary" },
	{ "boundary line ending in bare CR", L("--BOUNDARY\rX"),
	    {0}, FF_EINPUT, "a boundary line of the form does not end in CRLF" },
	{ "body over max_body", L(DASH CD("a") "\r\n0123456789" CLOSE),
	    { .max_body = 60 }, FF_ETOOBIG,
	    "larger than the limit of 60 bytes" },
	{ "too many parts", L(DASH CD("a") "\r\n1\r\n" DASH CD("b") "\r\n2"
	    "\r\n" DASH CD("c") "\r\n3" CLOSE),
	    { .max_parts = 2 }, FF_EINPUT, "the form has more than 2 fields" },
	{ "header line too long", L(DASH CD("abcd") "\r\n1" CLOSE),
	    { .max_line = 42 }, FF_EINPUT,
	    "part 1 of the form has a header line longer than 42 bytes" },
	{ "header block too long", L(DASH CD("a") "X-A: 1\r\nX-B: 2\r\n"
	    "\r\n1" CLOSE),
	    { .max_header = 59 }, FF_EINPUT,
	    "the headers of part 1 of the form are longer than 59 bytes" },
	{ "field name too long", L(DASH CD("abcde") "\r\n1" CLOSE),
	    { .max_name = 4 }, FF_EINPUT,
	    "part 1 of the form has a name longer than 4 bytes" },
};

/*
 * Feed body: first the bytes [0, split) as one chunk, then the rest in
 * chunks of step bytes (step 0: the rest as one chunk). Then finish.
 */
static enum ff_err
feed(struct mp_parser *mp, const char *body, size_t len, size_t split,
    size_t step)
{
	enum ff_err er;
	size_t off, n;

	if ((er = mp_feed(mp, body, split)) != FF_OK)
		return er;
	for (off = split; off < len; off += n) {
		n = step == 0 || step > len - off ? len - off : step;
		if ((er = mp_feed(mp, body + off, n)) != FF_OK)
			return er;
	}
	return mp_finish(mp);
}

static void
check_valid(const struct valid *v, size_t split, size_t step)
{
	struct mp_parser *mp;
	const struct mp_part *pt;
	const struct want *w;
	const char *why = NULL;
	enum ff_err er;
	size_t i;

	mp = mp_new(v->ct, &v->lim, &er, &why);
	ck_assert_msg(mp != NULL, "%s: mp_new: %s", v->what, why);
	er = feed(mp, v->body, v->len, split, step);
	ck_assert_msg(er == FF_OK, "%s (split %zu step %zu): %s: %s",
	    v->what, split, step, ff_strerror(er), mp_errmsg(mp));
	ck_assert_str_eq(mp_errmsg(mp), "");
	ck_assert_msg(mp_count(mp) == v->nparts, "%s (split %zu step %zu): "
	    "%zu parts, want %zu", v->what, split, step, mp_count(mp),
	    v->nparts);
	for (i = 0; i < v->nparts; i++) {
		w = &v->parts[i];
		pt = mp_part_at(mp, i);
		ck_assert_ptr_nonnull(pt);
		ck_assert_str_eq(pt->name, w->name);
		if (w->filename == NULL)
			ck_assert_ptr_null(pt->filename);
		else
			ck_assert_pstr_eq(pt->filename, w->filename);
		if (w->ctype == NULL)
			ck_assert_ptr_null(pt->content_type);
		else
			ck_assert_pstr_eq(pt->content_type, w->ctype);
		ck_assert_msg(pt->len == w->len && memcmp(pt->data, w->data,
		    w->len) == 0, "%s (split %zu step %zu): part %zu data "
		    "differs (len %zu, want %zu)", v->what, split, step, i,
		    pt->len, w->len);
		ck_assert_int_eq(pt->data[pt->len], '\0');
		/* mp_get finds the first part of a name. */
		ck_assert_ptr_nonnull(mp_get(mp, w->name));
		ck_assert_str_eq(mp_get(mp, w->name)->name, w->name);
	}
	ck_assert_ptr_null(mp_part_at(mp, v->nparts));
	ck_assert_ptr_null(mp_get(mp, "no-such-field"));
	/* After a clean finish, more epilogue and finish are harmless. */
	ck_assert_int_eq(mp_finish(mp), FF_OK);
	mp_free(mp);
}

START_TEST(test_valid_whole)
{
	check_valid(&valid[_i], valid[_i].len, 0);
}
END_TEST

START_TEST(test_valid_every_split)
{
	size_t split;

	for (split = 0; split <= valid[_i].len; split++)
		check_valid(&valid[_i], split, 0);
}
END_TEST

START_TEST(test_valid_bytewise)
{
	check_valid(&valid[_i], 0, 1);
}
END_TEST

static void
check_invalid(const struct invalid *v, size_t split, size_t step)
{
	struct mp_parser *mp;
	enum ff_err er;

	mp = mp_new(CT, &v->lim, &er, NULL);
	ck_assert_ptr_nonnull(mp);
	er = feed(mp, v->body, v->len, split, step);
	ck_assert_msg(er == v->er, "%s (split %zu step %zu): got %s (%s), "
	    "want %s", v->what, split, step, ff_strerror(er), mp_errmsg(mp),
	    ff_strerror(v->er));
	ck_assert_msg(strstr(mp_errmsg(mp), v->msg) != NULL,
	    "%s (split %zu step %zu): message \"%s\" lacks \"%s\"",
	    v->what, split, step, mp_errmsg(mp), v->msg);
	/* Errors are sticky. */
	ck_assert_int_eq(mp_feed(mp, "x", 1), v->er);
	ck_assert_int_eq(mp_finish(mp), v->er);
	ck_assert_int_eq(mp_count(mp) <= 16, 1);
	mp_free(mp);
}

START_TEST(test_invalid)
{
	size_t split;

	check_invalid(&invalid[_i], invalid[_i].len, 0);
	check_invalid(&invalid[_i], 0, 1);
	for (split = 0; split <= invalid[_i].len; split++)
		check_invalid(&invalid[_i], split, 0);
}
END_TEST

/* Content-Type headers: NULL want means it must be accepted. */
static const struct {
	const char	*ct;
	const char	*why;
} ctypes[] = {
	{ "multipart/form-data; boundary=abc", NULL },
	{ "multipart/form-data;boundary=\"abc\"", NULL },
	{ "MULTIPART/FORM-DATA; Boundary=abc; charset=utf-8", NULL },
	{ " multipart/form-data ; boundary = \"a\\bc\" ", NULL },
	{ NULL, "no Content-Type header" },
	{ "", "not multipart/form-data" },
	{ "text/plain; boundary=abc", "not multipart/form-data" },
	{ "multipart/mixed; boundary=abc", "not multipart/form-data" },
	{ "multipart/form-data-x; boundary=abc", "not multipart/form-data" },
	{ "multipart/form-data", "has no boundary" },
	{ "multipart/form-data; charset=utf-8", "has no boundary" },
	{ "multipart/form-data; boundary=", "is malformed" },
	{ "multipart/form-data; boundary=\"\"", "1 to 70 characters" },
	{ "multipart/form-data; boundary=\"ab \"", "1 to 70 characters" },
	{ "multipart/form-data; boundary="
	  "01234567890123456789012345678901234567890123456789012345678901234567890",
	  "1 to 70 characters" },
	{ "multipart/form-data; boundary=\"a@b\"", "does not allow" },
	{ "multipart/form-data; boundary=a\x7f", "is malformed" },
	{ "multipart/form-data; boundary=\"a\\\"b\"", "does not allow" },
	{ "multipart/form-data; boundary=a; boundary=b", "two boundaries" },
	{ "multipart/form-data; boundary=\"abc", "is malformed" },
	{ "multipart/form-data boundary=abc", "is malformed" },
	{ "multipart/form-data; boundary=a b", "is malformed" },
};

START_TEST(test_content_type)
{
	struct mp_parser *mp;
	const char *why = NULL;
	enum ff_err er = FF_ERR__MAX;

	mp = mp_new(ctypes[_i].ct, NULL, &er, &why);
	if (ctypes[_i].why == NULL) {
		ck_assert_msg(mp != NULL, "%s: %s", ctypes[_i].ct, why);
		ck_assert_int_eq(er, FF_OK);
		/* The boundary works: "abc" from every accepted row. */
		ck_assert_int_eq(mp_feed(mp, L("--abc\r\n" CD("k")
		    "\r\nv\r\n--abc--")), FF_OK);
		ck_assert_int_eq(mp_finish(mp), FF_OK);
		ck_assert_str_eq(mp_get(mp, "k")->data, "v");
		mp_free(mp);
	} else {
		ck_assert_msg(mp == NULL, "%s: accepted", ctypes[_i].ct);
		ck_assert_int_eq(er, FF_EINPUT);
		ck_assert_msg(strstr(why, ctypes[_i].why) != NULL,
		    "%s: reason \"%s\" lacks \"%s\"", ctypes[_i].ct, why,
		    ctypes[_i].why);
	}
}
END_TEST

/*
 * A 200 KB file of pseudo-random bytes salted with partial delimiters,
 * fed in 8 KB chunks (as the FastCGI layer does) and in odd sizes.
 */
START_TEST(test_large_binary)
{
	static const char head[] = DASH "Content-Disposition: form-data; "
	    "name=\"photo\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg"
	    "\r\n\r\n";
	static const size_t steps[] = { 8192, 1000, 7, 65536 };
	const char *salt = "\r\n--BOUNDARY";
	size_t flen = 200 * 1024, blen, i, s, cut;
	unsigned int x = 12345;
	struct mp_parser *mp;
	const struct mp_part *pt;
	enum ff_err er;
	char *body, *file;

	file = malloc(flen);
	for (i = 0; i < flen; i++) {
		x = x * 1103515245u + 12345u;
		file[i] = (char)(x >> 16);
	}
	/* Every 997 bytes, a delimiter prefix cut short (1..11 bytes). */
	for (i = 0, cut = 1; i + 16 < flen; i += 997, cut = cut % 11 + 1)
		memcpy(file + i, salt, cut);
	blen = strlen(head) + flen + strlen(CLOSE);
	body = malloc(blen);
	memcpy(body, head, strlen(head));
	memcpy(body + strlen(head), file, flen);
	memcpy(body + strlen(head) + flen, CLOSE, strlen(CLOSE));
	for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		mp = mp_new(CT, NULL, &er, NULL);
		er = feed(mp, body, blen, 0, steps[s]);
		ck_assert_msg(er == FF_OK, "step %zu: %s", steps[s],
		    mp_errmsg(mp));
		ck_assert_uint_eq(mp_count(mp), 1);
		pt = mp_get(mp, "photo");
		ck_assert_ptr_nonnull(pt);
		ck_assert_uint_eq(pt->len, flen);
		ck_assert_int_eq(memcmp(pt->data, file, flen), 0);
		ck_assert_str_eq(pt->filename, "p.jpg");
		ck_assert_str_eq(pt->content_type, "image/jpeg");
		mp_free(mp);
	}
	free(body);
	free(file);
}
END_TEST

START_TEST(test_misc)
{
	struct mp_parser *mp;
	enum ff_err er;

	mp_free(NULL);
	/* mp_get returns the first of two same-named parts. */
	mp = mp_new(CT, NULL, &er, NULL);
	ck_assert_int_eq(feed(mp, L(DASH CD("t") "\r\none\r\n" DASH CD("t")
	    "\r\ntwo" CLOSE), 3, 5), FF_OK);
	ck_assert_ptr_eq(mp_get(mp, "t"), mp_part_at(mp, 0));
	ck_assert_str_eq(mp_part_at(mp, 1)->data, "two");
	/* Names are case-sensitive, as in HTML. */
	ck_assert_ptr_null(mp_get(mp, "T"));
	mp_free(mp);
	/* Parts so far are visible before finish; none past max_parts. */
	mp = mp_new(CT, &(struct mp_limits){ .max_parts = 1 }, &er, NULL);
	ck_assert_int_eq(mp_feed(mp, L(DASH CD("a") "\r\n1\r\n" DASH)),
	    FF_EINPUT);
	ck_assert_uint_eq(mp_count(mp), 1);
	ck_assert_str_eq(mp_get(mp, "a")->data, "1");
	mp_free(mp);
	/* A body fed after the closing delimiter is epilogue. */
	mp = mp_new(CT, NULL, &er, NULL);
	ck_assert_int_eq(mp_feed(mp, L("--BOUNDARY--")), FF_OK);
	ck_assert_int_eq(mp_feed(mp, L("\r\n--BOUNDARY\r\nnonsense")), FF_OK);
	ck_assert_int_eq(mp_finish(mp), FF_OK);
	ck_assert_uint_eq(mp_count(mp), 0);
	mp_free(mp);
}
END_TEST

#define NROWS(a)	((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
multipart_suite(void)
{
	Suite *s = suite_create("multipart");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_valid_whole, 0, NROWS(valid));
	tcase_add_loop_test(tc, test_valid_every_split, 0, NROWS(valid));
	tcase_add_loop_test(tc, test_valid_bytewise, 0, NROWS(valid));
	tcase_add_loop_test(tc, test_invalid, 0, NROWS(invalid));
	tcase_add_loop_test(tc, test_content_type, 0, NROWS(ctypes));
	tcase_add_test(tc, test_large_binary);
	tcase_add_test(tc, test_misc);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(multipart_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
