/*
 * check_batch.c: table-driven tests of the pure parts of `framefit batch`
 * (src/app/batch*.c): try-on names, the face policy the try-ons are
 * drawn by (photo_face_plausible() of app/photo.h), face cleaning, option parsing, failure reasons and the progress text. The
 * sources are included (lighttpd's way) so their static functions can be
 * reached. The queue's statements are tested against a real MariaDB in
 * tests/check_batchq.c, the whole command in tests/integration/
 * test_batch.sh.
 */
/* First, so its feature macro (_GNU_SOURCE) comes before any header. */
#include "app/batch.c"
#include "app/batch_load.c"
#include "app/batch_work.c"

#include <check.h>

#include "render/frames.h"

/* ---- tryon_name ---- */

static const struct {
	const char	*root;
	const char	*path;
	const char	*want;
} names[] = {
	/* Below the root: the relative path, a .jpg name kept. */
	{ "/data/in", "/data/in/a.jpg", "a.jpg" },
	{ "/data/in", "/data/in/sub/dir/b.JPEG", "sub/dir/b.JPEG" },
	{ "/data/in/", "/data/in/c.jpg", "c.jpg" },
	/* Any other type gets .jpg appended, so a.png and a.jpg differ. */
	{ "/data/in", "/data/in/a.png", "a.png.jpg" },
	{ "/data/in", "/data/in/noext", "noext.jpg" },
	{ "/data/in", "/data/in/.jpg", ".jpg.jpg" },
	{ "/data/in", "/data/in/x.tar.jpg", "x.tar.jpg" },
	{ "/data/in", "/data/in/d.jpgx", "d.jpgx.jpg" },
	/* Not below the root (a prefix is not a parent): the whole path. */
	{ "/data/in", "/data/input/e.jpg", "data/input/e.jpg" },
	{ "/data/in", "/other/f.gif", "other/f.gif.jpg" },
	/* The root "/" itself. */
	{ "/", "/g.jpg", "g.jpg" },
	{ "/", "/h/i.webp", "h/i.webp.jpg" },
	/* Nothing may climb out of the output folder. */
	{ "/data/in", "/data/in/../../etc/passwd", "_/_/etc/passwd.jpg" },
	{ "/data/in", "/data/in/./j.jpg", "_/j.jpg" },
	{ "/data/in", "/x/..", "x/_.jpg" },
	{ "/data/in", "/data/in//k//l.jpg", "k/l.jpg" },
	{ "/data/in", "/data/in/", "_.jpg" },
};

START_TEST(test_tryon_name)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "OUT/");
	tryon_name(names[_i].root, names[_i].path, &b);
	ck_assert_msg(strncmp(b.ptr, "OUT/", 4) == 0 &&
	    strcmp(b.ptr + 4, names[_i].want) == 0,
	    "%s under %s: got %s, want %s", names[_i].path, names[_i].root,
	    b.ptr + 4, names[_i].want);
	buf_free(&b);
}
END_TEST

/* ---- the face policy of the try-ons (photo_face_plausible) ---- */

#define FACE(bx, by, bw, bh, lx, ly, rx, ry) \
	{ .score = 0.9f, .box = { bx, by, bw, bh }, \
	  .left_eye = { lx, ly }, .right_eye = { rx, ry } }

static const struct {
	const char	*what;
	struct face	 f;
	int		 w, h;
	int		 want;
} drawables[] = {
	{ "frontal face", FACE(50, 50, 150, 150, 95, 110, 155, 110), 250, 250, 1 },
	{ "eyes swapped", FACE(50, 50, 150, 150, 155, 110, 95, 110), 250, 250, 1 },
	{ "rolled", FACE(50, 50, 150, 150, 95, 100, 155, 125), 250, 250, 1 },
	{ "eye in the grown box", FACE(50, 50, 100, 100, 30, 80, 120, 80), 250, 250, 1 },
	/* What the early weights produce: eyes thousands of pixels away. */
	{ "eyes far outside", FACE(70, 70, 124, 124, -79855, -14196, 54978, -18237), 250, 250, 0 },
	{ "eye left of the image", FACE(0, 50, 150, 150, -1, 110, 60, 110), 250, 250, 0 },
	{ "eye at the right edge", FACE(100, 50, 150, 150, 150, 110, 250, 110), 250, 250, 0 },
	{ "eye below the grown box", FACE(50, 50, 100, 100, 80, 180, 120, 80), 250, 250, 0 },
	{ "eyes wider than the box", FACE(100, 50, 60, 60, 85, 70, 175, 70), 250, 250, 0 },
	{ "eyes on one point", FACE(50, 50, 150, 150, 100, 100, 100.5f, 100), 250, 250, 0 },
	{ "no box", FACE(50, 50, 0, 150, 95, 110, 155, 110), 250, 250, 0 },
	{ "NaN box", FACE(NAN, 50, 150, 150, 95, 110, 155, 110), 250, 250, 0 },
	{ "NaN eye", FACE(50, 50, 150, 150, NAN, 110, 155, 110), 250, 250, 0 },
};

