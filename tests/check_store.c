/*
 * check_store.c: src/store against a real, private MariaDB.
 *
 * main() starts the server with scripts/db.sh (a no-op when it runs) and
 * recreates the database framefit_test (FF_TEST_DB_NAME overrides), so
 * every run starts from an empty schema. The test cases run in order and
 * build on each other's rows only where said; each opens its own
 * connection (Check forks every test).
 *
 * The last case stops and restarts the server: do not run it beside other
 * tests that use the same server.
 */
#define _GNU_SOURCE		/* close_range(2) */
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gd.h>

#include "core/err.h"
#include "dbtest.h"
#include "store/catalog.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/records.h"

#define SQLDIR	FF_DATADIR "/sql"

static const char	*test_db = "framefit_test";
static struct db	*db;		/* the fixture's connection */

static struct db *
open_test_db(void)
{
	enum ff_err	 er = FF_OK;
	struct db	*d;

	d = db_open(NULL, test_db, &er);
	ck_assert_msg(d != NULL, "db_open(%s): %s", test_db, ff_strerror(er));
	return d;
}

static long long
count(struct db *d, const char *sql, long long arg)
{
	struct db_arg	a = DB_INT(arg);
	long long	n = -1;
	enum ff_err	er;

	er = db_query_int(d, sql, &a, strchr(sql, '?') ? 1 : 0, &n);
	ck_assert_msg(er == FF_OK, "%s: %s", sql, ff_strerror(er));
	return n;
}

/* The migrations in sql/, by the same rule as migrate.c. */
static int
sql_files(long long *maxver)
{
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	*maxver = 0;
	ck_assert_ptr_nonnull(d = opendir(SQLDIR));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		long long v;
		char *end;

		if (len < 8 || strcmp(de->d_name + len - 4, ".sql") != 0)
			continue;
		v = strtoll(de->d_name, &end, 10);
		if (end - de->d_name < 3 || *end != '_')
			continue;
		if (v > *maxver)
			*maxver = v;
		n++;
	}
	closedir(d);
	return n;
}

/* The fixture: a connection to an up-to-date schema. */
static void
setup(void)
{
	enum ff_err er;

	db = open_test_db();
	er = db_migrate(db, SQLDIR, NULL);
	ck_assert_msg(er == FF_OK, "db_migrate: %s", ff_strerror(er));
}

static void
teardown(void)
{
	db_close(db);
	db = NULL;
}

/* --- migrations ------------------------------------------------------ */

START_TEST(test_migrate_fresh)
{
	struct db	*d = open_test_db();
	long long	 ver, maxver;
	int		 applied = -1, nfiles;
	enum ff_err	 er;

	nfiles = sql_files(&maxver);
	ck_assert_int_ge(nfiles, 2);
	ck_assert_int_eq(db_schema_version(d, &ver), FF_OK);
	ck_assert_int_eq(ver, 0);

	er = db_migrate(d, SQLDIR, &applied);
	ck_assert_msg(er == FF_OK, "db_migrate: %s", ff_strerror(er));
	ck_assert_int_eq(applied, nfiles);
	ck_assert_int_eq(db_schema_version(d, &ver), FF_OK);
	ck_assert_int_eq(ver, maxver);
	ck_assert_int_eq(count(d, "SELECT COUNT(*) FROM schema_version", 0),
	    nfiles);
	ck_assert_int_eq(count(d, "SELECT COUNT(*) FROM schema_version WHERE "
	    "applied_at IS NULL OR name NOT LIKE '%.sql'", 0), 0);

	/* Idempotent: nothing left to do, nothing recorded twice. */
	applied = -1;
	ck_assert_int_eq(db_migrate(d, SQLDIR, &applied), FF_OK);
	ck_assert_int_eq(applied, 0);
	ck_assert_int_eq(count(d, "SELECT COUNT(*) FROM schema_version", 0),
	    nfiles);
	db_close(d);
}
END_TEST

START_TEST(test_migrate_tables)
{
	static const struct {
		const char	*table;
		const char	*engine;
	} want[] = {
		{ "schema_version", "InnoDB" },
		{ "frames", "InnoDB" },
		{ "uploads", "InnoDB" },
		{ "models", "InnoDB" },
		{ "detections", "InnoDB" },
		{ "detection_faces", "InnoDB" },
		{ "tryons", "InnoDB" },
		{ "clicks", "InnoDB" },
		{ "live_counters", "MEMORY" },
		{ "hourly_rollups", "InnoDB" },
		{ "api_keys", "InnoDB" },
		{ "purge_runs", "InnoDB" },
	};
	struct db_rows	*r;
	struct db_arg	 arg;
	size_t		 i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		arg = DB_TEXT(want[i].table);
		ck_assert_int_eq(db_query(db, "SELECT engine, table_collation "
		    "FROM information_schema.tables WHERE table_schema = "
		    "DATABASE() AND table_name = ?", &arg, 1, &r), FF_OK);
		ck_assert_msg(db_rows_next(r) == 1, "no table %s",
		    want[i].table);
		ck_assert_str_eq(db_col_text(r, 0, NULL), want[i].engine);
		db_rows_free(r);
	}
	/* Every text column of the user-facing tables is utf8mb4. */
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM "
	    "information_schema.columns WHERE table_schema = DATABASE() AND "
	    "table_name IN ('frames', 'api_keys') AND column_name IN ('name', "
	    "'brand') AND character_set_name <> 'utf8mb4'", 0), 0);
}
END_TEST

/* A file the server rejects fails the migration and is not recorded. */
START_TEST(test_migrate_bad_file)
{
	char		 dir[] = "/tmp/check_store_sqlXXXXXX";
	char		 path[256];
	long long	 maxver, ver;
	int		 applied = -1;
	FILE		*f;

	sql_files(&maxver);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%03lld_broken.sql", dir, maxver + 1);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	/* A seed-like DML file: its first row must not survive. */
	fputs("INSERT INTO purge_runs (uploads_removed) VALUES (7);\n"
	    "INSERT INTO no_such_table VALUES (1);\n", f);
	fclose(f);
	ck_assert_int_eq(db_migrate(db, dir, &applied), FF_EDB);
	ck_assert_int_eq(applied, 0);
	ck_assert_int_eq(db_schema_version(db, &ver), FF_OK);
	ck_assert_int_eq(ver, maxver);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM purge_runs WHERE "
	    "uploads_removed = 7", 0), 0);

	/* Two files with one version are refused before anything runs. */
	unlink(path);
	snprintf(path, sizeof(path), "%s/%03lld_a.sql", dir, maxver + 1);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	snprintf(path, sizeof(path), "%s/%04lld_b.sql", dir, maxver + 1);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	ck_assert_int_eq(db_migrate(db, dir, &applied), FF_ECONFIG);
	ck_assert_int_eq(applied, 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%03lld_a.sql", dir, maxver + 1);
	unlink(path);
	rmdir(dir);

	ck_assert_int_eq(db_migrate(db, "/nonexistent/sql", &applied), FF_EIO);
}
END_TEST

/* --- catalog ---------------------------------------------------------- */

