/*
 * check_photo: what src/app/photo.c adds beside the modules it composes
 * (check_shop, check_api and check_batch run the pipeline end to end):
 * the Server-Timing value, and the stored copy's colour subsampling.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "app/photo.h"
#include "image/decode.h"

static const struct {
	struct photo_times	 t;
	size_t			 size;
	const char		*want;
} timing_cases[] = {
	/* Every stage, in the order of the work. */
	{ { .receive = 1.25, .decode = 41.2, .detect = 9.8, .store = 7.04,
	    .db = 3, .draw = 2.5, .encode = 6.55, .total = 80 }, 256,
	  "receive;dur=1.2, decode;dur=41.2, detect;dur=9.8, store;dur=7.0, "
	  "db;dur=3.0, draw;dur=2.5, encode;dur=6.5, total;dur=80.0" },
	/* What was not measured (0) is left out. */
	{ { .decode = 12, .total = 13.5 }, 256,
	  "decode;dur=12.0, total;dur=13.5" },
	{ { .total = 0 }, 256, "" },
	/* Whole entries only: the first takes 15 bytes and its NUL. */
	{ { .decode = 12, .detect = 3 }, 31, "decode;dur=12.0" },
	{ { .decode = 12, .detect = 3 }, 16, "decode;dur=12.0" },
	{ { .decode = 12, .detect = 3 }, 15, "" },
	{ { .decode = 12, .detect = 3 }, 1, "" },
	/* A clock that went backwards is no figure. */
	{ { .decode = -1, .db = 2 }, 256, "db;dur=2.0" },
};

START_TEST(timing_value)
{
	char	 out[256];

	memset(out, 'x', sizeof(out));
	photo_timing(&timing_cases[_i].t, out, timing_cases[_i].size);
	ck_assert_str_eq(out, timing_cases[_i].want);
}
END_TEST

/* The luma component's sampling factors in the SOF0 of a JPEG. */
static int
luma_sampling(const unsigned char *p, size_t len)
{
	size_t	 i;

	for (i = 2; i + 12 < len; i++)
		if (p[i] == 0xff && p[i + 1] == 0xc0)
			return p[i + 11];	/* FF C0, Lf, P, Y, X, Nf, C1, H1V1 */
	return -1;
}

/* A shrunk photo is stored 4:2:0 (both factors 2), as phones save it:
 * at quality 90, jpeg_encode() would keep the colour at 4:4:4. */
START_TEST(stored_subsampled)
{
	gdImagePtr	 im = gdImageCreateTrueColor(640, 480);
	unsigned	 seed = 7;
	void		*out = NULL;
	size_t		 n = 0;
	int		 x, y;

	for (y = 0; y < 480; y++)
		for (x = 0; x < 640; x++) {
			seed = seed * 1103515245u + 12345u;
			gdImageSetPixel(im, x, y, (int)(seed >> 8 & 0x3f3f3f) +
			    gdTrueColor(x / 4, y / 4, 96));
		}
	ck_assert_int_eq(img_store_jpeg("", 0, im, PHOTO_STORE_QUALITY, &out,
	    &n), FF_OK);
	ck_assert_int_eq(luma_sampling(out, n), 0x22);
	free(out);
	ck_assert_int_eq(img_store_jpeg("", 0, im, 90, &out, &n), FF_OK);
	ck_assert_int_eq(luma_sampling(out, n), 0x11);
	free(out);
	gdImageDestroy(im);
}
END_TEST

static Suite *
photo_suite(void)
{
	Suite	*s = suite_create("photo");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, timing_value, 0,
	    sizeof(timing_cases) / sizeof(timing_cases[0]));
	tcase_add_test(tc, stored_subsampled);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(photo_suite());
	int	 nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
