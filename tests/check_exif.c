/*
 * check_exif.c: EXIF orientation parsing and img_orient(), table-driven.
 *
 * The EXIF blocks are built byte by byte here (EXIF 2.3 §4.5.4 APP1
 * payload: "Exif\0\0", TIFF header, IFD0), so the test does not trust
 * the library it checks; one row also round-trips libexif's own writer.
 * The img_orient() rows were worked out by hand from the §4.6.4 table
 * (where row 0 and column 0 of the stored image belong), not from the
 * code's mapping.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libexif/exif-data.h>

#include "image/exif.h"

/* ---- EXIF blocks built by hand ---- */

#define T_SHORT	3
#define T_LONG	4
#define T_ASCII	2

static void
put16(unsigned char *p, int be, unsigned v)
{
	if (be) {
		p[0] = v >> 8;
		p[1] = v & 0xff;
	} else {
		p[0] = v & 0xff;
		p[1] = v >> 8;
	}
}

static void
put32(unsigned char *p, int be, uint32_t v)
{
	if (be) {
		put16(p, 1, v >> 16);
		put16(p + 2, 1, v & 0xffff);
	} else {
		put16(p, 0, v & 0xffff);
		put16(p + 2, 0, v >> 16);
	}
}

/*
 * "Exif\0\0" + TIFF header + IFD0 with one entry {tag, type, count,
 * value} and no next IFD. A SHORT value sits left-justified in the
 * 4-byte value field (TIFF 6.0 §2). Returns the length (32).
 */
static size_t
exif_block(unsigned char *b, int be, unsigned tag, unsigned type,
    uint32_t count, uint32_t value)
{
	unsigned char	*t = b + 6;

	memcpy(b, "Exif\0\0", 6);
	memcpy(t, be ? "MM" : "II", 2);
	put16(t + 2, be, 42);
	put32(t + 4, be, 8);		/* IFD0 right after the header */
	put16(t + 8, be, 1);		/* one entry */
	put16(t + 10, be, tag);
	put16(t + 12, be, type);
	put32(t + 14, be, count);
	if (type == T_SHORT) {
		put16(t + 18, be, value);
		put16(t + 20, be, 0);
	} else
		put32(t + 18, be, value);
	put32(t + 22, be, 0);		/* no IFD1 */
	return 6 + 26;
}

START_TEST(orientation_values)
{
	unsigned char	 b[64];
	size_t		 n;
	int		 be, v;

	/* Both byte orders, every valid value: the value comes back. */
	for (be = 0; be <= 1; be++)
		for (v = 1; v <= 8; v++) {
			n = exif_block(b, be, 0x0112, T_SHORT, 1, v);
			ck_assert_msg(img_exif_orientation(b, n) == v,
			    "%s orientation %d read as %d", be ? "MM" : "II",
			    v, img_exif_orientation(b, n));
		}
}
END_TEST

/* Malformed or absent orientation: always 1. */
static const struct {
	const char	*name;
	int		 be;
	unsigned	 tag, type;
	uint32_t	 count, value;
	size_t		 cut;		/* 0 = whole block, else its length */
	int		 corrupt;	/* 1: break the "Exif" magic, 2: IFD0 offset past the end */
	int		 want;
} rows[] = {
	{ "value 0", 1, 0x0112, T_SHORT, 1, 0, 0, 0, 1 },
	{ "value 9", 1, 0x0112, T_SHORT, 1, 9, 0, 0, 1 },
	{ "value 0xffff", 0, 0x0112, T_SHORT, 1, 0xffff, 0, 0, 1 },
	{ "LONG not SHORT", 0, 0x0112, T_LONG, 1, 6, 0, 0, 1 },
	{ "LONG not SHORT, MM", 1, 0x0112, T_LONG, 1, 6, 0, 0, 1 },
	{ "ASCII not SHORT", 0, 0x0112, T_ASCII, 2, '6', 0, 0, 1 },
	{ "other tag", 1, 0x0110, T_SHORT, 1, 6, 0, 0, 1 },
	{ "truncated IFD", 1, 0x0112, T_SHORT, 1, 6, 20, 0, 1 },
	{ "header only", 0, 0x0112, T_SHORT, 1, 6, 14, 0, 1 },
	{ "no Exif magic", 1, 0x0112, T_SHORT, 1, 6, 0, 1, 1 },
	{ "IFD0 past end", 0, 0x0112, T_SHORT, 1, 6, 0, 2, 1 },
	/* Control rows: the same blocks intact must give their value. */
	{ "control MM 6", 1, 0x0112, T_SHORT, 1, 6, 0, 0, 6 },
	{ "control II 3", 0, 0x0112, T_SHORT, 1, 3, 0, 0, 3 },
};

