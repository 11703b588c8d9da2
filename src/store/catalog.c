/*
 * catalog.c: frames rows <-> struct frame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "core/xalloc.h"
#include "store/catalog.h"
#include "store/db.h"

/*
 * The spelling of each style in the frames.style ENUM (sql/001_init.sql).
 * frame_style_name() spells the styles the same way, but
 * frame_style_parse() also takes aliases ("cat-eye", "wayfarer") that the
 * column never holds; the store's own table maps exactly the schema's
 * values, so a row with any other is an error (FF_EDB), not an alias.
 */
static const char *const db_style[FRAME_STYLE__MAX] = {
	[FRAME_ROUND]		= "round",
	[FRAME_RECTANGLE]	= "rectangle",
	[FRAME_AVIATOR]		= "aviator",
	[FRAME_CATEYE]		= "cateye",
	[FRAME_BROWLINE]	= "browline",
	[FRAME_RIMLESS]		= "rimless",
};

static const char *
style_to_db(enum frame_style st)
{
	if ((int)st < 0 || st >= FRAME_STYLE__MAX)
		return NULL;
	return db_style[st];
}

static int
style_from_db(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < FRAME_STYLE__MAX; i++)
		if (strcmp(s, db_style[i]) == 0)
			return i;
	return -1;
}

/* Column order is the order of row_to_frame() below. */
#define FRAME_COLS \
	"id, sku, name, brand, style, rim_rgb, rim_mm, tint_rgb, " \
	"tint_opacity, lens_width_mm, lens_height_mm, bridge_mm, " \
	"total_width_mm, price_cents, active, product_url, artwork_png"

/*
 * Copy at most cap-1 bytes and NUL-terminate, never cutting a UTF-8
 * sequence in half. The schema's CHECKs keep stored values within the
 * struct's arrays; this only guards against a hand-edited row.
 */
