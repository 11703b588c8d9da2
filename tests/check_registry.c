/*
 * check_registry.c: the model registry (src/app/registry.c over
 * src/store/models.h) against a real, private MariaDB (tests/dbtest.h,
 * database framefit_registry_test) and the shipped model of models/:
 * the rows, scanning a models directory, opening a registered model,
 * and a worker following the active model and the catalog.
 *
 * Every test starts from no models. The models directory of a test is a
 * temporary one whose files link to those of models/.
 */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "app/registry.h"
#include "core/buf.h"
#include "core/err.h"
#include "dbtest.h"
#include "store/catalog.h"
#include "store/db.h"
#include "store/models.h"
#include "store/records.h"
#include "vision/detector.h"

#define MODELS	FF_DATADIR "/models"

static struct db	*db;
static char		 root[64];

static const char *const files[] = { "face.cfg", "face.weights", "eyes.cfg",
    "eyes.weights", "refine.cfg", "refine.weights" };

/* Link the six files of the shipped model into dir. */
static void
link_model(const char *dir)
{
	char	from[4096], to[4096];
	size_t	i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(from, sizeof(from), "%s/%s", MODELS, files[i]);
		if (from[0] != '/') {
			char cwd[2048];

			ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
			snprintf(from, sizeof(from), "%s/%s/%s", cwd, MODELS,
			    files[i]);
		}
		snprintf(to, sizeof(to), "%s/%s", dir, files[i]);
		ck_assert_int_eq(symlink(from, to), 0);
	}
}