START_TEST(orientation_malformed)
{
	unsigned char	 b[64];
	size_t		 n;
	int		 got;

	n = exif_block(b, rows[_i].be, rows[_i].tag, rows[_i].type,
	    rows[_i].count, rows[_i].value);
	if (rows[_i].cut)
		n = rows[_i].cut;
	if (rows[_i].corrupt == 1)
		b[0] = 'e';
	if (rows[_i].corrupt == 2)
		put32(b + 6 + 4, rows[_i].be, 4000);
	got = img_exif_orientation(b, n);
	ck_assert_msg(got == rows[_i].want, "%s: got %d, want %d",
	    rows[_i].name, got, rows[_i].want);
}
END_TEST

START_TEST(orientation_absent)
{
	static const char text[] = "Exif\0\0this is not a TIFF header at all";
	unsigned char	 junk[300];
	size_t		 i;

	ck_assert_int_eq(img_exif_orientation(NULL, 0), 1);
	ck_assert_int_eq(img_exif_orientation(NULL, 100), 1);
	ck_assert_int_eq(img_exif_orientation("", 0), 1);
	ck_assert_int_eq(img_exif_orientation(text, sizeof(text) - 1), 1);
	/* Deterministic junk after a valid magic. */
	memcpy(junk, "Exif\0\0", 6);
	for (i = 6; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	ck_assert_int_eq(img_exif_orientation(junk, sizeof(junk)), 1);
}
END_TEST

/* Orientation only in IFD1 (the thumbnail's): not the photo's, so 1. */
START_TEST(orientation_ifd1_ignored)
{
	unsigned char	 b[64], *t = b + 6;
	size_t		 n;

	ExifData	*ed;

	n = exif_block(b, 1, 0x0128, T_SHORT, 1, 2);	/* ResolutionUnit: inches */
	put32(t + 22, 1, 26);				/* IFD1 right after IFD0 */
	put16(t + 26, 1, 1);
	put16(t + 28, 1, 0x0112);
	put16(t + 30, 1, T_SHORT);
	put32(t + 32, 1, 1);
	put16(t + 36, 1, 6);
	put16(t + 38, 1, 0);
	put32(t + 40, 1, 0);
	n = 6 + 44;
	/* The row is only worth something if libexif does see IFD1's entry. */
	ed = exif_data_new();
	ck_assert_ptr_nonnull(ed);
	exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_load_data(ed, b, n);
	ck_assert_ptr_nonnull(exif_content_get_entry(ed->ifd[EXIF_IFD_1], EXIF_TAG_ORIENTATION));
	exif_data_unref(ed);
	ck_assert_int_eq(img_exif_orientation(b, n), 1);
}
END_TEST

/* A block written by libexif itself. */
START_TEST(orientation_libexif_writer)
{
	ExifData	*ed;
	ExifEntry	*e;
	unsigned char	*d = NULL;
	unsigned int	 n = 0;

	ed = exif_data_new();
	ck_assert_ptr_nonnull(ed);
	exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_INTEL);
	e = exif_entry_new();
	exif_content_add_entry(ed->ifd[EXIF_IFD_0], e);
	exif_entry_initialize(e, EXIF_TAG_ORIENTATION);
	exif_set_short(e->data, EXIF_BYTE_ORDER_INTEL, 8);
	exif_entry_unref(e);
	exif_data_save_data(ed, &d, &n);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(img_exif_orientation(d, n), 8);
	free(d);
	exif_data_unref(ed);
}
END_TEST

/* ---- img_orient ---- */

/*
 * A 3x2 stored image     a b c
 *                        d e f
 * and where each orientation puts it, worked out from §4.6.4.
 */
