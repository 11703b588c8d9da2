/*
 * check_fit.c: the face width where a frame sits and the size verdict
 * (src/render/fit.h), table-driven, with known geometry.
 *
 * The widths are exact: the mean adult face of ANSUR II at the mean adult
 * PD, scaled by the PD, whatever the eyes' size in pixels, position or
 * roll. A program that measured the face box (the old hint) or the eye
 * distance in pixels would give other numbers. The verdicts are checked
 * on both sides of each boundary, and on the shop's seed catalog
 * (sql/002_seed_frames.sql) for a face at the default PD.
 */
#include <math.h>
#include <stdlib.h>

#include <check.h>

#include "render/fit.h"

#define LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* (142 + 133) / 2: the mean of men's and women's bizygomatic breadth. */
#define ADULT_FACE_MM	137.5

/* A frame frame_check() takes, total_mm wide. */
static struct frame
frame_of(double lens, double bridge, double total)
{
	struct frame f = { 0 };

	f.style = FRAME_RECTANGLE;
	f.lens_width_mm = lens;
	f.lens_height_mm = 40;
	f.bridge_mm = bridge;
	f.total_width_mm = total;
	f.rim_mm = 3;
	return f;
}

START_TEST(test_constants)
{
	/* At the default PD the face is the mean adult face. */
	ck_assert_double_eq_tol(FIT_FACE_PD_RATIO * FRAME_PD_DEFAULT_MM,
	    ADULT_FACE_MM, 1e-9);
	ck_assert_double_eq(FIT_PD_ADULT_MM, FRAME_PD_DEFAULT_MM);
	ck_assert_double_eq_tol(FIT_FACE_PD_RATIO, 137.5 / 63, 1e-12);
}
END_TEST

/* ---- The width: eyes in pixels, a PD, the face in mm ---- */

static const struct {
	const char	*what;
	double		 lx, ly, rx, ry;
	double		 pd;
	double		 want;		/* mm; 0: refused */
} widths[] = {
	{ "100 px eyes, PD 63", 100, 200, 200, 200, 63, ADULT_FACE_MM },
	{ "100 px eyes, default PD", 100, 200, 200, 200, 0, ADULT_FACE_MM },
	{ "negative PD is the default", 100, 200, 200, 200, -3, ADULT_FACE_MM },
	{ "PD 70", 100, 200, 200, 200, 70, 70 * 137.5 / 63 },
	{ "PD 50, the smallest", 100, 200, 200, 200, 50, 50 * 137.5 / 63 },
	{ "PD 80, the largest", 100, 200, 200, 200, 80, 80 * 137.5 / 63 },
	{ "PD 61.5", 100, 200, 200, 200, 61.5, 61.5 * 137.5 / 63 },
	/* the size of the face in the photo does not matter: the scale
	 * is the PD */
	{ "a small face: 12 px eyes", 10, 10, 22, 10, 63, ADULT_FACE_MM },
	{ "a large face: 900 px eyes", 1000, 1500, 1900, 1500, 63,
	    ADULT_FACE_MM },
	/* nor its roll, or which eye comes first */
	{ "rolled 30 degrees", 100, 200, 100 + 86.6025403784, 250, 63,
	    ADULT_FACE_MM },
	{ "rolled -45 degrees", 0, 0, 70.7106781187, -70.7106781187, 63,
	    ADULT_FACE_MM },
	{ "eye line vertical", 50, 0, 50, 100, 63, ADULT_FACE_MM },
	{ "eyes given right to left", 200, 200, 100, 200, 70,
	    70 * 137.5 / 63 },
	/* missing or nonsense landmarks */
	{ "eyes 0.5 px apart", 100, 200, 100.5, 200, 63, 0 },
	{ "eyes on one point", 100, 200, 100, 200, 63, 0 },
	{ "left eye x NaN", NAN, 200, 200, 200, 63, 0 },
	{ "right eye y NaN", 100, 200, 200, NAN, 63, 0 },
	{ "an eye at infinity", 100, 200, INFINITY, 200, 63, 0 },
	{ "an eye past 1e6 px", 100, 200, 2e6, 200, 63, 0 },
	/* bad PD */
	{ "PD 49.9", 100, 200, 200, 200, 49.9, 0 },
	{ "PD 80.1", 100, 200, 200, 200, 80.1, 0 },
	{ "PD NaN", 100, 200, 200, 200, NAN, 0 },
	{ "PD infinite", 100, 200, 200, 200, INFINITY, 0 },
};