START_TEST(test_seed)
{
	struct frame	*fr;
	size_t		 n, i, j;
	int		 styles[FRAME_STYLE__MAX] = { 0 }, nstyles = 0;
	char		 url[128];

	ck_assert_int_eq(catalog_load(db, 0, &fr, &n), FF_OK);
	ck_assert_uint_ge(n, 12);
	for (i = 0; i < n; i++) {
		const struct frame *f = &fr[i];

		ck_assert_int_gt(f->id, 0);
		ck_assert_int_eq(f->active, 1);
		ck_assert_int_ge(f->style, 0);
		ck_assert_int_lt(f->style, FRAME_STYLE__MAX);
		if (styles[f->style]++ == 0)
			nstyles++;
		ck_assert_msg(f->lens_width_mm >= 46 && f->lens_width_mm <= 60,
		    "%s lens %g", f->sku, f->lens_width_mm);
		ck_assert_msg(f->bridge_mm >= 14 && f->bridge_mm <= 22,
		    "%s bridge %g", f->sku, f->bridge_mm);
		ck_assert_msg(f->total_width_mm >= 128 &&
		    f->total_width_mm <= 150, "%s total %g", f->sku,
		    f->total_width_mm);
		/* The front is at least two lenses and the bridge wide. */
		ck_assert_msg(f->total_width_mm > 2 * f->lens_width_mm +
		    f->bridge_mm, "%s too narrow", f->sku);
		ck_assert_msg(f->lens_height_mm > 20 &&
		    f->lens_height_mm < f->lens_width_mm, "%s height", f->sku);
		ck_assert_uint_le(f->rim_rgb, 0xFFFFFF);
		ck_assert(f->tint_opacity >= 0 && f->tint_opacity <= 1);
		ck_assert_int_gt(f->price_cents, 0);
		ck_assert(f->name[0] != '\0' && f->brand[0] != '\0');
		snprintf(url, sizeof(url), "https://shop.example/frames/%s",
		    f->sku);
		ck_assert_str_eq(f->product_url, url);
		ck_assert_ptr_null(f->artwork);
		ck_assert_int_eq(catalog_validate(f), FF_OK);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(fr[j].sku, f->sku);
		/* Rimless frames have no rim; the others have one. */
		if (f->style == FRAME_RIMLESS)
			ck_assert(f->rim_mm == 0);
		else
			ck_assert(f->rim_mm > 0);
	}
	ck_assert_int_ge(nstyles, 5);
	ck_assert_int_eq(nstyles, FRAME_STYLE__MAX);
	catalog_free(fr, n);
}
END_TEST

/* One seeded frame, read back exactly. */
START_TEST(test_seed_exact)
{
	struct frame f;

	ck_assert_int_eq(catalog_get(db, "FF-AVI-5814-GLD", &f), FF_OK);
	ck_assert_str_eq(f.name, "Skyline Aviator");
	ck_assert_str_eq(f.brand, "Northlight Optical");
	ck_assert_int_eq(f.style, FRAME_AVIATOR);
	ck_assert_uint_eq(f.rim_rgb, 0xC9A94E);
	ck_assert_uint_eq(f.tint_rgb, 0x3F4A34);
	ck_assert_double_eq_tol(f.rim_mm, 1.10, 1e-9);
	ck_assert_double_eq_tol(f.tint_opacity, 0.80, 1e-9);
	ck_assert_double_eq_tol(f.lens_width_mm, 58.0, 1e-9);
	ck_assert_double_eq_tol(f.lens_height_mm, 50.0, 1e-9);
	ck_assert_double_eq_tol(f.bridge_mm, 14.0, 1e-9);
	ck_assert_double_eq_tol(f.total_width_mm, 140.0, 1e-9);
	ck_assert_int_eq(f.price_cents, 15900);
	catalog_frame_clear(&f);
	/* The schema's 'cateye' reads as FRAME_CATEYE. */
	ck_assert_int_eq(catalog_get(db, "FF-CAT-5218-BRG", &f), FF_OK);
	ck_assert_int_eq(f.style, FRAME_CATEYE);
	catalog_frame_clear(&f);
	ck_assert_int_eq(catalog_get(db, "NO-SUCH-SKU", &f), FF_ENOTFOUND);
	ck_assert_int_eq(catalog_get(db, "", &f), FF_ENOTFOUND);
}
END_TEST

static struct frame
sample_frame(const char *sku)
{
	struct frame f;

	memset(&f, 0, sizeof(f));
	snprintf(f.sku, sizeof(f.sku), "%s", sku);
	snprintf(f.name, sizeof(f.name), "Café Nördlich");	/* UTF-8 */
	snprintf(f.brand, sizeof(f.brand), "Test & Söhne");
	f.style = FRAME_BROWLINE;
	f.rim_rgb = 0x123456;
	f.rim_mm = 4.25;
	f.tint_rgb = 0xABCDEF;
	f.tint_opacity = 0.35;
	f.lens_width_mm = 51.5;
	f.lens_height_mm = 40.5;
	f.bridge_mm = 19.5;
	f.total_width_mm = 139.5;
	f.price_cents = 12345;
	f.active = 1;
	snprintf(f.product_url, sizeof(f.product_url),
	    "https://shop.example/frames/%s", sku);
	return f;
}

static void
assert_frame_eq(const struct frame *a, const struct frame *b)
{
	ck_assert_int_eq(a->id, b->id);
	ck_assert_str_eq(a->sku, b->sku);
	ck_assert_str_eq(a->name, b->name);
	ck_assert_str_eq(a->brand, b->brand);
	ck_assert_int_eq(a->style, b->style);
	ck_assert_uint_eq(a->rim_rgb, b->rim_rgb);
	ck_assert_uint_eq(a->tint_rgb, b->tint_rgb);
	ck_assert_double_eq_tol(a->rim_mm, b->rim_mm, 1e-9);
	ck_assert_double_eq_tol(a->tint_opacity, b->tint_opacity, 1e-9);
	ck_assert_double_eq_tol(a->lens_width_mm, b->lens_width_mm, 1e-9);
	ck_assert_double_eq_tol(a->lens_height_mm, b->lens_height_mm, 1e-9);
	ck_assert_double_eq_tol(a->bridge_mm, b->bridge_mm, 1e-9);
	ck_assert_double_eq_tol(a->total_width_mm, b->total_width_mm, 1e-9);
	ck_assert_int_eq(a->price_cents, b->price_cents);
	ck_assert_int_eq(a->active, b->active);
	ck_assert_str_eq(a->product_url, b->product_url);
}

START_TEST(test_frame_crud)
{
	struct frame	 f = sample_frame("T-CRUD-1"), g, *all;
	size_t		 n_active, n_all, n2, i;
	int		 seen;

	ck_assert_int_eq(catalog_load(db, 0, &all, &n_active), FF_OK);
	catalog_free(all, n_active);

	ck_assert_int_eq(catalog_insert(db, &f), FF_OK);
	ck_assert_int_gt(f.id, 0);
	ck_assert_int_eq(catalog_get(db, "T-CRUD-1", &g), FF_OK);
	assert_frame_eq(&g, &f);
	/* SKUs compare case-insensitively, like the UNIQUE key. */
	ck_assert_int_eq(catalog_get(db, "t-crud-1", &g), FF_OK);
	ck_assert_int_eq(g.id, f.id);

	/* A second frame with the same SKU is the caller's mistake. */
	g = sample_frame("T-CRUD-1");
	ck_assert_int_eq(catalog_insert(db, &g), FF_EINPUT);
	ck_assert_int_eq(g.id, 0);

	/* Update every field, then an update that changes nothing. */
	f.style = FRAME_ROUND;
	snprintf(f.name, sizeof(f.name), "Renamed");
	f.price_cents = 9900;
	f.bridge_mm = 21.0;
	f.tint_opacity = 0;
	ck_assert_int_eq(catalog_update(db, &f), FF_OK);
	ck_assert_int_eq(catalog_update(db, &f), FF_OK);
	ck_assert_int_eq(catalog_get(db, "T-CRUD-1", &g), FF_OK);
	assert_frame_eq(&g, &f);
	g.id = 99999999;
	ck_assert_int_eq(catalog_update(db, &g), FF_ENOTFOUND);

	/* Retire: gone from the active list, still there by SKU. */
	ck_assert_int_eq(catalog_retire(db, "T-CRUD-1"), FF_OK);
	ck_assert_int_eq(catalog_get(db, "T-CRUD-1", &g), FF_OK);
	ck_assert_int_eq(g.active, 0);
	ck_assert_int_eq(catalog_retire(db, "NO-SUCH"), FF_ENOTFOUND);
	ck_assert_int_eq(catalog_load(db, 0, &all, &n2), FF_OK);
	ck_assert_uint_eq(n2, n_active);
	for (i = 0; i < n2; i++)
		ck_assert_str_ne(all[i].sku, "T-CRUD-1");
	catalog_free(all, n2);
	ck_assert_int_eq(catalog_load(db, 1, &all, &n_all), FF_OK);
	ck_assert_uint_eq(n_all, n_active + 1);
	for (i = 0, seen = 0; i < n_all; i++)
		seen += strcmp(all[i].sku, "T-CRUD-1") == 0;
	ck_assert_int_eq(seen, 1);
	catalog_free(all, n_all);
}
END_TEST

