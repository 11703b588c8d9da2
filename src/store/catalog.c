/*
 * catalog.c: frames rows <-> struct frame.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "core/xalloc.h"
#include "render/frame_sizes.h"
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

/*
 * A DATETIME (UTC) as Unix seconds and back. Not UNIX_TIMESTAMP() and
 * FROM_UNIXTIME(): MariaDB before 11.5 stops them at 2038, and a feed's
 * sale may well end "2099-12-31".
 */
#define SECS(col)	"TIMESTAMPDIFF(SECOND, '1970-01-01', " col ")"
#define DATETIME_OF	"DATE_ADD('1970-01-01', INTERVAL ? SECOND)"

/* Column order is the order of row_to_frame() below. */
#define FRAME_COLS \
	"id, sku, name, brand, style, rim_rgb, rim_mm, tint_rgb, " \
	"tint_opacity, lens_width_mm, lens_height_mm, bridge_mm, " \
	"total_width_mm, price_cents, active, product_url, artwork_png, " \
	"currency, COALESCE(sale_price_cents, 0), " \
	"COALESCE(" SECS("sale_from") ", 0), " \
	"COALESCE(" SECS("sale_until") ", 0), availability"


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
	int		 style, i;

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
	s = db_col_text(r, 17, &len);
	copy_text(f->currency, sizeof(f->currency), s, len);
	f->sale_cents = (int)db_col_int(r, 18);
	f->sale_from = db_col_int(r, 19);
	f->sale_until = db_col_int(r, 20);
	/* NULL (nothing said) is FRAME_STOCK_UNSAID; the ENUM holds no
	 * other value than frame_stock_name()'s. */
	if ((i = frame_stock_parse(db_col_text(r, 21, NULL))) > 0)
		f->stock = (enum frame_stock)i;
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
	struct db_arg	 arg[2] = { DB_INT(all ? 0 : 1), DB_INT(all ? 1 : 0) };

	*frames = NULL;
	*n = 0;
	/* active >= ?: 1 for the active ones, 0 for every frame; a frame
	 * flagged for staff (measurements missing, sql/070_feed.sql) is
	 * never the shop's. */
	if ((er = db_query(db, "SELECT " FRAME_COLS " FROM frames "
	    "WHERE active >= ? AND needs_review <= ? ORDER BY style, sku",
	    arg, 2, &r)) != FF_OK)
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

/* The catalog's rule; sizes 0 leaves the four sizes to the caller
 * (catalog_validate_row(), for a frame the feed gave only some of). */
static enum ff_err
validate(const struct frame *f, int sizes)
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
	/* The same ranges as the CHECK constraints in sql/001_init.sql;
	 * the sizes, and how they add up, by the catalog's one rule. */
	if (!in_range(f->rim_mm, 0, 20) || !in_range(f->tint_opacity, 0, 1) ||
	    (sizes && frame_sizes_check(f, NULL) != FF_OK))
		return FF_EINPUT;
	if (f->price_cents < 0 || f->price_cents > 100000000)
		return FF_EINPUT;
	if (strnlen(f->product_url, sizeof(f->product_url)) ==
	    sizeof(f->product_url) || !url_ok(f->product_url))
		return FF_EINPUT;
	return FF_OK;
}