static void
setup(void)
{
	db = dbtest_open();
	dbtest_exec(db, "DELETE FROM detections", 0);
	dbtest_exec(db, "DELETE FROM models", 0);
	snprintf(root, sizeof(root), "/tmp/ff-registry-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void
teardown(void)
{
	char cmd[128];

	db_close(db);
	db = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "check_registry: %s failed\n", cmd);
}

/* ---- Names ---- */

static const struct {
	const char	*s;
	int		 ok;
} dir_tab[] = {
	{ "ff-0123456789ab", 1 },
	{ "v1.2_final", 1 },
	{ "a", 1 },
	{ "0123456789012345678901234567890123456789012345678901234567890123",
	    1 },
	{ "01234567890123456789012345678901234567890123456789012345678901234",
	    0 },
	{ "", 0 },
	{ ".", 0 },
	{ "..", 0 },
	{ "a/b", 0 },
	{ "with space", 0 },
	{ "caf\xc3\xa9", 0 },
};

START_TEST(test_dir_valid)
{
	ck_assert_int_eq(registry_dir_valid(dir_tab[_i].s), dir_tab[_i].ok);
}
END_TEST

START_TEST(test_dir_null)
{
	ck_assert_int_eq(registry_dir_valid(NULL), 0);
}
END_TEST

/* ---- The rows ---- */

START_TEST(test_rows)
{
	struct model_row	*m;
	struct upload_row	 u = { .mime = "image/jpeg", .width = 1,
	    .height = 1, .source = UPLOAD_FORM };
	unsigned char		 sha[32];
	char			 version[65], hex[65];
	long long		 id, id2, got, cat0, mod0, cat, mod;
	int			 nodir;
	size_t			 n, i;

	for (i = 0; i < 32; i++) {
		sha[i] = (unsigned char)(0xa0 + i);
		snprintf(hex + 2 * i, 3, "%02x", sha[i]);
	}
	ck_assert_int_eq(db_models_list(db, &m, &n), FF_OK);
	ck_assert_uint_eq(n, 0);
	db_models_free(m, n);
	ck_assert_int_eq(db_change_counts(db, &cat0, &mod0), FF_OK);
	ck_assert_int_ge(cat0, 0);
	ck_assert_int_ge(mod0, 0);

	ck_assert_int_eq(db_model_by_sha(db, sha, &got, &nodir, version),
	    FF_ENOTFOUND);
	ck_assert_int_eq(db_model_register(db, "ff-aaaaaaaaaaaa", sha,
	    1700000000, "{\"face_recall\": 0.5}", &id), FF_OK);
	ck_assert_int_eq(db_model_by_sha(db, sha, &got, &nodir, version),
	    FF_OK);
	ck_assert_int_eq(got, id);
	ck_assert_int_eq(nodir, 1);
	ck_assert_str_eq(version, "ff-aaaaaaaaaaaa");
	ck_assert_int_eq(db_model_set_dir(db, id, "v1"), FF_OK);
	ck_assert_int_eq(db_model_by_sha(db, sha, &got, &nodir, version),
	    FF_OK);
	ck_assert_int_eq(nodir, 0);
	/* Setting the directory is a change the workers see. */
	ck_assert_int_eq(db_change_counts(db, &cat, &mod), FF_OK);
	ck_assert_int_eq(mod, mod0 + 1);
	ck_assert_int_eq(cat, cat0);
	dbtest_exec(db, "UPDATE frames SET active = 1 - active WHERE id = ?",
	    dbtest_int(db, "SELECT MIN(id) FROM frames", 0));
	ck_assert_int_eq(db_change_counts(db, &cat, &mod), FF_OK);
	ck_assert_int_eq(cat, cat0 + 1);
	dbtest_exec(db, "UPDATE frames SET active = 1 - active WHERE id = ?",
	    dbtest_int(db, "SELECT MIN(id) FROM frames", 0));

	sha[0] = 0x01;
	ck_assert_int_eq(db_model_register(db, "ff-bbbbbbbbbbbb", sha,
	    1700003600, NULL, &id2), FF_OK);
	ck_assert_int_eq(db_upload_insert(db, &u, "x", 1), FF_OK);
	ck_assert_int_eq(db_detection_insert(db, u.id, id, NULL, 0, 1.0, NULL),
	    FF_OK);
	ck_assert_int_eq(db_detection_insert(db, u.id, id, NULL, 0, 1.0, NULL),
	    FF_OK);

	ck_assert_int_eq(db_models_list(db, &m, &n), FF_OK);
	ck_assert_uint_eq(n, 2);
	/* Newest first. */
	ck_assert_int_eq(m[0].id, id2);
	ck_assert_int_eq(m[0].has_dir, 0);
	ck_assert_str_eq(m[0].dir, "");
	ck_assert_ptr_null(m[0].metrics);
	ck_assert_int_eq(m[0].detections, 0);
	ck_assert_int_eq(m[1].id, id);
	ck_assert_str_eq(m[1].version, "ff-aaaaaaaaaaaa");
	ck_assert_int_eq(m[1].has_dir, 1);
	ck_assert_str_eq(m[1].dir, "v1");
	ck_assert_str_eq(m[1].sha256, hex);	/* lower case */
	ck_assert_int_eq(m[1].trained_at, 1700000000);
	ck_assert_int_gt(m[1].created, 0);
	ck_assert_int_eq(m[1].active, 0);
	ck_assert_str_eq(m[1].metrics, "{\"face_recall\": 0.5}");
	ck_assert_int_eq(m[1].detections, 2);
	db_models_free(m, n);

	ck_assert_int_eq(db_model_activate(db, id), FF_OK);
	ck_assert_int_eq(db_model_get(db, id, &m), FF_OK);
	ck_assert_int_eq(m->active, 1);
	ck_assert_str_eq(m->version, "ff-aaaaaaaaaaaa");
	db_models_free(m, 1);
	ck_assert_int_eq(db_model_get(db, id2 + 1000, &m), FF_ENOTFOUND);
	ck_assert_ptr_null(m);
}
END_TEST

/* ---- Scanning ---- */

START_TEST(test_scan)
{
	struct model_row	*m;
	struct buf		 log, want;
	char			 path[128];
	FILE			*f;
	int			 added = -1;
	size_t			 n;

	link_model(root);
	snprintf(path, sizeof(path), "%s/metrics.json", root);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("{\"face_recall\": 0.75}\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/alt", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	link_model(path);
	/* Neither holds a model: one lacks files, one has a hidden name. */
	snprintf(path, sizeof(path), "%s/empty", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/.hidden", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	link_model(path);

	buf_init(&log);
	buf_puts(&log, "");
	ck_assert_int_eq(registry_scan(db, root, &added, &log), FF_OK);
	ck_assert_int_eq(added, 1);
	ck_assert_int_eq(db_models_list(db, &m, &n), FF_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(strncmp(m[0].version, "ff-", 3), 0);
	ck_assert_uint_eq(strlen(m[0].version), 15);
	ck_assert_uint_eq(strlen(m[0].sha256), 64);
	ck_assert_int_eq(m[0].has_dir, 1);
	ck_assert_str_eq(m[0].dir, "");
	/* metrics.json, without its line end. */
	ck_assert_str_eq(m[0].metrics, "{\"face_recall\": 0.75}");
	ck_assert_int_gt(m[0].trained_at, 0);
	buf_init(&want);
	buf_printf(&want, "(models directory): %s registered with its "
	    "metrics\nalt: %s, registered already\n", m[0].version,
	    m[0].version);
	ck_assert_str_eq(log.ptr, want.ptr);

	/* Again: nothing new; a row without a directory gets its own. */
	dbtest_exec(db, "UPDATE models SET dir = NULL", 0);
	buf_reset(&log);
	buf_reset(&want);
	ck_assert_int_eq(registry_scan(db, root, &added, &log), FF_OK);
	ck_assert_int_eq(added, 0);
	buf_printf(&want, "(models directory): %s, registered already\n"
	    "alt: %s, registered already\n", m[0].version, m[0].version);
	ck_assert_str_eq(log.ptr, want.ptr);
	ck_assert_int_eq(dbtest_int(db, "SELECT COUNT(*) FROM models WHERE "
	    "dir = ''", 0), 1);
	db_models_free(m, n);
	buf_free(&log);
	buf_free(&want);

	ck_assert_int_eq(registry_scan(db, "/nonexistent/models", NULL, NULL),
	    FF_EIO);
}
END_TEST

/* ---- Opening and following ---- */

START_TEST(test_open)
{
	struct model_row	*m;
	struct detector		*det;
	char			 path[128];
	size_t			 n;

	snprintf(path, sizeof(path), "%s/alt", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	link_model(path);
	ck_assert_int_eq(registry_scan(db, root, NULL, NULL), FF_OK);
	ck_assert_int_eq(db_models_list(db, &m, &n), FF_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(m[0].dir, "alt");
	ck_assert_int_eq(registry_open(root, &m[0], &det), FF_OK);
	ck_assert_str_eq(det_version(det), m[0].version);
	det_close(det);
	/* Not where it was registered, nor under its version: the root. */
	snprintf(m[0].dir, sizeof(m[0].dir), "gone");
	ck_assert_int_eq(registry_open(root, &m[0], &det), FF_EMODEL);
	ck_assert_ptr_null(det);
	/* Another version is not this model. */
	snprintf(m[0].dir, sizeof(m[0].dir), "alt");
	snprintf(m[0].version, sizeof(m[0].version), "ff-000000000000");
	ck_assert_int_eq(registry_open(root, &m[0], &det), FF_EMODEL);
	db_models_free(m, n);
}
END_TEST

START_TEST(test_sync)
{
	struct tryon_app	 a;
	struct model_row	*m;
	long long		 fid;
	size_t			 n, nframes, i;

	link_model(root);
	ck_assert_int_eq(registry_scan(db, root, NULL, NULL), FF_OK);
	ck_assert_int_eq(db_models_list(db, &m, &n), FF_OK);
	ck_assert_uint_eq(n, 1);
	memset(&a, 0, sizeof(a));
	a.db = db;
	a.models = root;
	ck_assert_int_eq(app_catalog_refresh(&a), FF_OK);
	nframes = a.nframes;

	/* No active model: the worker keeps none, and loads nothing. */
	registry_poke();
	registry_sync(&a);
	ck_assert_ptr_null(a.det);
	ck_assert_int_eq(a.model_id, 0);

	/* Activated: the next look loads it and records its id. */
	ck_assert_int_eq(db_model_activate(db, m[0].id), FF_OK);
	registry_poke();
	registry_sync(&a);
	ck_assert_ptr_nonnull(a.det);
	ck_assert_str_eq(det_version(a.det), m[0].version);
	ck_assert_int_eq(a.model_id, m[0].id);
	ck_assert_int_eq(a.model_looked_up, 1);

	/* A frame retired by anyone: the catalog cache follows. */
	fid = dbtest_int(db, "SELECT MIN(id) FROM frames WHERE active = 1", 0);
	dbtest_exec(db, "UPDATE frames SET active = 0 WHERE id = ?", fid);
	registry_poke();
	registry_sync(&a);
	ck_assert_uint_eq(a.nframes, nframes - 1);
	dbtest_exec(db, "UPDATE frames SET active = 1 WHERE id = ?", fid);
	registry_poke();
	registry_sync(&a);
	ck_assert_uint_eq(a.nframes, nframes);

	det_close(a.det);
	/* What app_close() frees of the catalog cache (the app is ours). */
	if (a.thumbs != NULL)
		for (i = 0; i < a.nframes; i++)
			free(a.thumbs[i].p);
	free(a.thumbs);
	catalog_free(a.frames, a.nframes);
	db_models_free(m, n);
}
END_TEST

static Suite *
registry_suite(void)
{
	Suite	*s = suite_create("registry");
	TCase	*tc;

	tc = tcase_create("names");
	tcase_add_loop_test(tc, test_dir_valid, 0,
	    sizeof(dir_tab) / sizeof(dir_tab[0]));
	tcase_add_test(tc, test_dir_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("registry");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rows);
	tcase_add_test(tc, test_scan);
	tcase_add_test(tc, test_open);
	tcase_add_test(tc, test_sync);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return dbtest_run("framefit_registry_test", registry_suite());
}