/* SKUs the schema refuses; catalog_insert says so before the server. */
static const char *const bad_sku[] = {
	"", "has space", "semi;colon", "Ä-utf8", "under_score",
};

START_TEST(test_frame_bad_sku)
{
	struct frame f = sample_frame("T-INVALID");

	snprintf(f.sku, sizeof(f.sku), "%s", bad_sku[_i]);
	ck_assert_int_eq(catalog_validate(&f), FF_EINPUT);
	ck_assert_int_eq(catalog_insert(db, &f), FF_EINPUT);
	ck_assert_int_eq(f.id, 0);
	/* 33 characters and no NUL: must not be read past the array. */
	memset(f.sku, 'A', sizeof(f.sku));
	ck_assert_int_eq(catalog_validate(&f), FF_EINPUT);
}
END_TEST

enum spoil {
	SP_NAME_EMPTY, SP_BRAND_EMPTY, SP_STYLE, SP_STYLE_NEG, SP_RIM_RGB,
	SP_TINT_RGB, SP_RIM_MM, SP_OPACITY, SP_OPACITY_NAN, SP_LENS, SP_HEIGHT,
	SP_BRIDGE, SP_TOTAL, SP_PRICE, SP_URL_SCHEME, SP_URL_SPACE, SP_OK
};

static const struct {
	enum spoil	how;
	enum ff_err	want;
} spoil_tab[] = {
	{ SP_NAME_EMPTY, FF_EINPUT }, { SP_BRAND_EMPTY, FF_EINPUT },
	{ SP_STYLE, FF_EINPUT }, { SP_STYLE_NEG, FF_EINPUT },
	{ SP_RIM_RGB, FF_EINPUT }, { SP_TINT_RGB, FF_EINPUT },
	{ SP_RIM_MM, FF_EINPUT }, { SP_OPACITY, FF_EINPUT },
	{ SP_OPACITY_NAN, FF_EINPUT }, { SP_LENS, FF_EINPUT },
	{ SP_HEIGHT, FF_EINPUT }, { SP_BRIDGE, FF_EINPUT },
	{ SP_TOTAL, FF_EINPUT }, { SP_PRICE, FF_EINPUT },
	{ SP_URL_SCHEME, FF_EINPUT }, { SP_URL_SPACE, FF_EINPUT },
	{ SP_OK, FF_OK },
};

START_TEST(test_frame_validate)
{
	struct frame	f = sample_frame("T-VALID");

	switch (spoil_tab[_i].how) {
	case SP_NAME_EMPTY:	f.name[0] = '\0'; break;
	case SP_BRAND_EMPTY:	f.brand[0] = '\0'; break;
	case SP_STYLE:		f.style = FRAME_STYLE__MAX; break;
	case SP_STYLE_NEG:	f.style = (enum frame_style)-1; break;
	case SP_RIM_RGB:	f.rim_rgb = 0x1000000; break;
	case SP_TINT_RGB:	f.tint_rgb = 0xFFFFFFFF; break;
	case SP_RIM_MM:		f.rim_mm = -0.5; break;
	case SP_OPACITY:	f.tint_opacity = 1.5; break;
	case SP_OPACITY_NAN:	f.tint_opacity = NAN; break;
	case SP_LENS:		f.lens_width_mm = 0; break;
	case SP_HEIGHT:		f.lens_height_mm = 500; break;
	case SP_BRIDGE:		f.bridge_mm = 2; break;
	case SP_TOTAL:		f.total_width_mm = 1000; break;
	case SP_PRICE:		f.price_cents = -1; break;
	case SP_URL_SCHEME:
		snprintf(f.product_url, sizeof(f.product_url), "javascript:x");
		break;
	case SP_URL_SPACE:
		snprintf(f.product_url, sizeof(f.product_url),
		    "https://shop.example/a b");
		break;
	case SP_OK:
		break;
	}
	ck_assert_int_eq(catalog_validate(&f), spoil_tab[_i].want);
	if (spoil_tab[_i].want != FF_OK)
		ck_assert_int_eq(catalog_insert(db, &f), spoil_tab[_i].want);
}
END_TEST

static void *
make_png(int w, int h, int *len)
{
	gdImagePtr	 im = gdImageCreateTrueColor(w, h);
	void		*png;

	gdImageSaveAlpha(im, 1);
	gdImageAlphaBlending(im, 0);	/* store the pixel, do not blend it */
	gdImageFilledRectangle(im, 0, 0, w - 1, h - 1,
	    gdTrueColorAlpha(200, 10, 20, 40));
	png = gdImagePngPtr(im, len);
	gdImageDestroy(im);
	return png;
}

START_TEST(test_frame_artwork)
{
	struct frame	 f = sample_frame("T-ART-1"), g, *all;
	void		*png;
	int		 len, c;
	size_t		 n, i, found = 0;

	ck_assert_int_eq(catalog_insert(db, &f), FF_OK);
	ck_assert_ptr_nonnull(png = make_png(6, 3, &len));
	ck_assert_int_eq(catalog_set_artwork(db, f.id, png, (size_t)len), FF_OK);
	ck_assert_int_eq(catalog_set_artwork(db, 99999999, png, (size_t)len),
	    FF_ENOTFOUND);
	ck_assert_int_eq(catalog_set_artwork(db, f.id, "not a png", 9),
	    FF_EINPUT);
	gdFree(png);

	ck_assert_int_eq(catalog_get(db, "T-ART-1", &g), FF_OK);
	ck_assert_ptr_nonnull(g.artwork);
	ck_assert_int_eq(gdImageSX(g.artwork), 6);
	ck_assert_int_eq(gdImageSY(g.artwork), 3);
	c = gdImageGetTrueColorPixel(g.artwork, 5, 2);
	ck_assert_int_eq(gdTrueColorGetRed(c), 200);
	ck_assert_int_eq(gdTrueColorGetAlpha(c), 40);
	catalog_frame_clear(&g);
	ck_assert_ptr_null(g.artwork);

	ck_assert_int_eq(catalog_load(db, 0, &all, &n), FF_OK);
	for (i = 0; i < n; i++)
		if (all[i].artwork != NULL) {
			ck_assert_str_eq(all[i].sku, "T-ART-1");
			found++;
		}
	ck_assert_uint_eq(found, 1);
	catalog_free(all, n);

	ck_assert_int_eq(catalog_set_artwork(db, f.id, NULL, 0), FF_OK);
	ck_assert_int_eq(catalog_get(db, "T-ART-1", &g), FF_OK);
	ck_assert_ptr_null(g.artwork);
}
END_TEST

/* --- uploads, detections, try-ons ------------------------------------ */

static long long
new_upload(struct upload_row *u, size_t len)
{
	unsigned char	*bytes = malloc(len);
	size_t		 i;
	enum ff_err	 er;

	for (i = 0; i < len; i++)
		bytes[i] = (unsigned char)(i * 7 + 3);	/* NULs included */
	memset(u, 0, sizeof(*u));
	for (i = 0; i < sizeof(u->sha256); i++)
		u->sha256[i] = (unsigned char)(0xA0 + i);
	snprintf(u->mime, sizeof(u->mime), "image/jpeg");
	u->width = 640;
	u->height = 480;
	u->source = UPLOAD_WEBCAM;
	er = db_upload_insert(db, u, bytes, len);
	free(bytes);
	ck_assert_msg(er == FF_OK, "upload: %s", ff_strerror(er));
	ck_assert_int_gt(u->id, 0);
	return u->id;
}