enum ff_err
catalog_validate(const struct frame *f)
{
	return validate(f, 1);
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

/* ---- Rows with missing sizes (a product feed's; sql/070_feed.sql) ---- */

int
catalog_frame_complete(const struct frame *f)
{
	return (catalog_frame_sizes(f) & CATALOG_SIZES) == CATALOG_SIZES;
}

unsigned
catalog_frame_sizes(const struct frame *f)
{
	return (f->lens_width_mm > 0 ? CATALOG_HAS_LENS_WIDTH : 0) |
	    (f->lens_height_mm > 0 ? CATALOG_HAS_LENS_HEIGHT : 0) |
	    (f->bridge_mm > 0 ? CATALOG_HAS_BRIDGE : 0) |
	    (f->total_width_mm > 0 ? CATALOG_HAS_TOTAL_WIDTH : 0);
}

void
catalog_sizes_missing(unsigned has, struct buf *b)
{
	static const struct {
		unsigned	 bit;
		const char	*name;
	} s[] = {
		{ CATALOG_HAS_LENS_WIDTH, "lens width" },
		{ CATALOG_HAS_LENS_HEIGHT, "lens height" },
		{ CATALOG_HAS_BRIDGE, "bridge" },
		{ CATALOG_HAS_TOTAL_WIDTH, "total width" },
	};
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (!(has & s[i].bit))
			buf_printf(b, "%s%s", n++ ? ", " : "", s[i].name);
}

static const struct {
	unsigned	 bit;
	const char	*field;		/* frame_issue.field */
} size_bits[] = {
	{ CATALOG_HAS_LENS_WIDTH, "lens_width_mm" },
	{ CATALOG_HAS_LENS_HEIGHT, "lens_height_mm" },
	{ CATALOG_HAS_BRIDGE, "bridge_mm" },
	{ CATALOG_HAS_TOTAL_WIDTH, "total_width_mm" },
};

/*
 * Which of the fields a feed gives breaks validate(): the first whose
 * replacement by a value the rule takes makes the frame pass, so the
 * message names it without a second copy of the rule.
 */
static const char *
rule_broken(const struct frame *f)
{
	struct frame g;

	g = *f;
	snprintf(g.sku, sizeof(g.sku), "A");
	if (validate(&g, 0) == FF_OK)
		return "The id must be letters, digits and hyphens, at most 32, "
		    "to be a SKU.";
	g = *f;
	snprintf(g.product_url, sizeof(g.product_url), "https://a.example/");
	if (validate(&g, 0) == FF_OK)
		return "The link to the product's page must be an http:// or "
		    "https:// address without spaces.";
	g = *f;
	snprintf(g.name, sizeof(g.name), "A");
	if (validate(&g, 0) == FF_OK)
		return "The title must be 1 to 120 bytes of text.";
	g = *f;
	snprintf(g.brand, sizeof(g.brand), "A");
	if (validate(&g, 0) == FF_OK)
		return "The brand must be 1 to 60 bytes of text.";
	g = *f;
	g.price_cents = 0;
	if (validate(&g, 0) == FF_OK)
		return "The price is over the catalog's limit of 1000000.00.";
	return "It breaks more than one of the catalog's rules (id, title, "
	    "brand, price, link).";
}

enum ff_err
catalog_validate_row(const struct catalog_row *r, struct buf *why)
{
	struct frame_issue	 is[FRAME_ISSUES_MAX];
	enum ff_err		 er = FF_OK;
	int			 n, i;
	size_t			 k;

	if (validate(&r->f, 0) != FF_OK) {
		if (why != NULL)
			buf_puts(why, rule_broken(&r->f));
		er = FF_EINPUT;
	}
	/* A problem that names a missing size is that it is missing: the
	 * flag, not a refusal. Rules that combine sizes run only on sizes
	 * that passed their range, so a missing one blames no other. */
	n = frame_sizes_issues(&r->f, is, FRAME_ISSUES_MAX);
	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof(size_bits) / sizeof(size_bits[0]); k++)
			if (strcmp(is[i].field, size_bits[k].field) == 0)
				break;
		if (k < sizeof(size_bits) / sizeof(size_bits[0]) &&
		    !(r->has & size_bits[k].bit))
			continue;
		if (why != NULL)
			buf_printf(why, "%s%s", why->len ? " " : "", is[i].text);
		er = FF_EINPUT;
	}
	if ((r->has & CATALOG_HAS_TEMPLE) && !in_range(r->temple_mm,
	    CATALOG_TEMPLE_MIN_MM, CATALOG_TEMPLE_MAX_MM)) {
		if (why != NULL)
			buf_printf(why, "%sThe temple length is %.0f mm: it "
			    "should be %.0f to %.0f mm.", why->len ? " " : "",
			    r->temple_mm, CATALOG_TEMPLE_MIN_MM,
			    CATALOG_TEMPLE_MAX_MM);
		er = FF_EINPUT;
	}
	if (r->f.currency[0] != '\0' && (strlen(r->f.currency) != 3 ||
	    strspn(r->f.currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)) {
		if (why != NULL)
			buf_printf(why, "%sThe currency must be an ISO 4217 "
			    "code such as EUR.", why->len ? " " : "");
		er = FF_EINPUT;
	}
	/* A "sale" at or above the price would tell shoppers of a saving
	 * that is not there. */
	if (r->f.sale_cents < 0 || (r->f.sale_cents > 0 &&
	    r->f.sale_cents >= r->f.price_cents)) {
		if (why != NULL)
			buf_printf(why, "%sThe sale price must be below the "
			    "price.", why->len ? " " : "");
		er = FF_EINPUT;
	}
	if (r->f.sale_from > 0 && r->f.sale_until > 0 &&
	    r->f.sale_until <= r->f.sale_from) {
		if (why != NULL)
			buf_printf(why, "%sThe sale ends before it starts.",
			    why->len ? " " : "");
		er = FF_EINPUT;
	}
	if ((int)r->f.stock < 0 || r->f.stock >= FRAME_STOCK__MAX) {
		if (why != NULL)
			buf_printf(why, "%sThe availability is unknown.",
			    why->len ? " " : "");
		er = FF_EINPUT;
	}
	if (r->image_url[0] != '\0' && (!url_ok(r->image_url) ||
	    strnlen(r->image_url, sizeof(r->image_url)) ==
	    sizeof(r->image_url))) {
		if (why != NULL)
			buf_printf(why, "%sThe image link must be an http:// or "
			    "https:// address without spaces.",
			    why->len ? " " : "");
		er = FF_EINPUT;
	}
	return er;
}