START_TEST(test_width)
{
	struct face_eyes e = { widths[_i].lx, widths[_i].ly, widths[_i].rx,
	    widths[_i].ry };
	double got = fit_face_mm(&e, widths[_i].pd);

	ck_assert_msg(fabs(got - widths[_i].want) < 1e-9,
	    "%s: got %.12g mm, want %.12g", widths[_i].what, got,
	    widths[_i].want);
}
END_TEST

START_TEST(test_width_null)
{
	ck_assert_double_eq(fit_face_mm(NULL, 63), 0);
	ck_assert_double_eq(fit_face_mm(NULL, 0), 0);
}
END_TEST

/* Turning the eyes about any point keeps the width, at every PD. */
START_TEST(test_width_rotation)
{
	struct face_eyes e;
	double a, pd, w0;
	int i, j;

	for (j = 0; j < 4; j++) {
		pd = 52 + 8 * j;
		w0 = fit_face_mm(&(struct face_eyes){ 0, 0, 64, 0 }, pd);
		ck_assert_double_eq_tol(w0, pd * 137.5 / 63, 1e-9);
		for (i = 0; i < 36; i++) {
			a = i * (M_PI / 18);
			e.lx = 300 - 32 * cos(a);
			e.ly = 400 - 32 * sin(a);
			e.rx = 300 + 32 * cos(a);
			e.ry = 400 + 32 * sin(a);
			ck_assert_msg(fabs(fit_face_mm(&e, pd) - w0) < 1e-9,
			    "pd %g, %d degrees: %.12g against %.12g", pd,
			    i * 10, fit_face_mm(&e, pd), w0);
		}
	}
}
END_TEST

/* ---- The verdict: total width against the face, +-5 mm ---- */

static const struct {
	double		total_mm;
	double		face_mm;
	enum ff_err	err;
	enum fit	want;
} verdicts[] = {
	{ 137.5, ADULT_FACE_MM, FF_OK, FIT_GOOD },
	{ 132.5, ADULT_FACE_MM, FF_OK, FIT_GOOD },	/* -5.0: the edge */
	{ 132.4, ADULT_FACE_MM, FF_OK, FIT_NARROW },	/* -5.1 */
	{ 142.5, ADULT_FACE_MM, FF_OK, FIT_GOOD },	/* +5.0: the edge */
	{ 142.6, ADULT_FACE_MM, FF_OK, FIT_WIDE },	/* +5.1 */
	{ 120, ADULT_FACE_MM, FF_OK, FIT_NARROW },
	{ 160, ADULT_FACE_MM, FF_OK, FIT_WIDE },
	/* the old hint's face (the detector's box, about 155 mm at PD 63)
	 * made a 140 mm frame narrow; a 140 mm frame suits the mean face */
	{ 140, 155, FF_OK, FIT_NARROW },
	{ 140, ADULT_FACE_MM, FF_OK, FIT_GOOD },
	/* a 70 mm PD: 152.8 mm */
	{ 148, 70 * 137.5 / 63, FF_OK, FIT_GOOD },
	{ 145, 70 * 137.5 / 63, FF_OK, FIT_NARROW },
	/* a 56 mm PD: 122.2 mm */
	{ 127, 56 * 137.5 / 63, FF_OK, FIT_GOOD },
	{ 132, 56 * 137.5 / 63, FF_OK, FIT_WIDE },
	/* refused */
	{ 140, 0, FF_EINPUT, FIT__MAX },
	{ 140, -137.5, FF_EINPUT, FIT__MAX },
	{ 140, NAN, FF_EINPUT, FIT__MAX },
	{ 140, INFINITY, FF_EINPUT, FIT__MAX },
	{ 0, ADULT_FACE_MM, FF_EINPUT, FIT__MAX },	/* frame_check() */
	{ NAN, ADULT_FACE_MM, FF_EINPUT, FIT__MAX },
};