static long long
frame_id(const char *sku)
{
	struct frame f;

	ck_assert_int_eq(catalog_get(db, sku, &f), FF_OK);
	catalog_frame_clear(&f);
	return f.id;
}

START_TEST(test_token)
{
	char	a[UPLOAD_TOKEN_LEN + 1], b[UPLOAD_TOKEN_LEN + 1];

	ck_assert_int_eq(upload_token_new(a), FF_OK);
	ck_assert_int_eq(upload_token_new(b), FF_OK);
	ck_assert_uint_eq(strlen(a), 32);
	ck_assert(upload_token_valid(a));
	ck_assert_str_ne(a, b);
	ck_assert(!upload_token_valid("short"));
	ck_assert(!upload_token_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+"));
	ck_assert(!upload_token_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	ck_assert(upload_token_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-_"));
	ck_assert(!upload_token_valid(NULL));
}
END_TEST

START_TEST(test_upload_roundtrip)
{
	struct upload_row	 u, g;
	void			*bytes;
	const size_t		 len = 300000;	/* several packets */
	size_t			 i;
	time_t			 now = time(NULL);
	char			 lower[UPLOAD_TOKEN_LEN + 1];

	new_upload(&u, len);
	ck_assert(upload_token_valid(u.token));
	ck_assert_int_eq(u.expires - u.created, UPLOAD_TTL_S);

	ck_assert_int_eq(db_upload_get(db, u.token, &g, &bytes), FF_OK);
	ck_assert_int_eq(g.id, u.id);
	ck_assert_str_eq(g.token, u.token);
	ck_assert_mem_eq(g.sha256, u.sha256, 32);
	ck_assert_str_eq(g.mime, "image/jpeg");
	ck_assert_int_eq(g.width, 640);
	ck_assert_int_eq(g.height, 480);
	ck_assert_int_eq(g.source, UPLOAD_WEBCAM);
	ck_assert_uint_eq(g.len, len);
	ck_assert(llabs(g.created - now) <= 5);
	ck_assert_int_eq(g.expires, u.expires);
	for (i = 0; i < len; i++)
		if (((unsigned char *)bytes)[i] != (unsigned char)(i * 7 + 3))
			ck_abort_msg("byte %zu differs", i);
	free(bytes);

	/* Metadata only. */
	ck_assert_int_eq(db_upload_get(db, u.token, &g, NULL), FF_OK);
	ck_assert_uint_eq(g.len, len);

	/* Tokens are case-sensitive: a changed case is another token. */
	memcpy(lower, u.token, sizeof(lower));
	for (i = 0; i < UPLOAD_TOKEN_LEN; i++)
		if (lower[i] >= 'A' && lower[i] <= 'Z') {
			lower[i] += 'a' - 'A';
			break;
		} else if (lower[i] >= 'a' && lower[i] <= 'z') {
			lower[i] -= 'a' - 'A';
			break;
		}
	ck_assert_int_eq(db_upload_get(db, lower, &g, NULL), FF_ENOTFOUND);
	ck_assert_int_eq(db_upload_get(db, "../etc/passwd", &g, NULL),
	    FF_ENOTFOUND);
}
END_TEST

START_TEST(test_upload_invalid)
{
	struct upload_row u;

	memset(&u, 0, sizeof(u));
	snprintf(u.mime, sizeof(u.mime), "image/png");
	u.width = u.height = 10;
	ck_assert_int_eq(db_upload_insert(db, &u, NULL, 0), FF_EINPUT);
	u.width = 0;
	ck_assert_int_eq(db_upload_insert(db, &u, "x", 1), FF_EINPUT);
	u.width = 10;
	u.source = UPLOAD_SOURCE__MAX;
	ck_assert_int_eq(db_upload_insert(db, &u, "x", 1), FF_EINPUT);
	u.source = UPLOAD_API;
	snprintf(u.token, sizeof(u.token), "not a token");
	ck_assert_int_eq(db_upload_insert(db, &u, "x", 1), FF_EINPUT);
	/* A caller-chosen token that exists already. */
	u.token[0] = '\0';
	ck_assert_int_eq(db_upload_insert(db, &u, "x", 1), FF_OK);
	u.id = 0;
	ck_assert_int_eq(db_upload_insert(db, &u, "y", 1), FF_EINPUT);
	ck_assert_int_eq(u.id, 0);
}
END_TEST

START_TEST(test_upload_expired)
{
	struct upload_row u, g;

	memset(&u, 0, sizeof(u));
	snprintf(u.mime, sizeof(u.mime), "image/png");
	u.width = u.height = 10;
	u.source = UPLOAD_BATCH;
	u.expires = (long long)time(NULL) - 10;
	ck_assert_int_eq(db_upload_insert(db, &u, "x", 1), FF_OK);
	ck_assert_int_eq(db_upload_get(db, u.token, &g, NULL), FF_ENOTFOUND);
	ck_assert_int_eq(g.id, 0);
	/* It is still there to be purged or deleted. */
	ck_assert_int_eq(db_upload_delete(db, u.token), FF_OK);
}
END_TEST

START_TEST(test_detection_tryon)
{
	struct upload_row	 u;
	struct det_face		 faces[2] = {
		{ 0.97f, { 100, 80, 220, 240 }, { 150, 170 }, { 260, 172 } },
		{ 0.51f, { 400, 90, 120, 130 }, { 430, 140 }, { 485, 141.5f } },
	};
	struct tryon_timing	 t = { 12.5, 80.25, 30.0, 4.5 };
	struct db_rows		*r;
	struct db_arg		 arg;
	long long		 det, model, tryon, fid = frame_id("FF-RND-4721-TOR");
	unsigned char		 sha[32] = { 1, 2, 3 };

	new_upload(&u, 1000);
	ck_assert_int_eq(db_model_register(db, "test-detect-1", sha, 1700000000,
	    "{\"iou\": 0.81}", &model), FF_OK);
	ck_assert_int_eq(db_detection_insert(db, u.id, model, faces, 2, 95.5,
	    &det), FF_OK);
	ck_assert_int_gt(det, 0);
	ck_assert_int_eq(count(db, "SELECT faces FROM detections WHERE id = ?",
	    det), 2);

	arg = DB_INT(det);
	ck_assert_int_eq(db_query(db, "SELECT idx, score, box_x, box_y, box_w, "
	    "box_h, left_eye_x, left_eye_y, right_eye_x, right_eye_y, "
	    "(SELECT model_id FROM detections WHERE id = detection_id), "
	    "(SELECT ms FROM detections WHERE id = detection_id) "
	    "FROM detection_faces WHERE detection_id = ? ORDER BY idx",
	    &arg, 1, &r), FF_OK);
	ck_assert_uint_eq(db_rows_count(r), 2);
	ck_assert_uint_eq(db_rows_columns(r), 12);
	ck_assert_int_eq(db_rows_next(r), 1);
	ck_assert_int_eq(db_col_int(r, 0), 0);
	ck_assert_float_eq_tol(db_col_double(r, 1), 0.97, 1e-6);
	ck_assert_float_eq_tol(db_col_double(r, 4), 220, 1e-6);
	ck_assert_float_eq_tol(db_col_double(r, 7), 170, 1e-6);
	ck_assert_int_eq(db_col_int(r, 10), model);
	ck_assert_double_eq_tol(db_col_double(r, 11), 95.5, 1e-9);
	ck_assert_int_eq(db_rows_next(r), 1);
	ck_assert_int_eq(db_col_int(r, 0), 1);
	ck_assert_float_eq_tol(db_col_double(r, 9), 141.5, 1e-6);
	ck_assert_int_eq(db_rows_next(r), 0);
	db_rows_free(r);

	/* No faces, no model: still a detection row. */
	ck_assert_int_eq(db_detection_insert(db, u.id, 0, NULL, 0, 40, &det),
	    FF_OK);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM detections WHERE id = ? "
	    "AND model_id IS NULL AND faces = 0", det), 1);

	ck_assert_int_eq(db_tryon_record(db, u.id, fid, &t, &tryon), FF_OK);
	ck_assert_int_gt(tryon, 0);
	arg = DB_INT(tryon);
	ck_assert_int_eq(db_query(db, "SELECT upload_id, frame_id, decode_ms, "
	    "detect_ms, render_ms, store_ms FROM tryons WHERE id = ?", &arg, 1,
	    &r), FF_OK);
	ck_assert_int_eq(db_rows_next(r), 1);
	ck_assert_int_eq(db_col_int(r, 0), u.id);
	ck_assert_int_eq(db_col_int(r, 1), fid);
	ck_assert_double_eq(db_col_double(r, 2), 12.5);
	ck_assert_double_eq(db_col_double(r, 3), 80.25);
	ck_assert_double_eq(db_col_double(r, 4), 30.0);
	ck_assert_double_eq(db_col_double(r, 5), 4.5);
	db_rows_free(r);

	/* Bad input never reaches the server. */
	faces[1].box[2] = NAN;
	ck_assert_int_eq(db_detection_insert(db, u.id, 0, faces, 2, 1, NULL),
	    FF_EINPUT);
	ck_assert_int_eq(db_tryon_record(db, 0, fid, NULL, NULL), FF_EINPUT);
}
END_TEST

/*
 * db_tryon_store: the photo, its detection and its try-on together or
 * not at all. Each row: how many faces, which frame (NULL: none; "?": one
 * that does not exist, so the try-on row fails its foreign key after the
 * other two were written), the answer, and the rows left behind.
 */
START_TEST(test_tryon_store)
{
	static const struct {
		int		 faces;
		const char	*sku;
		enum ff_err	 er;
		long long	 uploads, detections, tryons;
	} tab[] = {
		{ 2, "FF-RND-4721-TOR", FF_OK, 1, 1, 1 },
		{ 0, NULL, FF_OK, 1, 1, 0 },		/* no face: no try-on */
		{ 1, NULL, FF_OK, 1, 1, 0 },		/* the API's detect */
		{ 0, "FF-RND-4721-TOR", FF_OK, 1, 1, 0 },	/* no face, no try-on */
		{ 1, "?", FF_EINPUT, 0, 0, 0 },		/* fails last: nothing */
		{ 3, "FF-RND-4721-TOR", FF_EINPUT, 0, 0, 0 },	/* a NaN face */
	};
	struct det_face		 faces[3] = {
		{ 0.97f, { 100, 80, 220, 240 }, { 150, 170 }, { 260, 172 } },
		{ 0.51f, { 400, 90, 120, 130 }, { 430, 140 }, { 485, 141.5f } },
		{ 0.5f, { NAN, 1, 1, 1 }, { 1, 1 }, { 1, 1 } },
	};
	struct tryon_timing	 t = { 12.5, 80.25, 0, 4.5 };
	struct upload_row	 u;
	unsigned char		 bytes[100];
	long long		 fid, up0, n;
	size_t			 i;
	enum ff_err		 er;

	memset(bytes, 0x5a, sizeof(bytes));
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		memset(&u, 0, sizeof(u));
		snprintf(u.mime, sizeof(u.mime), "image/jpeg");
		u.width = 10;
		u.height = 10;
		u.source = UPLOAD_FORM;
		fid = tab[i].sku == NULL ? 0 : strcmp(tab[i].sku, "?") == 0 ?
		    99999999 : frame_id(tab[i].sku);
		up0 = count(db, "SELECT COALESCE(MAX(id), 0) FROM uploads", 0);
		er = db_tryon_store(db, &u, bytes, sizeof(bytes), 0, faces,
		    (size_t)tab[i].faces, 33.5, fid, &t);
		ck_assert_msg(er == tab[i].er, "row %zu: %s", i, ff_strerror(er));
		ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM uploads WHERE "
		    "id > ?", up0), tab[i].uploads);
		ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM detections "
		    "WHERE upload_id > ?", up0), tab[i].detections);
		ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM tryons WHERE "
		    "upload_id > ?", up0), tab[i].tryons);
		if (er != FF_OK)
			continue;
		ck_assert_int_gt(u.id, up0);
		ck_assert(upload_token_valid(u.token));
		ck_assert_int_eq(count(db, "SELECT faces FROM detections WHERE "
		    "upload_id = ?", u.id), tab[i].faces);
		if (tab[i].tryons == 0)
			continue;
		/* store_ms: the caller's 4.5 plus the time spent storing. */
		ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM tryons WHERE "
		    "upload_id = ? AND decode_ms = 12.5 AND detect_ms = 80.25 "
		    "AND store_ms >= 4.5 AND store_ms < 5000", u.id), 1);
	}
	/* The committed try-on was counted live too. */
	ck_assert_int_eq(db_live_sum(db, METRIC_TRYON,
	    frame_id("FF-RND-4721-TOR"), 60, &n), FF_OK);
	ck_assert_int_ge(n, 1);
}
END_TEST