/* FRAME_COLS, then the feed's columns, in the order of row_get(). */
#define ROW_COLS FRAME_COLS ", temple_mm, image_url"

enum ff_err
catalog_row_get(struct db *db, const char *sku, int lock,
    struct catalog_row *out)
{
	struct db_rows	*r;
	struct db_arg	 arg = DB_TEXT(sku);
	const char	*s;
	size_t		 len;
	enum ff_err	 er;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if (sku == NULL || *sku == '\0' || strlen(sku) >= sizeof(out->f.sku))
		return FF_ENOTFOUND;
	/* Two texts: db_query() caches a statement under its text. */
	er = lock ? db_query(db, "SELECT " ROW_COLS " FROM frames WHERE "
	    "sku = ? FOR UPDATE", &arg, 1, &r) : db_query(db, "SELECT "
	    ROW_COLS " FROM frames WHERE sku = ?", &arg, 1, &r);
	if (er != FF_OK)
		return er;
	if ((rc = db_rows_next(r)) != 1) {
		er = rc == 0 ? FF_ENOTFOUND : FF_EDB;
		goto out;
	}
	if ((er = row_to_frame(r, &out->f)) != FF_OK)
		goto out;
	/* The feed's rows never carry artwork; a hand-made frame's is not
	 * the import's to decode or keep. */
	catalog_frame_clear(&out->f);
	out->has |= db_col_null(r, 9) ? 0 : CATALOG_HAS_LENS_WIDTH;
	out->has |= db_col_null(r, 10) ? 0 : CATALOG_HAS_LENS_HEIGHT;
	out->has |= db_col_null(r, 11) ? 0 : CATALOG_HAS_BRIDGE;
	out->has |= db_col_null(r, 12) ? 0 : CATALOG_HAS_TOTAL_WIDTH;
	if (!db_col_null(r, 22)) {
		out->has |= CATALOG_HAS_TEMPLE;
		out->temple_mm = db_col_double(r, 22);
	}
	s = db_col_text(r, 23, &len);
	copy_text(out->image_url, sizeof(out->image_url), s, len);
out:
	db_rows_free(r);
	return er;
}