static const struct {
	int		 o, w, h;
	const char	*px;		/* upright pixels, row by row */
} orows[] = {
	{ 1, 3, 2, "abcdef" },
	{ 2, 3, 2, "cbafed" },		/* mirror horizontally */
	{ 3, 3, 2, "fedcba" },		/* rotate 180 */
	{ 4, 3, 2, "defabc" },		/* mirror vertically */
	{ 5, 2, 3, "adbecf" },		/* transpose */
	{ 6, 2, 3, "daebfc" },		/* rotate 90 clockwise */
	{ 7, 2, 3, "fcebda" },		/* transverse */
	{ 8, 2, 3, "cfbead" },		/* rotate 90 counter-clockwise */
	{ 0, 3, 2, "abcdef" },		/* out of range: untouched */
	{ 9, 3, 2, "abcdef" },
};

/* Distinct colours, alpha included, so a lost alpha bit shows too. */
static int
colour(char c)
{
	int k = c - 'a';

	return gdTrueColorAlpha(10 + 40 * k, 200 - 30 * k, 7 * k, k * 5);
}

START_TEST(orient_pixels)
{
	gdImagePtr	 im, before;
	const char	*src = "abcdef", *want = orows[_i].px;
	int		 x, y;

	im = gdImageCreateTrueColor(3, 2);
	ck_assert_ptr_nonnull(im);
	gdImageAlphaBlending(im, 0);
	for (y = 0; y < 2; y++)
		for (x = 0; x < 3; x++)
			gdImageSetPixel(im, x, y, colour(src[y * 3 + x]));
	before = im;

	ck_assert_int_eq(img_orient(&im, orows[_i].o), FF_OK);
	ck_assert_int_eq(gdImageSX(im), orows[_i].w);
	ck_assert_int_eq(gdImageSY(im), orows[_i].h);
	if (orows[_i].o < 2 || orows[_i].o > 8)
		ck_assert_ptr_eq(im, before);
	for (y = 0; y < orows[_i].h; y++)
		for (x = 0; x < orows[_i].w; x++)
			ck_assert_msg(gdImageGetTrueColorPixel(im, x, y) ==
			    colour(want[y * orows[_i].w + x]),
			    "orientation %d: pixel (%d,%d) is not '%c'",
			    orows[_i].o, x, y, want[y * orows[_i].w + x]);
	gdImageDestroy(im);
}
END_TEST

START_TEST(orient_palette_refused)
{
	gdImagePtr	 im = gdImageCreate(4, 4), before = im;

	ck_assert_int_eq(img_orient(&im, 6), FF_EINPUT);
	ck_assert_ptr_eq(im, before);
	gdImageDestroy(im);
}
END_TEST

/* 1x1 and 1xN edge sizes, where an off-by-one in the mapping would write out of bounds. */
START_TEST(orient_thin)
{
	gdImagePtr	 im;
	int		 o, y;

	for (o = 1; o <= 8; o++) {
		im = gdImageCreateTrueColor(1, 5);
		for (y = 0; y < 5; y++)
			gdImageSetPixel(im, 0, y, gdTrueColor(y, y, y));
		ck_assert_int_eq(img_orient(&im, o), FF_OK);
		ck_assert_int_eq(gdImageSX(im) * gdImageSY(im), 5);
		/* 6 rotates clockwise: the top pixel (0) ends at the right end. */
		if (o == 6) {
			ck_assert_int_eq(gdImageSX(im), 5);
			ck_assert_int_eq(gdImageGetTrueColorPixel(im, 4, 0), gdTrueColor(0, 0, 0));
			ck_assert_int_eq(gdImageGetTrueColorPixel(im, 0, 0), gdTrueColor(4, 4, 4));
		}
		gdImageDestroy(im);
	}
}
END_TEST

static Suite *
exif_suite(void)
{
	Suite	*s = suite_create("exif");
	TCase	*tc = tcase_create("orientation");

	tcase_add_test(tc, orientation_values);
	tcase_add_loop_test(tc, orientation_malformed, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, orientation_absent);
	tcase_add_test(tc, orientation_ifd1_ignored);
	tcase_add_test(tc, orientation_libexif_writer);
	suite_add_tcase(s, tc);

	tc = tcase_create("orient");
	tcase_add_loop_test(tc, orient_pixels, 0, sizeof(orows) / sizeof(orows[0]));
	tcase_add_test(tc, orient_palette_refused);
	tcase_add_test(tc, orient_thin);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(exif_suite());
	int	 nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