START_TEST(test_rollup_counts)
{
	struct upload_row	 u;
	long long		 fid = frame_id("FF-CAT-5416-TOR"), n, id;
	long long		 since = (long long)time(NULL) - 3600;
	long long		 all_before, uploads_before;
	const int		 N = 37;
	int			 i;

	/* This test's frame had no try-on before. */
	ck_assert_int_eq(db_rollup_sum(db, METRIC_TRYON, fid, 0, &n), FF_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(db_rollup_sum(db, METRIC_TRYON, -1, 0, &all_before),
	    FF_OK);
	ck_assert_int_eq(db_rollup_sum(db, METRIC_UPLOAD, 0, 0,
	    &uploads_before), FF_OK);

	new_upload(&u, 10);
	for (i = 0; i < N; i++) {
		struct tryon_timing t = { i, 2 * i, 3, 4 };

		ck_assert_int_eq(db_tryon_record(db, u.id, fid, &t, &id), FF_OK);
	}
	ck_assert_int_eq(db_rollup_sum(db, METRIC_TRYON, fid, since, &n), FF_OK);
	ck_assert_int_eq(n, N);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM tryons WHERE "
	    "frame_id = ?", fid), N);
	ck_assert_int_eq(db_live_sum(db, METRIC_TRYON, fid, 60, &n), FF_OK);
	ck_assert_int_eq(n, N);
	ck_assert_int_eq(db_rollup_sum(db, METRIC_TRYON, -1, 0, &n), FF_OK);
	ck_assert_int_eq(n, all_before + N);
	ck_assert_int_eq(db_rollup_sum(db, METRIC_UPLOAD, 0, 0, &n), FF_OK);
	ck_assert_int_eq(n, uploads_before + 1);
	/* Hours in the future hold nothing. */
	ck_assert_int_eq(db_rollup_sum(db, METRIC_TRYON, fid,
	    (long long)time(NULL) + 7200, &n), FF_OK);
	ck_assert_int_eq(n, 0);
	/* Rows are hour buckets: at most two hours if the clock ticked over. */
	ck_assert_int_le(count(db, "SELECT COUNT(*) FROM hourly_rollups WHERE "
	    "metric = 'tryon' AND frame_id = ?", fid), 2);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM hourly_rollups WHERE "
	    "MINUTE(hour) <> 0 OR SECOND(hour) <> 0", 0), 0);
	/* The average of the stage timings, as a latency report reads it. */
	ck_assert_int_eq(count(db, "SELECT ROUND(AVG(detect_ms)) FROM tryons "
	    "WHERE frame_id = ?", fid), N - 1);
}
END_TEST