/* A size as bound: NULL when missing. */
static struct db_arg
size_arg(const struct catalog_row *r, unsigned bit, double v)
{
	return (r->has & bit) ? DB_DOUBLE(v) : DB_NULL;
}

enum ff_err
catalog_row_put(struct db *db, struct catalog_row *r)
{
	struct db_arg	 a[23];
	enum ff_err	 er;
	long long	 n, id;
	const struct frame *f = &r->f;

	if ((er = catalog_validate_row(r, NULL)) != FF_OK)
		return er;
	frame_args(&r->f, a);
	a[8] = size_arg(r, CATALOG_HAS_LENS_WIDTH, r->f.lens_width_mm);
	a[9] = size_arg(r, CATALOG_HAS_LENS_HEIGHT, r->f.lens_height_mm);
	a[10] = size_arg(r, CATALOG_HAS_BRIDGE, r->f.bridge_mm);
	a[11] = size_arg(r, CATALOG_HAS_TOTAL_WIDTH, r->f.total_width_mm);
	a[15] = size_arg(r, CATALOG_HAS_TEMPLE, r->temple_mm);
	a[16] = f->currency[0] ? DB_TEXT(f->currency) : DB_NULL;
	a[17] = r->image_url[0] ? DB_TEXT(r->image_url) : DB_NULL;
	a[18] = f->sale_cents > 0 ? DB_INT(f->sale_cents) : DB_NULL;
	a[19] = f->sale_from > 0 ? DB_INT(f->sale_from) : DB_NULL;
	a[20] = f->sale_until > 0 ? DB_INT(f->sale_until) : DB_NULL;
	a[21] = frame_stock_name(f->stock) != NULL ?
	    DB_TEXT(frame_stock_name(f->stock)) : DB_NULL;
	if (r->f.id == 0) {
		if ((er = db_exec(db, "INSERT INTO frames (sku, name, brand, "
		    "style, rim_rgb, rim_mm, tint_rgb, tint_opacity, "
		    "lens_width_mm, lens_height_mm, bridge_mm, total_width_mm, "
		    "price_cents, active, product_url, temple_mm, currency, "
		    "image_url, sale_price_cents, sale_from, sale_until, "
		    "availability) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		    "?, ?, ?, ?, ?, ?, ?, " DATETIME_OF ", " DATETIME_OF ", ?)",
		    a, 22, NULL, &id)) != FF_OK)
			return er;
		r->f.id = id;
		return FF_OK;
	}
	a[22] = DB_INT(r->f.id);
	if ((er = db_exec(db, "UPDATE frames SET sku = ?, name = ?, "
	    "brand = ?, style = ?, rim_rgb = ?, rim_mm = ?, tint_rgb = ?, "
	    "tint_opacity = ?, lens_width_mm = ?, lens_height_mm = ?, "
	    "bridge_mm = ?, total_width_mm = ?, price_cents = ?, active = ?, "
	    "product_url = ?, temple_mm = ?, currency = ?, image_url = ?, "
	    "sale_price_cents = ?, sale_from = " DATETIME_OF ", "
	    "sale_until = " DATETIME_OF ", availability = ? "
	    "WHERE id = ?", a, 23, &n, NULL)) != FF_OK)
		return er;
	return n == 0 ? FF_ENOTFOUND : FF_OK;
}

/* Equal as a DECIMAL column of the given decimals would store them. */
static int
same_dec(double a, double b, double scale)
{
	return llround(a * scale) == llround(b * scale);
}