static void
copy_text(char *dst, size_t cap, const char *src, size_t len)
{
	if (src == NULL)
		len = 0;
	if (len > cap - 1) {
		len = cap - 1;
		/* Back off over continuation bytes (10xxxxxx) and the lead
		 * byte whose sequence they belong to. */
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	if (len > 0)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

static enum ff_err
row_to_frame(const struct db_rows *r, struct frame *f)
{
	const char	*s, *png;
	size_t		 len, pnglen;
	int		 style;

	memset(f, 0, sizeof(*f));
	f->id = db_col_int(r, 0);
	s = db_col_text(r, 1, &len);
	copy_text(f->sku, sizeof(f->sku), s, len);
	s = db_col_text(r, 2, &len);
	copy_text(f->name, sizeof(f->name), s, len);
	s = db_col_text(r, 3, &len);
	copy_text(f->brand, sizeof(f->brand), s, len);
	s = db_col_text(r, 4, NULL);
	if (s == NULL || (style = style_from_db(s)) < 0) {
		fprintf(stderr, "framefit: catalog: frame %lld: unknown style "
		    "'%s'\n", f->id, s ? s : "(null)");
		return FF_EDB;
	}
	f->style = (enum frame_style)style;
	f->rim_rgb = (uint32_t)db_col_int(r, 5);
	f->rim_mm = db_col_double(r, 6);
	f->tint_rgb = (uint32_t)db_col_int(r, 7);
	f->tint_opacity = db_col_double(r, 8);
	f->lens_width_mm = db_col_double(r, 9);
	f->lens_height_mm = db_col_double(r, 10);
	f->bridge_mm = db_col_double(r, 11);
	f->total_width_mm = db_col_double(r, 12);
	f->price_cents = (int)db_col_int(r, 13);
	f->active = db_col_int(r, 14) != 0;
	s = db_col_text(r, 15, &len);
	copy_text(f->product_url, sizeof(f->product_url), s, len);
	/* Bad artwork is not worth losing the frame over: draw it plain. */
	if ((png = db_col_text(r, 16, &pnglen)) != NULL && pnglen > 0 &&
	    pnglen <= 0x7fffffff) {
		f->artwork = gdImageCreateFromPngPtr((int)pnglen, (void *)png);
		if (f->artwork == NULL)
			fprintf(stderr, "framefit: catalog: frame %s: artwork "
			    "is not a PNG\n", f->sku);
	}
	return FF_OK;
}

void
catalog_frame_clear(struct frame *f)
{
	if (f->artwork != NULL)
		gdImageDestroy(f->artwork);
	f->artwork = NULL;
}

void
catalog_free(struct frame *frames, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		catalog_frame_clear(&frames[i]);
	free(frames);
}

enum ff_err
catalog_load(struct db *db, int all, struct frame **frames, size_t *n)
{
	struct db_rows	*r;
	struct frame	*out = NULL;
	size_t		 got = 0, max;
	enum ff_err	 er;
	struct db_arg	 arg = DB_INT(all ? 0 : 1);

	*frames = NULL;
	*n = 0;
	/* active >= ?: 1 for the active ones, 0 for every frame. */
	if ((er = db_query(db, "SELECT " FRAME_COLS " FROM frames "
	    "WHERE active >= ? ORDER BY style, sku", &arg, 1, &r)) != FF_OK)
		return er;
	max = db_rows_count(r);
	if (max > 0)
		out = xcalloc(max, sizeof(*out));
	while (got < max && db_rows_next(r) == 1) {
		if ((er = row_to_frame(r, &out[got])) != FF_OK)
			goto fail;
		got++;
	}
	if (got != max) {
		er = FF_EDB;
		goto fail;
	}
	db_rows_free(r);
	*frames = out;
	*n = got;
	return FF_OK;
fail:
	db_rows_free(r);
	catalog_free(out, got);
	return er;
}

enum ff_err
catalog_get(struct db *db, const char *sku, struct frame *out)
{
	struct db_rows	*r;
	enum ff_err	 er;
	int		 rc;
	struct db_arg	 arg = DB_TEXT(sku);

	memset(out, 0, sizeof(*out));
	if (sku == NULL || *sku == '\0' || strlen(sku) >= sizeof(out->sku))
		return FF_ENOTFOUND;
	if ((er = db_query(db, "SELECT " FRAME_COLS " FROM frames "
	    "WHERE sku = ?", &arg, 1, &r)) != FF_OK)
		return er;
	if ((rc = db_rows_next(r)) == 1)
		er = row_to_frame(r, out);
	else
		er = rc == 0 ? FF_ENOTFOUND : FF_EDB;
	db_rows_free(r);
	return er;
}

static int
in_range(double v, double lo, double hi)
{
	return v >= lo && v <= hi;	/* false for NaN */
}

static int
sku_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return i >= 1 && i <= 32;
}

static int
url_ok(const char *s)
{
	size_t i;

	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return 0;
	/* Printable ASCII without spaces: the column is ascii and the URL
	 * goes into href attributes. */
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f)
			return 0;
	return i <= 511;
}

enum ff_err
catalog_validate(const struct frame *f)
{
	size_t nl = strnlen(f->name, sizeof(f->name));
	size_t bl = strnlen(f->brand, sizeof(f->brand));

	if (strnlen(f->sku, sizeof(f->sku)) == sizeof(f->sku) || !sku_ok(f->sku))
		return FF_EINPUT;
	if (nl == 0 || nl == sizeof(f->name) || bl == 0 || bl == sizeof(f->brand))
		return FF_EINPUT;
	if (style_to_db(f->style) == NULL)
		return FF_EINPUT;
	if (f->rim_rgb > 0xFFFFFF || f->tint_rgb > 0xFFFFFF)
		return FF_EINPUT;
	/* The same ranges as the CHECK constraints in sql/001_init.sql. */
	if (!in_range(f->rim_mm, 0, 20) || !in_range(f->tint_opacity, 0, 1) ||
	    !in_range(f->lens_width_mm, 20, 90) ||
	    !in_range(f->lens_height_mm, 10, 80) ||
	    !in_range(f->bridge_mm, 5, 40) ||
	    !in_range(f->total_width_mm, 80, 200))
		return FF_EINPUT;
	if (f->price_cents < 0 || f->price_cents > 100000000)
		return FF_EINPUT;
	if (strnlen(f->product_url, sizeof(f->product_url)) ==
	    sizeof(f->product_url) || !url_ok(f->product_url))
		return FF_EINPUT;
	return FF_OK;
}