START_TEST(test_delete_cascade)
{
	struct upload_row	 u, keep;
	struct det_face		 face = { 0.9f, { 1, 2, 3, 4 }, { 5, 6 }, { 7, 8 } };
	long long		 det, fid = frame_id("FF-REC-5418-BLK"), n_roll, n;
	struct db_arg		 arg;
	struct db_rows		*r;

	new_upload(&u, 5000);
	new_upload(&keep, 100);
	ck_assert_int_eq(db_detection_insert(db, u.id, 0, &face, 1, 3, &det),
	    FF_OK);
	ck_assert_int_eq(db_detection_insert(db, keep.id, 0, &face, 1, 3, NULL),
	    FF_OK);
	ck_assert_int_eq(db_tryon_record(db, u.id, fid, NULL, NULL), FF_OK);
	ck_assert_int_eq(db_tryon_record(db, u.id, fid, NULL, NULL), FF_OK);
	ck_assert_int_eq(db_tryon_record(db, keep.id, fid, NULL, NULL), FF_OK);
	ck_assert_int_eq(db_click_record(db, fid, u.token), FF_OK);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM clicks WHERE "
	    "upload_token IS NOT NULL AND frame_id = ?", fid), 1);
	ck_assert_int_eq(db_rollup_sum(db, METRIC_TRYON, fid, 0, &n_roll), FF_OK);

	ck_assert_int_eq(db_upload_delete(db, u.token), FF_OK);

	ck_assert_int_eq(db_upload_get(db, u.token, &u, NULL), FF_ENOTFOUND);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM uploads WHERE id = ?",
	    u.id), 0);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM detections WHERE "
	    "upload_id = ?", u.id), 0);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM detection_faces WHERE "
	    "detection_id = ?", det), 0);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM tryons WHERE "
	    "upload_id = ?", u.id), 0);
	/* The click is kept but points at nobody. */
	arg = DB_TEXT(u.token);
	ck_assert_int_eq(db_query_int(db, "SELECT COUNT(*) FROM clicks WHERE "
	    "upload_token = ?", &arg, 1, &n), FF_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM clicks WHERE "
	    "frame_id = ?", fid), 1);
	/* The aggregate counts hold no photo and stay. */
	ck_assert_int_eq(db_rollup_sum(db, METRIC_TRYON, fid, 0, &n), FF_OK);
	ck_assert_int_eq(n, n_roll);
	/* The other upload is untouched. */
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM detections WHERE "
	    "upload_id = ?", keep.id), 1);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM tryons WHERE "
	    "upload_id = ?", keep.id), 1);

	ck_assert_int_eq(db_upload_delete(db, u.token), FF_ENOTFOUND);
	ck_assert_int_eq(db_upload_delete(db, "bad token"), FF_ENOTFOUND);

	/* A click counts once per try-on and frame, only with the token of
	 * an upload that tried that frame (keep did, u is gone). */
	ck_assert_int_eq(db_click_record(db, fid, NULL), FF_ENOTFOUND);
	ck_assert_int_eq(db_click_record(db, fid, u.token), FF_ENOTFOUND);
	ck_assert_int_eq(db_click_record(db, fid, "bad token"), FF_ENOTFOUND);
	ck_assert_int_eq(db_click_record(db, fid, keep.token), FF_OK);
	ck_assert_int_eq(db_click_record(db, fid, keep.token), FF_ENOTFOUND);
	ck_assert_int_eq(db_click_record(db, 99999999, keep.token),
	    FF_ENOTFOUND);
	ck_assert_int_eq(db_rollup_sum(db, METRIC_CLICK, fid, 0, &n), FF_OK);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(db_click_record(db, 0, keep.token), FF_EINPUT);
	arg = DB_TEXT(keep.token);
	ck_assert_int_eq(db_exec(db, "DELETE FROM clicks WHERE upload_token "
	    "= ?", &arg, 1, NULL, NULL), FF_OK);

	ck_assert_int_eq(db_query(db, "SELECT upload_token FROM clicks WHERE "
	    "frame_id = ?", &(struct db_arg)DB_INT(fid), 1, &r), FF_OK);
	while (db_rows_next(r) == 1)
		ck_assert_ptr_null(db_col_text(r, 0, NULL));
	db_rows_free(r);
}
END_TEST

/* --- transactions ----------------------------------------------------- */

START_TEST(test_failed_tx)
{
	struct upload_row	 u;
	struct det_face		 faces[2] = {
		{ 0.9f, { 1, 2, 3, 4 }, { 5, 6 }, { 7, 8 } },
		{ 1.5f, { 1, 2, 3, 4 }, { 5, 6 }, { 7, 8 } },	/* score > 1 */
	};
	struct frame		 dup = sample_frame("FF-RND-4721-TOR");
	struct db_arg		 a[2];
	long long		 id = -1, n, fid = frame_id("FF-BRW-5120-BLK");
	long long		 dets, tryons;

	new_upload(&u, 10);
	dets = count(db, "SELECT COUNT(*) FROM detections", 0);
	tryons = count(db, "SELECT COUNT(*) FROM tryons", 0);

	/* The detection row is written, then the second face fails its
	 * CHECK: the whole transaction must be gone. */
	ck_assert_int_eq(db_detection_insert(db, u.id, 0, faces, 2, 5, &id),
	    FF_EINPUT);
	ck_assert_int_eq(id, 0);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM detections", 0), dets);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM detection_faces "
	    "WHERE score > 1", 0), 0);

	/* A try-on of an unknown upload: no row and no count. */
	ck_assert_int_eq(db_tryon_record(db, 99999999, fid, NULL, &id),
	    FF_EINPUT);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM tryons", 0), tryons);
	ck_assert_int_eq(db_rollup_sum(db, METRIC_TRYON, fid, 0, &n), FF_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(db_live_sum(db, METRIC_TRYON, fid, 60, &n), FF_OK);
	ck_assert_int_eq(n, 0);

	/* By hand: a good statement, a failing one, rollback. */
	ck_assert_int_eq(db_begin(db), FF_OK);
	ck_assert_int_eq(db_begin(db), FF_ECONFIG);	/* no nesting */
	a[0] = DB_INT(u.id);
	a[1] = DB_INT(fid);
	ck_assert_int_eq(db_exec(db, "INSERT INTO tryons (upload_id, frame_id) "
	    "VALUES (?, ?)", a, 2, &n, &id), FF_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(catalog_insert(db, &dup), FF_EINPUT);
	ck_assert_uint_eq(db_errno(db), 1062);	/* ER_DUP_ENTRY */
	db_rollback(db);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM tryons WHERE id = ?",
	    id), 0);
	ck_assert_int_eq(db_commit(db), FF_ECONFIG);	/* none open */

	/* Wrong use of the API is our bug, not the user's. */
	ck_assert_int_eq(db_exec(db, "SELECT ?", NULL, 0, NULL, NULL),
	    FF_ECONFIG);
	ck_assert_int_eq(db_exec(db, "SELEKT 1", NULL, 0, NULL, NULL),
	    FF_ECONFIG);
}
END_TEST

START_TEST(test_models)
{
	unsigned char	sha[32];
	long long	a, b, id;
	char		ver[65];

	memset(sha, 0x5a, sizeof(sha));
	ck_assert_int_eq(db_model_register(db, "2026.01-a", sha, 1767225600,
	    "{\"eye_error\": 0.043, \"recall\": 0.97}", &a), FF_OK);
	ck_assert_int_eq(db_model_register(db, "2026.01-b", sha, 1767312000,
	    NULL, &b), FF_OK);
	ck_assert_int_eq(db_model_register(db, "2026.01-a", sha, 0, NULL, &id),
	    FF_EINPUT);
	ck_assert_int_eq(db_model_register(db, "2026.01-c", sha, 0,
	    "{not json", &id), FF_EINPUT);
	/* By version, as the worker and the batch runner find theirs. */
	ck_assert_int_eq(db_model_by_version(db, "2026.01-b", &id), FF_OK);
	ck_assert_int_eq(id, b);
	ck_assert_int_eq(db_model_by_version(db, "2026.01-none", &id),
	    FF_ENOTFOUND);
	ck_assert_int_eq(id, 0);

	ck_assert_int_eq(db_model_activate(db, a), FF_OK);
	ck_assert_int_eq(db_model_active(db, &id, ver), FF_OK);
	ck_assert_int_eq(id, a);
	ck_assert_str_eq(ver, "2026.01-a");
	ck_assert_int_eq(db_model_activate(db, b), FF_OK);
	ck_assert_int_eq(db_model_active(db, &id, ver), FF_OK);
	ck_assert_int_eq(id, b);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM models WHERE "
	    "active = 1", 0), 1);
	/* An unknown model leaves the active one in place. */
	ck_assert_int_eq(db_model_activate(db, 99999999), FF_ENOTFOUND);
	ck_assert_int_eq(db_model_active(db, &id, NULL), FF_OK);
	ck_assert_int_eq(id, b);
	/* The schema itself refuses a second active model. */
	ck_assert_int_eq(db_exec(db, "UPDATE models SET active = 1 WHERE id = ?",
	    &(struct db_arg)DB_INT(a), 1, NULL, NULL), FF_EINPUT);
	ck_assert_int_eq(count(db, "SELECT COUNT(*) FROM models WHERE "
	    "JSON_VALUE(metrics, '$.recall') = 0.97", 0), 1);
}
END_TEST