int
catalog_row_same(const struct catalog_row *a, const struct catalog_row *b)
{
	const struct frame *x = &a->f, *y = &b->f;
	unsigned m = CATALOG_SIZES | CATALOG_HAS_TEMPLE;

	if ((a->has & m) != (b->has & m))
		return 0;
	if (strcmp(x->name, y->name) != 0 || strcmp(x->brand, y->brand) != 0 ||
	    x->style != y->style || x->rim_rgb != y->rim_rgb ||
	    x->tint_rgb != y->tint_rgb || x->price_cents != y->price_cents ||
	    (x->active != 0) != (y->active != 0) ||
	    strcmp(x->product_url, y->product_url) != 0 ||
	    strcmp(x->currency, y->currency) != 0 ||
	    strcmp(a->image_url, b->image_url) != 0 ||
	    x->sale_cents != y->sale_cents || x->sale_from != y->sale_from ||
	    x->sale_until != y->sale_until || x->stock != y->stock)
		return 0;
	/* The scales of the columns in sql/001_init.sql and 070. */
	if (!same_dec(x->rim_mm, y->rim_mm, 100) ||
	    !same_dec(x->tint_opacity, y->tint_opacity, 100))
		return 0;
	return (!(a->has & CATALOG_HAS_LENS_WIDTH) ||
	    same_dec(x->lens_width_mm, y->lens_width_mm, 10)) &&
	    (!(a->has & CATALOG_HAS_LENS_HEIGHT) ||
	    same_dec(x->lens_height_mm, y->lens_height_mm, 10)) &&
	    (!(a->has & CATALOG_HAS_BRIDGE) ||
	    same_dec(x->bridge_mm, y->bridge_mm, 10)) &&
	    (!(a->has & CATALOG_HAS_TOTAL_WIDTH) ||
	    same_dec(x->total_width_mm, y->total_width_mm, 10)) &&
	    (!(a->has & CATALOG_HAS_TEMPLE) ||
	    same_dec(a->temple_mm, b->temple_mm, 10));
}

enum ff_err
catalog_count(struct db *db, long long *n)
{
	return db_query_int(db, "SELECT COUNT(*) FROM frames", NULL, 0, n);
}

enum ff_err
catalog_flagged(struct db *db, size_t max, struct catalog_flagged **out,
    size_t *n, long long *total)
{
	struct db_rows		*r;
	struct catalog_flagged	*v = NULL;
	struct db_arg		 arg = DB_INT((long long)max);
	const char		*s;
	size_t			 len, got = 0, cap;
	enum ff_err		 er;

	*out = NULL;
	*n = 0;
	if ((er = db_query_int(db, "SELECT COUNT(*) FROM frames WHERE "
	    "needs_review = 1", NULL, 0, total)) != FF_OK)
		return er;
	if ((er = db_query(db, "SELECT sku, name, lens_width_mm IS NOT NULL, "
	    "lens_height_mm IS NOT NULL, bridge_mm IS NOT NULL, "
	    "total_width_mm IS NOT NULL, active FROM frames "
	    "WHERE needs_review = 1 ORDER BY sku LIMIT ?", &arg, 1, &r)) !=
	    FF_OK)
		return er;
	cap = db_rows_count(r);
	if (cap > 0)
		v = xcalloc(cap, sizeof(*v));
	while (got < cap && db_rows_next(r) == 1) {
		s = db_col_text(r, 0, &len);
		copy_text(v[got].sku, sizeof(v[got].sku), s, len);
		s = db_col_text(r, 1, &len);
		copy_text(v[got].name, sizeof(v[got].name), s, len);
		v[got].has = (db_col_int(r, 2) ? CATALOG_HAS_LENS_WIDTH : 0) |
		    (db_col_int(r, 3) ? CATALOG_HAS_LENS_HEIGHT : 0) |
		    (db_col_int(r, 4) ? CATALOG_HAS_BRIDGE : 0) |
		    (db_col_int(r, 5) ? CATALOG_HAS_TOTAL_WIDTH : 0);
		v[got].active = db_col_int(r, 6) != 0;
		got++;
	}
	db_rows_free(r);
	*out = v;
	*n = got;
	return FF_OK;
}