START_TEST(test_verdict)
{
	struct frame f = frame_of(50, 18, verdicts[_i].total_mm);
	enum fit got = FIT__MAX;
	enum ff_err er;

	er = fit_judge(&f, verdicts[_i].face_mm, &got);
	ck_assert_msg(er == verdicts[_i].err, "row %d: error %d", _i, er);
	ck_assert_msg(got == verdicts[_i].want, "row %d: got %s", _i,
	    got == FIT__MAX ? "(untouched)" : fit_name(got));
}
END_TEST

START_TEST(test_verdict_null)
{
	struct frame f = frame_of(50, 18, 140);
	enum fit got = FIT__MAX;

	ck_assert_int_eq(fit_judge(NULL, ADULT_FACE_MM, &got), FF_EINPUT);
	ck_assert_int_eq(fit_judge(&f, ADULT_FACE_MM, NULL), FF_EINPUT);
	ck_assert_int_eq(got, FIT__MAX);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(fit_name(FIT_NARROW), "narrow");
	ck_assert_str_eq(fit_name(FIT_GOOD), "good");
	ck_assert_str_eq(fit_name(FIT_WIDE), "wide");
	ck_assert_ptr_null(fit_name(FIT__MAX));
	ck_assert_ptr_null(fit_name((enum fit)-1));
}
END_TEST

/*
 * The seed catalog (lens, bridge, total, mm) on a face at the default PD:
 * the petite cat-eye is narrow, the 145 mm and 148 mm fronts are wide,
 * the rest fit. Under the old hint 15 of these said narrow.
 */
static const double seed[][3] = {
	{ 47, 21, 140 }, { 49, 20, 142 }, { 50, 22, 145 }, { 54, 18, 145 },
	{ 52, 17, 140 }, { 56, 16, 145 }, { 58, 14, 140 }, { 60, 14, 148 },
	{ 55, 16, 138 }, { 52, 18, 140 }, { 54, 16, 142 }, { 50, 17, 132 },
	{ 51, 20, 140 }, { 49, 21, 138 }, { 52, 18, 138 }, { 54, 16, 140 },
};

START_TEST(test_seed_catalog)
{
	struct face_eyes e = { 400, 300, 470, 305 };
	struct frame f;
	enum fit v;
	int n[FIT__MAX] = { 0 };
	size_t i;
	double face = fit_face_mm(&e, 0);

	ck_assert_double_eq_tol(face, ADULT_FACE_MM, 1e-9);
	for (i = 0; i < LEN(seed); i++) {
		f = frame_of(seed[i][0], seed[i][1], seed[i][2]);
		ck_assert_int_eq(fit_judge(&f, face, &v), FF_OK);
		n[v]++;
	}
	ck_assert_int_eq(n[FIT_NARROW], 1);
	ck_assert_int_eq(n[FIT_GOOD], 11);
	ck_assert_int_eq(n[FIT_WIDE], 4);
}
END_TEST

static Suite *
fit_suite(void)
{
	Suite *s = suite_create("fit");
	TCase *tc = tcase_create("fit");

	tcase_add_test(tc, test_constants);
	tcase_add_loop_test(tc, test_width, 0, (int)LEN(widths));
	tcase_add_test(tc, test_width_null);
	tcase_add_test(tc, test_width_rotation);
	tcase_add_loop_test(tc, test_verdict, 0, (int)LEN(verdicts));
	tcase_add_test(tc, test_verdict_null);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_seed_catalog);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fit_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