START_TEST(test_face_drawable)
{
	struct face_eyes e;

	ck_assert_msg(photo_face_plausible(&drawables[_i].f, drawables[_i].w,
	    drawables[_i].h) == drawables[_i].want, "%s: want %d",
	    drawables[_i].what, drawables[_i].want);
	if (drawables[_i].want) {
		photo_face_eyes(&drawables[_i].f, &e);
		ck_assert(e.lx == drawables[_i].f.left_eye[0]);
		ck_assert(e.ry == drawables[_i].f.right_eye[1]);
	}
}
END_TEST

/* ---- faces_clean ---- */

START_TEST(test_faces_clean)
{
	struct det_result	 r;
	struct face		 out[DET_MAX_FACES];
	struct face		 a = FACE(1, 2, 3, 4, 5, 6, 7, 8);
	int			 n;

	memset(&r, 0, sizeof(r));
	r.faces[0] = a;			/* kept as is */
	r.faces[1] = a;
	r.faces[1].score = 1.5f;	/* clamped to 1 */
	r.faces[1].box.w = -2;		/* to 0 */
	r.faces[2] = a;
	r.faces[2].right_eye[1] = INFINITY;	/* dropped */
	r.faces[3] = a;
	r.faces[3].score = -0.25f;	/* clamped to 0 */
	r.n = 4;
	n = faces_clean(&r, out);
	ck_assert_int_eq(n, 3);
	ck_assert(memcmp(&out[0], &a, sizeof(a)) == 0);
	ck_assert(out[1].score == 1.0f);
	ck_assert(out[1].box.w == 0.0f);
	ck_assert(out[1].box.h == 4.0f);
	ck_assert(out[2].score == 0.0f);
	ck_assert(out[2].right_eye[1] == 8.0f);
}
END_TEST

/* ---- reasons ---- */

static const struct {
	enum ff_err	 er;
	const char	*want;
} reasons[] = {
	{ FF_EIO, "file_unreadable" },
	{ FF_EIMAGE, "image_corrupt" },
	{ FF_EMEDIATYPE, "unsupported_media_type" },
	{ FF_EPIXELS, "image_too_large" },
	{ FF_ETOOBIG, "too_large" },
	{ FF_ENOMEM, "internal" },
};

START_TEST(test_reason_of)
{
	ck_assert_str_eq(reason_of(reasons[_i].er), reasons[_i].want);
	/* Every reason fits batch_items.reason, VARCHAR(32). */
	ck_assert_uint_le(strlen(reason_of(reasons[_i].er)), 32);
}
END_TEST

/* ---- fmt_duration ---- */

static const struct {
	double		 s;
	const char	*want;
} durations[] = {
	{ 0, "0s" },
	{ 12.4, "12s" },
	{ 59.6, "1m00s" },
	{ 250, "4m10s" },
	{ 3600, "1h00m" },
	{ 3723, "1h02m" },
	{ 8 * 3600 + 59, "8h00m" },
	{ -1, "?" },
	{ NAN, "?" },
	{ INFINITY, "?" },
};

START_TEST(test_fmt_duration)
{
	char s[32];

	fmt_duration(durations[_i].s, s, sizeof(s));
	ck_assert_str_eq(s, durations[_i].want);
}
END_TEST

/* ---- progress_text ---- */