START_TEST(test_rows_api)
{
	struct db_rows	*r;
	const char	*s;
	size_t		 len;
	struct db_arg	 a[3] = { DB_TEXT("héllo"), DB_NULL,
	    DB_BLOB("a\0b", 3) };

	ck_assert_int_eq(db_query(db, "SELECT ?, ?, ?, 42, 2.5, "
	    "CAST(1.25 AS DECIMAL(5,2)), UTC_TIMESTAMP(), REPEAT('x', 100000)",
	    a, 3, &r), FF_OK);
	ck_assert_int_eq(db_rows_next(r), 1);
	ck_assert_str_eq(db_col_text(r, 0, &len), "héllo");
	ck_assert_uint_eq(len, 6);
	ck_assert(db_col_null(r, 1));
	ck_assert_ptr_null(db_col_text(r, 1, &len));
	s = db_col_text(r, 2, &len);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(s, "a\0b", 3);
	ck_assert_int_eq(db_col_int(r, 3), 42);
	ck_assert_double_eq(db_col_double(r, 4), 2.5);
	ck_assert_double_eq(db_col_double(r, 5), 1.25);
	ck_assert_uint_eq(strlen(db_col_text(r, 6, NULL)), 19);
	ck_assert_uint_eq(strlen(db_col_text(r, 7, NULL)), 100000);
	ck_assert(db_col_null(r, 99));
	ck_assert_int_eq(db_rows_next(r), 0);
	db_rows_free(r);
	ck_assert_int_eq(db_query_int(db, "SELECT 1 FROM frames WHERE 0",
	    NULL, 0, &(long long){ 0 }), FF_ENOTFOUND);
}
END_TEST

/* --- reconnects ------------------------------------------------------- */

START_TEST(test_reconnect_killed)
{
	struct db	*killer = open_test_db();
	long long	 me, n;
	struct frame	 f;

	ck_assert_int_eq(db_query_int(db, "SELECT CONNECTION_ID()", NULL, 0,
	    &me), FF_OK);
	ck_assert_int_eq(db_exec(killer, "KILL CONNECTION ?",
	    &(struct db_arg)DB_INT(me), 1, NULL, NULL), FF_OK);
	/* Outside a transaction: reconnect, re-prepare, retry, silently. */
	ck_assert_int_eq(catalog_get(db, "FF-RML-5218-TI", &f), FF_OK);
	ck_assert_int_eq(db_query_int(db, "SELECT CONNECTION_ID()", NULL, 0,
	    &n), FF_OK);
	ck_assert_int_ne(n, me);

	/* Inside one: the work is lost, so the call fails... */
	me = n;
	ck_assert_int_eq(db_begin(db), FF_OK);
	ck_assert_int_eq(db_exec(killer, "KILL CONNECTION ?",
	    &(struct db_arg)DB_INT(me), 1, NULL, NULL), FF_OK);
	ck_assert_int_eq(catalog_get(db, "FF-RML-5218-TI", &f), FF_EDB);
	ck_assert_int_eq(catalog_get(db, "FF-RML-5218-TI", &f), FF_EDB);
	ck_assert_int_eq(db_commit(db), FF_EDB);
	/* ...and after it the connection comes back. */
	ck_assert_int_eq(catalog_get(db, "FF-RML-5218-TI", &f), FF_OK);
	db_close(killer);
}
END_TEST

START_TEST(test_reconnect_restart)
{
	struct upload_row	 u;
	struct frame		*all, f;
	struct db		*d;
	size_t			 n;
	long long		 before, after, fid = frame_id("FF-AVI-6014-SLV");
	enum ff_err		 er = FF_OK;

	new_upload(&u, 100);
	ck_assert_int_eq(catalog_load(db, 0, &all, &n), FF_OK);
	catalog_free(all, n);
	ck_assert_int_eq(db_tryon_record(db, u.id, fid, NULL, NULL), FF_OK);
	ck_assert_int_eq(db_rollup_sum(db, METRIC_TRYON, fid, 0, &before),
	    FF_OK);

	ck_assert_int_eq(db_connected(db), 1);
	ck_assert_int_eq(dbtest_sh("stop"), 0);
	/* Down: an error, never a crash (SIGPIPE included). */
	ck_assert_int_eq(catalog_get(db, "FF-AVI-6014-SLV", &f), FF_EDB);
	/* The reconnect failed: known down, without trying again. */
	ck_assert_int_eq(db_connected(db), 0);
	ck_assert_int_eq(db_tryon_record(db, u.id, fid, NULL, NULL), FF_EDB);
	ck_assert_int_eq(db_connected(db), 0);
	ck_assert_ptr_null(d = db_open(NULL, test_db, &er));
	ck_assert_int_eq(er, FF_EDB);

	ck_assert_int_eq(dbtest_sh("start"), 0);
	/* Up again: the same handle works, statements prepared afresh. */
	ck_assert_int_eq(catalog_load(db, 0, &all, &n), FF_OK);
	ck_assert_int_eq(db_connected(db), 1);
	ck_assert_uint_ge(n, 12);
	catalog_free(all, n);
	ck_assert_int_eq(db_tryon_record(db, u.id, fid, NULL, NULL), FF_OK);
	ck_assert_int_eq(db_rollup_sum(db, METRIC_TRYON, fid, 0, &after), FF_OK);
	ck_assert_int_eq(after, before + 1);
	/* MEMORY tables come back empty after a restart, by design. */
	ck_assert_int_eq(db_live_sum(db, METRIC_TRYON, fid, 60, &after), FF_OK);
	ck_assert_int_eq(after, 1);
}
END_TEST

/*
 * The network settings (store/db.h), checked without connecting: each
 * row sets all six names (NULL: unset). /dev/null stands for a readable
 * PEM file: only whether it can be read is checked at start.
 */
