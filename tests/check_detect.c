/*
 * check_detect.c: the shipped model on real photos.
 *
 * Photos come from $FF_FACES_DIR (default ../shared/data/faces beside the
 * source tree) at test time, picked by a fixed rule (not by how well the
 * model does on them): the first validation photos, in annotation order,
 * with exactly one labelled face that is frontal with the eyes >= 30 px
 * apart; 8 from MTFL and 4 from Caltech.
 * Every eye must be within e <= 0.10 of its label, and that face's box
 * must overlap the labelled box (geometry.h) at IoU >= 0.5, on the photo
 * as stored and on the same photo scaled up to phone size (3000 px long
 * side).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <check.h>
#include <gd.h>

#include "image/sample.h"

#include "vision/dataset.h"
#include "vision/detector.h"

static struct detector *det;
static struct dataset ds;
static int picked[12], npicked;

static const char *
models_dir(void)
{
	const char *d = getenv("FF_MODELS");
	return d ? d : FF_DATADIR "/models";
}

static const char *
faces_dir(void)
{
	const char *d = getenv("FF_FACES_DIR");
	return d ? d : FF_DATADIR "/../shared/data/faces";
}

static void
setup(void)
{
	struct det_opts o = { .dir = models_dir() };
	int mtfl = 0, cal = 0;

	ck_assert_int_eq(det_open(&o, &det), FF_OK);
	ck_assert_int_eq(ds_load(faces_dir(), &ds), FF_OK);
	for (int i = 0; i < ds.n && npicked < 12; i++) {
		const struct ds_image *im = &ds.img[i];
		if (!im->val || im->nfaces != 1 || !geom_is_frontal(&im->faces[0].pts) ||
		    geom_iod(&im->faces[0].pts) < 30)
			continue;
		if (im->source == DS_MTFL ? mtfl++ < 8 : cal++ < 4)
			picked[npicked++] = i;
	}
	ck_assert_int_eq(npicked, 12);
}

static void
teardown(void)
{
	det_close(det);
	ds_free(&ds);
}

static void
check_photo(int k, int upscale)
{
	const struct ds_image *im = &ds.img[picked[k]];
	struct landmarks t = im->faces[0].pts;
	struct det_result r;
	gdImagePtr g = gdImageCreateFromFile(im->path);
	double s = 1;

	ck_assert_ptr_nonnull(g);
	if (upscale) {
		s = 3000.0 / (im->w > im->h ? im->w : im->h);
				gdImagePtr big = smp_resize(g, (int)lround(im->w * s), (int)lround(im->h * s));
		gdImageDestroy(g);
		ck_assert_ptr_nonnull(g = big);
		t.lx *= s; t.ly *= s; t.rx *= s; t.ry *= s;
		t.nx *= s; t.ny *= s; t.mx *= s; t.my *= s;
	}
	ck_assert_int_eq(det_run(det, g, &r), FF_OK);
	gdImageDestroy(g);
	ck_assert_msg(r.n >= 1, "%s: no face found", im->name);
	/* The face whose eyes are nearest the labels. */
	float best = INFINITY;
	int bj = 0;
	for (int j = 0; j < r.n; j++) {
		float e = geom_eye_error(r.faces[j].left_eye, r.faces[j].right_eye, &t);
		if (e < best) {
			best = e;
			bj = j;
		}
	}
	ck_assert_msg(best <= 0.10f, "%s%s: eye error e = %.3f > 0.10", im->name,
	    upscale ? " (3000 px)" : "", best);
	struct fbox lb;
	geom_face_box(&t, &lb);
	float iou = geom_iou(&lb, &r.faces[bj].box);
	ck_assert_msg(iou >= 0.5f, "%s%s: face box IoU %.2f < 0.5", im->name,
	    upscale ? " (3000 px)" : "", iou);
}

START_TEST(test_as_stored)
{
	check_photo(_i, 0);
}
END_TEST

START_TEST(test_phone_size)
{
	check_photo(_i, 1);
}
END_TEST

START_TEST(test_no_face_in_flat_image)
{
	gdImagePtr g = gdImageCreateTrueColor(640, 480);
	struct det_result r;

	gdImageFilledRectangle(g, 0, 0, 639, 479, 0x808080);
	ck_assert_int_eq(det_run(det, g, &r), FF_OK);
	ck_assert_int_eq(r.n, 0);
	gdImageDestroy(g);
	/* Too small to hold a face: refused, not crashed. */
	g = gdImageCreateTrueColor(4, 4);
	ck_assert_int_eq(det_run(det, g, &r), FF_EIMAGE);
	gdImageDestroy(g);
}
END_TEST

START_TEST(test_missing_model)
{
	struct det_opts o = { .dir = "/nonexistent" };
	struct detector *d = NULL;

	ck_assert_int_eq(det_open(&o, &d), FF_EMODEL);
	ck_assert_ptr_null(d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("detect");
	TCase *tc = tcase_create("photos");
	SRunner *sr;
	int nf;

	/* The detector is loaded once for the whole case (like a worker). */
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_as_stored, 0, 12);
	tcase_add_loop_test(tc, test_phone_size, 0, 12);
	tcase_add_test(tc, test_no_face_in_flat_image);
	tcase_add_test(tc, test_missing_model);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