static const struct {
	struct batchq_counts c;
	long long	 loading;
	double		 rate;
	int		 bar;
	const char	*want;
} texts[] = {
	{ { .queued = 30, .claimed = 2, .done = 20, .noface = 3, .failed = 5,
	    .loaded = 1 }, 0, 7, 0,
	  "framefit batch: 28/60 (46.7%): 20 done, 3 no face, 5 failed; "
	  "7.0 photos/s; ETA 5s" },
	{ { .queued = 30, .claimed = 2, .done = 20, .noface = 3, .failed = 5,
	    .loaded = 1 }, 0, 7, 1,
	  "[###########.............]  46.7% 28/60  done 20  noface 3  "
	  "failed 5  7.0 photos/s  ETA 5s" },
	{ { .done = 10, .loaded = 1 }, 0, -1, 1,
	  "[########################] 100.0% 10/10  done 10  noface 0  "
	  "failed 0  -- photos/s  ETA ?" },
	{ { .queued = 1000000, .loaded = 1 }, 0, 35, 0,
	  "framefit batch: 0/1000000 (0.0%): 0 done, 0 no face, 0 failed; "
	  "35.0 photos/s; ETA 7h56m" },
	/* While loading the total is not known: no bar, no ETA. */
	{ { .queued = 900, .done = 100 }, 5000, 12.5, 1,
	  "loading: 5000 paths queued, 100 processed; 12.5 photos/s" },
	{ { .queued = 900, .done = 100 }, 0, -1, 0,
	  "framefit batch: loading: 1000 paths queued, 100 processed; "
	  "-- photos/s" },
};

START_TEST(test_progress_text)
{
	struct buf b;

	buf_init(&b);
	progress_text(&texts[_i].c, texts[_i].loading, texts[_i].rate,
	    texts[_i].bar, &b);
	ck_assert_str_eq(b.ptr, texts[_i].want);
	buf_free(&b);
}
END_TEST

/* ---- opts_parse ---- */

#define MAXARGS 12

static const struct {
	const char	*argv[MAXARGS];
	int		 rc;
	const char	*input;
	const char	*job;
	int		 jobs, lease, claim, attempts, progress, retry;
	double		 max_rate;
	int		 yield;
	const char	*del;
} argvs[] = {
	{ { "batch", "/photos", NULL }, 0, "/photos", NULL,
	    1, 300, 16, 3, -1, 0, 0, 1, NULL },
	/* The shop first by default; a cap and full speed on request. */
	{ { "batch", "--max-rate", "2.5", "--no-yield", "/p", NULL }, 0, "/p",
	    NULL, 1, 300, 16, 3, -1, 0, 2.5, 0, NULL },
	{ { "batch", "--delete", "old job", NULL }, 0, NULL, NULL,
	    1, 300, 16, 3, -1, 0, 0, 1, "old job" },
	{ { "batch", "--jobs", "2", "--lease", "2", "--claim", "4",
	    "--job", "nightly", "list.txt", "--no-progress", NULL }, 0,
	    "list.txt", "nightly", 2, 2, 4, 3, 0, 0, 0, 1, NULL },
	{ { "batch", "--job", "nightly", "--retry-failed", "--progress",
	    "--max-attempts", "5", NULL }, 0, NULL, "nightly",
	    1, 300, 16, 5, 1, 1, 0, 1, NULL },
	{ { "batch", "--jobs", "0", "/p", NULL }, 0, "/p", NULL,
	    0, 300, 16, 3, -1, 0, 0, 1, NULL },
	/* Errors. */
	{ { "batch", "--max-rate", "0", "/p", NULL }, .rc = -1 },
	{ { "batch", "--max-rate", "fast", "/p", NULL }, .rc = -1 },
	{ { "batch", "--max-rate", "nan", "/p", NULL }, .rc = -1 },
	{ { "batch", "--delete", "x", "/p", NULL }, .rc = -1 },
	{ { "batch", "--delete", "x", "--job", "y", NULL }, .rc = -1 },
	/* --help: its text on stdout, exit 0. */
	{ { "batch", "--help", NULL }, .rc = 1 },
	{ { "batch", "--jobs", "-1", "/p", NULL }, .rc = -1 },
	{ { "batch", "--jobs", "2x", "/p", NULL }, .rc = -1 },
	{ { "batch", "--lease", "0", "/p", NULL }, .rc = -1 },
	{ { "batch", "--claim", "", "/p", NULL }, .rc = -1 },
	{ { "batch", "/p", "/q", NULL }, .rc = -1 },
	{ { "batch", "--frame", "FF-RND-4721-TOR", "/p", NULL }, .rc = -1 },
	{ { "batch", "--out", "/tmp/o", "/p", NULL }, .rc = -1 },
	{ { "batch", "--bogus", "/p", NULL }, .rc = -1 },
};