static const struct {
	const char	*host, *port, *ca, *cert, *key, *ssl;
	enum ff_err	 want;
} net_tab[] = {
	{ NULL, NULL, NULL, NULL, NULL, NULL, FF_OK },	/* the socket */
	{ "127.0.0.1", NULL, NULL, NULL, NULL, NULL, FF_OK },	/* loopback: clear */
	{ "127.1.2.3", "3307", NULL, NULL, NULL, NULL, FF_OK },
	{ "localhost", NULL, NULL, NULL, NULL, NULL, FF_OK },
	{ "::1", NULL, NULL, NULL, NULL, NULL, FF_OK },
	{ "10.0.0.5", NULL, NULL, NULL, NULL, NULL, FF_ECONFIG },	/* clear off-host */
	{ "db.example", NULL, NULL, NULL, NULL, NULL, FF_ECONFIG },
	{ "127.0.0.1.example", NULL, NULL, NULL, NULL, NULL, FF_ECONFIG },
	{ "db.example", NULL, NULL, NULL, NULL, "off", FF_OK },	/* said on purpose */
	{ "db.example", NULL, "/dev/null", NULL, NULL, NULL, FF_OK },
	{ "db.example", NULL, "/nonexistent/ca.pem", NULL, NULL, NULL, FF_ECONFIG },
	{ "db.example", "65535", "/dev/null", NULL, NULL, NULL, FF_OK },
	{ "db.example", "0", "/dev/null", NULL, NULL, NULL, FF_ECONFIG },
	{ "db.example", "65536", "/dev/null", NULL, NULL, NULL, FF_ECONFIG },
	{ "db.example", "33o6", "/dev/null", NULL, NULL, NULL, FF_ECONFIG },
	{ "db.example", "-1", "/dev/null", NULL, NULL, NULL, FF_ECONFIG },
	{ "db.example", "+3306", "/dev/null", NULL, NULL, NULL, FF_ECONFIG },
	{ "db.example", " 3306", "/dev/null", NULL, NULL, NULL, FF_ECONFIG },
	{ "db.example", "99999999999999999999", "/dev/null", NULL, NULL, NULL,
	    FF_ECONFIG },
	{ NULL, "x", NULL, NULL, NULL, NULL, FF_ECONFIG },	/* a typo is a typo */
	{ "db.example", NULL, "/dev/null", "/dev/null", "/dev/null", NULL, FF_OK },
	{ "db.example", NULL, "/dev/null", "/dev/null", NULL, NULL, FF_ECONFIG },
	{ "db.example", NULL, "/dev/null", NULL, "/dev/null", NULL, FF_ECONFIG },
	{ "db.example", NULL, "/dev/null", "/nonexistent/c.pem", "/dev/null",
	    NULL, FF_ECONFIG },
	{ "127.0.0.1", NULL, NULL, "/dev/null", "/dev/null", NULL, FF_ECONFIG },
	{ "127.0.0.1", NULL, NULL, NULL, NULL, "on", FF_ECONFIG },	/* on: a CA */
	{ "127.0.0.1", NULL, "/dev/null", NULL, NULL, "on", FF_OK },
	{ "db.example", NULL, "/dev/null", NULL, NULL, "off", FF_ECONFIG },
	{ "db.example", NULL, "/dev/null", NULL, NULL, "yes", FF_ECONFIG },
	/* Over the socket the TLS settings are not used, nor checked. */
	{ "", NULL, "/nonexistent/ca.pem", NULL, NULL, NULL, FF_OK },
};

static void
net_set(const char *name, const char *v)
{
	if (v == NULL)
		unsetenv(name);
	else
		setenv(name, v, 1);
}

START_TEST(test_net_settings)
{
	net_set("FF_DB_HOST", net_tab[_i].host);
	net_set("FF_DB_PORT", net_tab[_i].port);
	net_set("FF_DB_SSL_CA", net_tab[_i].ca);
	net_set("FF_DB_SSL_CERT", net_tab[_i].cert);
	net_set("FF_DB_SSL_KEY", net_tab[_i].key);
	net_set("FF_DB_SSL", net_tab[_i].ssl);
	ck_assert_msg(db_check_settings() == net_tab[_i].want,
	    "row %d (host %s port %s): want %s", _i,
	    net_tab[_i].host ? net_tab[_i].host : "-",
	    net_tab[_i].port ? net_tab[_i].port : "-",
	    ff_strerror(net_tab[_i].want));
}
END_TEST

/* A setting that cannot work fails db_open() as a configuration error,
 * before any connect; a port nothing listens on fails as unavailable. */
START_TEST(test_net_open)
{
	enum ff_err	 er = FF_OK;

	setenv("FF_DB_HOST", "127.0.0.1", 1);
	setenv("FF_DB_PORT", "not-a-port", 1);
	ck_assert_ptr_null(db_open(NULL, test_db, &er));
	ck_assert_int_eq(er, FF_ECONFIG);
	/* Port 1 (tcpmux): nothing listens there on a test machine. */
	setenv("FF_DB_PORT", "1", 1);
	ck_assert_ptr_null(db_open(NULL, test_db, &er));
	ck_assert_int_eq(er, FF_EDB);
	unsetenv("FF_DB_HOST");
	unsetenv("FF_DB_PORT");
}
END_TEST

static Suite *
store_suite(void)
{
	Suite	*s = suite_create("store");
	TCase	*tc;

	/* No server needed: the settings are checked before a connect. */
	tc = tcase_create("settings");
	tcase_add_loop_test(tc, test_net_settings, 0,
	    sizeof(net_tab) / sizeof(net_tab[0]));
	tcase_add_test(tc, test_net_open);
	suite_add_tcase(s, tc);

	/* No fixture: this one starts from the empty database. */
	tc = tcase_create("migrate");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_migrate_fresh);
	suite_add_tcase(s, tc);

	tc = tcase_create("schema");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_migrate_tables);
	tcase_add_test(tc, test_migrate_bad_file);
	tcase_add_test(tc, test_rows_api);
	suite_add_tcase(s, tc);

	tc = tcase_create("catalog");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_seed);
	tcase_add_test(tc, test_seed_exact);
	tcase_add_test(tc, test_frame_crud);
	tcase_add_loop_test(tc, test_frame_bad_sku, 0,
	    sizeof(bad_sku) / sizeof(bad_sku[0]));
	tcase_add_loop_test(tc, test_frame_validate, 0,
	    sizeof(spoil_tab) / sizeof(spoil_tab[0]));
	tcase_add_test(tc, test_frame_artwork);
	suite_add_tcase(s, tc);

	tc = tcase_create("records");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_token);
	tcase_add_test(tc, test_upload_roundtrip);
	tcase_add_test(tc, test_upload_invalid);
	tcase_add_test(tc, test_upload_expired);
	tcase_add_test(tc, test_detection_tryon);
	tcase_add_test(tc, test_tryon_store);
	tcase_add_test(tc, test_rollup_counts);
	tcase_add_test(tc, test_delete_cascade);
	tcase_add_test(tc, test_failed_tx);
	tcase_add_test(tc, test_models);
	suite_add_tcase(s, tc);

	/* Last: the restart disturbs everything else on the server. */
	tc = tcase_create("reconnect");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reconnect_killed);
	tcase_add_test(tc, test_reconnect_restart);
	suite_add_tcase(s, tc);
	return s;
}

/* Start the server if needed and give the tests an empty database. */
static void
prepare_server(void)
{
	struct db	*d;
	enum ff_err	 er = FF_OK;
	char		 sql[160], cwd[4096];
	const char	*v;

	if ((v = getenv("FF_TEST_DB_NAME")) != NULL && *v != '\0') {
		/* It goes into DDL text below: identifiers cannot be bound. */
		if (strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_") != strlen(v) || strlen(v) > 64) {
			fprintf(stderr, "check_store: bad FF_TEST_DB_NAME\n");
			exit(1);
		}
		test_db = v;
	}
	/* A read-only source tree (make distcheck): keep the server in the
	 * build directory instead of <srcdir>/var. */
	if (getenv("FF_DB_DIR") == NULL && getenv("FF_DB_SOCKET") == NULL &&
	    access(FF_DATADIR, W_OK) != 0 && getcwd(cwd, sizeof(cwd) - 16)) {
		strcat(cwd, "/var/mysql");
		setenv("FF_DB_DIR", cwd, 1);
	}
	if (dbtest_sh("start") != 0) {
		fprintf(stderr, "check_store: scripts/db.sh start failed\n");
		exit(1);
	}
	/* No database selected: we are about to drop ours. */
	if ((d = db_open(NULL, "", &er)) == NULL) {
		fprintf(stderr, "check_store: connect: %s\n", ff_strerror(er));
		exit(1);
	}
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS `%s`", test_db);
	if (db_exec(d, sql, NULL, 0, NULL, NULL) != FF_OK)
		exit(1);
	snprintf(sql, sizeof(sql), "CREATE DATABASE `%s` CHARACTER SET "
	    "utf8mb4 COLLATE utf8mb4_unicode_ci", test_db);
	if (db_exec(d, sql, NULL, 0, NULL, NULL) != FF_OK)
		exit(1);
	db_close(d);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	if (db_global_init() != FF_OK)
		return EXIT_FAILURE;
	prepare_server();
	sr = srunner_create(store_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