/* The 14 data columns, in FRAME_COLS order from sku to product_url. */
static void
frame_args(const struct frame *f, struct db_arg *a)
{
	a[0] = DB_TEXT(f->sku);
	a[1] = DB_TEXT(f->name);
	a[2] = DB_TEXT(f->brand);
	a[3] = DB_TEXT(style_to_db(f->style));
	a[4] = DB_INT(f->rim_rgb);
	a[5] = DB_DOUBLE(f->rim_mm);
	a[6] = DB_INT(f->tint_rgb);
	a[7] = DB_DOUBLE(f->tint_opacity);
	a[8] = DB_DOUBLE(f->lens_width_mm);
	a[9] = DB_DOUBLE(f->lens_height_mm);
	a[10] = DB_DOUBLE(f->bridge_mm);
	a[11] = DB_DOUBLE(f->total_width_mm);
	a[12] = DB_INT(f->price_cents);
	a[13] = DB_INT(f->active ? 1 : 0);
	a[14] = DB_TEXT(f->product_url);
}

enum ff_err
catalog_insert(struct db *db, struct frame *f)
{
	struct db_arg	 a[15];
	enum ff_err	 er;
	long long	 id;

	if ((er = catalog_validate(f)) != FF_OK)
		return er;
	frame_args(f, a);
	if ((er = db_exec(db, "INSERT INTO frames (sku, name, brand, style, "
	    "rim_rgb, rim_mm, tint_rgb, tint_opacity, lens_width_mm, "
	    "lens_height_mm, bridge_mm, total_width_mm, price_cents, active, "
	    "product_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    a, 15, NULL, &id)) != FF_OK)
		return er;
	f->id = id;
	return FF_OK;
}

enum ff_err
catalog_update(struct db *db, const struct frame *f)
{
	struct db_arg	 a[16];
	enum ff_err	 er;
	long long	 n;

	if ((er = catalog_validate(f)) != FF_OK)
		return er;
	frame_args(f, a);
	a[15] = DB_INT(f->id);
	/* affected counts matched rows (CLIENT_FOUND_ROWS, see db.c), so
	 * an update that changes nothing still finds its row. */
	if ((er = db_exec(db, "UPDATE frames SET sku = ?, name = ?, brand = ?, "
	    "style = ?, rim_rgb = ?, rim_mm = ?, tint_rgb = ?, "
	    "tint_opacity = ?, lens_width_mm = ?, lens_height_mm = ?, "
	    "bridge_mm = ?, total_width_mm = ?, price_cents = ?, active = ?, "
	    "product_url = ? WHERE id = ?", a, 16, &n, NULL)) != FF_OK)
		return er;
	return n == 0 ? FF_ENOTFOUND : FF_OK;
}

enum ff_err
catalog_retire(struct db *db, const char *sku)
{
	struct db_arg	 arg = DB_TEXT(sku);
	enum ff_err	 er;
	long long	 n;

	if (sku == NULL)
		return FF_ENOTFOUND;
	if ((er = db_exec(db, "UPDATE frames SET active = 0 WHERE sku = ?",
	    &arg, 1, &n, NULL)) != FF_OK)
		return er;
	return n == 0 ? FF_ENOTFOUND : FF_OK;
}

enum ff_err
catalog_set_artwork(struct db *db, long long id, const void *png, size_t len)
{
	struct db_arg	 a[2];
	gdImagePtr	 im;
	enum ff_err	 er;
	long long	 n;

	if (png != NULL) {
		/* Refuse what catalog_load() could not draw. */
		if (len == 0 || len > 16 * 1024 * 1024 - 1 ||
		    (im = gdImageCreateFromPngPtr((int)len, (void *)png)) == NULL)
			return FF_EINPUT;
		gdImageDestroy(im);
		a[0] = DB_BLOB(png, len);
	} else
		a[0] = DB_NULL;
	a[1] = DB_INT(id);
	if ((er = db_exec(db, "UPDATE frames SET artwork_png = ? WHERE id = ?",
	    a, 2, &n, NULL)) != FF_OK)
		return er;
	return n == 0 ? FF_ENOTFOUND : FF_OK;
}