START_TEST(test_opts_parse)
{
	char		*argv[MAXARGS];
	struct opts	 o;
	int		 argc = 0, rc;

	while (argvs[_i].argv[argc] != NULL) {
		argv[argc] = (char *)argvs[_i].argv[argc];
		argc++;
	}
	argv[argc] = NULL;
	/* The usage message of the error rows is expected. */
	rc = opts_parse(argc, argv, &o);
	ck_assert_int_eq(rc, argvs[_i].rc);
	if (rc != 0)
		return;
	if (argvs[_i].input == NULL)
		ck_assert_ptr_null(o.input);
	else
		ck_assert_str_eq(o.input, argvs[_i].input);
	if (argvs[_i].job == NULL)
		ck_assert_ptr_null(o.job);
	else
		ck_assert_str_eq(o.job, argvs[_i].job);
	ck_assert_int_eq(o.jobs, argvs[_i].jobs);
	ck_assert_int_eq(o.lease_s, argvs[_i].lease);
	ck_assert_int_eq(o.claim, argvs[_i].claim);
	ck_assert_int_eq(o.max_attempts, argvs[_i].attempts);
	ck_assert_int_eq(o.progress, argvs[_i].progress);
	ck_assert_int_eq(o.retry_failed, argvs[_i].retry);
	ck_assert(o.max_rate == argvs[_i].max_rate);
	ck_assert_int_eq(o.yield, argvs[_i].yield);
	if (argvs[_i].del == NULL)
		ck_assert_ptr_null(o.delete_job);
	else
		ck_assert_str_eq(o.delete_job, argvs[_i].del);
}
END_TEST

/* ---- put_path: odd bytes in a summary ---- */

static const struct {
	const char	*in;
	const char	*want;
} paths[] = {
	{ "/p/a b.jpg", "/p/a b.jpg" },
	{ "/p/-x.jpg", "/p/-x.jpg" },
	{ "/p/caf\xc3\xa9.jpg", "/p/caf\xc3\xa9.jpg" },	/* UTF-8 kept */
	{ "/p/caf\xe9.jpg", "/p/caf\\xe9.jpg" },		/* Latin-1 byte */
	{ "/p/\xc3(.jpg", "/p/\\xc3(.jpg" },		/* cut sequence */
	{ "/p/\xc0\xaf.jpg", "/p/\\xc0\\xaf.jpg" },	/* overlong */
	{ "/p/a\nb\r\t.jpg", "/p/a\\x0ab\\x0d\\x09.jpg" },
	{ "/p/back\\slash", "/p/back\\\\slash" },
	{ "/p/\x7f", "/p/\\x7f" },
	{ "", "" },
};

START_TEST(test_put_path)
{
	struct buf b;

	buf_init(&b);
	put_path(&b, paths[_i].in);
	ck_assert_str_eq(b.ptr != NULL ? b.ptr : "", paths[_i].want);
	buf_free(&b);
}
END_TEST

#define NROWS(a)	((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
batch_suite(void)
{
	Suite	*s = suite_create("batch");
	TCase	*tc = tcase_create("pure");

	tcase_add_loop_test(tc, test_tryon_name, 0, NROWS(names));
	tcase_add_loop_test(tc, test_face_drawable, 0, NROWS(drawables));
	tcase_add_test(tc, test_faces_clean);
	tcase_add_loop_test(tc, test_reason_of, 0, NROWS(reasons));
	tcase_add_loop_test(tc, test_fmt_duration, 0, NROWS(durations));
	tcase_add_loop_test(tc, test_progress_text, 0, NROWS(texts));
	tcase_add_loop_test(tc, test_opts_parse, 0, NROWS(argvs));
	tcase_add_loop_test(tc, test_put_path, 0, NROWS(paths));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(batch_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
