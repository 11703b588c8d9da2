/*
 * check_feed.c: the product feed (src/feed/merchant.c) and its import
 * (src/app/feed.c) into the catalog (src/store/catalog.c) of a real,
 * private MariaDB (tests/dbtest.h, database framefit_feed_test).
 *
 * The parser and the mapping are tables of {input, expected}; the import
 * tests each use SKUs of their own, so they do not depend on one another
 * (Check forks every test).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/feed.h"
#include "core/buf.h"
#include "dbtest.h"
#include "feed/merchant.h"
#include "store/catalog.h"
#include "store/db.h"

/* Parse s, expecting FF_OK; the caller frees fd. */
static void
parse_ok(const char *s, size_t len, struct feed *fd)
{
	struct buf why;

	buf_init(&why);
	ck_assert_msg(feed_parse(s, len, fd, &why) == FF_OK, "refused: %s",
	    why.ptr ? why.ptr : "");
	buf_free(&why);
}

static void
parse_bad(const char *s, size_t len, enum ff_err want, const char *needle)
{
	struct feed	 fd;
	struct buf	 why;

	buf_init(&why);
	ck_assert_int_eq(feed_parse(s, len, &fd, &why), want);
	ck_assert_ptr_nonnull(why.ptr);
	ck_assert_msg(strstr(why.ptr, needle) != NULL, "'%s' not in '%s'",
	    needle, why.ptr);
	ck_assert_int_eq(fd.nitems, 0);
	buf_free(&why);
}

#define GET(it, n)	(feed_get((it), (n)) ? feed_get((it), (n)) : "(null)")

START_TEST(test_csv)
{
	static const char s[] =
	    "id,title,link,price,brand,size\n"
	    "A-1,Hollis Round,https://s.example/a1,129.00 EUR,Marlowe,52-18-140\n"
	    "A-2,\"Archer, \"\"Square\"\"\nsecond line\",https://s.example/a2,"
	    "99 EUR,Marlowe,\n"
	    "\n"
	    "A-3,Third,https://s.example/a3,1.00 EUR,Marlowe,x\n";
	struct feed fd;

	parse_ok(s, sizeof(s) - 1, &fd);
	ck_assert_int_eq(fd.format, FEED_TEXT);
	ck_assert_int_eq(fd.delim, ',');
	ck_assert_int_eq(fd.nitems, 3);
	ck_assert_str_eq(GET(&fd.items[0], "id"), "A-1");
	ck_assert_str_eq(GET(&fd.items[0], "price"), "129.00 EUR");
	ck_assert_str_eq(GET(&fd.items[0], "size"), "52-18-140");
	ck_assert_int_eq(fd.items[0].num, 2);
	/* A quoted comma, doubled quotes and a line break stay in. */
	ck_assert_str_eq(GET(&fd.items[1], "title"),
	    "Archer, \"Square\"\nsecond line");
	ck_assert_int_eq(fd.items[1].num, 3);
	/* An empty value is no attribute. */
	ck_assert_ptr_null(feed_get(&fd.items[1], "size"));
	/* Line 4 is the title's second line, 5 is empty. */
	ck_assert_int_eq(fd.items[2].num, 6);
	ck_assert_ptr_null(fd.items[2].error);
	feed_free(&fd);
}
END_TEST

START_TEST(test_tsv_bom_crlf)
{
	static const char s[] =
	    "\xEF\xBB\xBFid\ttitle\tlink\tprice\tbrand\tg:product_detail\r\n"
	    "B-1\tLinden, slim\thttps://s.example/b1\t109.00 USD\tField\t"
	    "Frame:Lens height:33 mm,Frame:Frame width:140mm,"
	    "Display:Diagonal Size:\"2.5\"\"\"\r\n";
	struct feed	 fd;
	const struct feed_item *it;
	size_t		 i, nd = 0;

	parse_ok(s, sizeof(s) - 1, &fd);
	ck_assert_int_eq(fd.delim, '\t');
	ck_assert_int_eq(fd.nitems, 1);
	it = &fd.items[0];
	/* The BOM is not part of the first name, CR not of the last value. */
	ck_assert_str_eq(GET(it, "id"), "B-1");
	ck_assert_str_eq(GET(it, "title"), "Linden, slim");
	for (i = 0; i < it->nattrs; i++)
		if (strcmp(it->attrs[i].name, "product_detail") == 0)
			nd++;
	ck_assert_int_eq(nd, 3);
	ck_assert_str_eq(GET(it, "product_detail"),
	    "Frame\x1fLens height\x1f" "33 mm");
	ck_assert_str_eq(it->attrs[it->nattrs - 1].value,
	    "Display\x1f" "Diagonal Size\x1f" "2.5\"");
	feed_free(&fd);
}
END_TEST

static const char rss[] =
    "<?xml version=\"1.0\"?>\n"
    "<rss xmlns:g=\"http://base.google.com/ns/1.0\" version=\"2.0\">\n"
    "<channel><title>Shop</title><link>https://s.example/</link>\n"
    "<item>\n"
    "  <g:id>X-1</g:id>\n"
    "  <title>Skyline &amp; Co Aviator</title>\n"
    "  <link>https://s.example/x1</link>\n"
    "  <g:image_link>https://img.example/x1.jpg</g:image_link>\n"
    "  <g:price>159.00 GBP</g:price>\n"
    "  <g:brand><![CDATA[Northlight]]></g:brand>\n"
    "  <g:shipping><g:country>GB</g:country><g:price>4.95 GBP</g:price>"
    "</g:shipping>\n"
    "  <g:size>58\xE2\x96\xA1" "14 140</g:size>\n"
    "  <g:product_detail><g:section_name>Frame</g:section_name>"
    "<g:attribute_name>Lens height</g:attribute_name>"
    "<g:attribute_value>50 mm</g:attribute_value></g:product_detail>\n"
    "  <g:product_detail><g:attribute_name>Frame width</g:attribute_name>"
    "<g:attribute_value>14 cm</g:attribute_value></g:product_detail>\n"
    "  <other:x xmlns:other=\"urn:x\">ignored</other:x>\n"
    "</item>\n"
    "<item><g:id>X-2</g:id></item>\n"
    "</channel></rss>\n";

START_TEST(test_xml_rss)
{
	struct feed		 fd;
	struct catalog_row	 r;
	struct buf		 why, notes;

	parse_ok(rss, sizeof(rss) - 1, &fd);
	ck_assert_int_eq(fd.format, FEED_XML);
	ck_assert_int_eq(fd.nitems, 2);
	ck_assert_int_eq(fd.items[0].num, 1);
	ck_assert_int_eq(fd.items[0].line, 4);
	ck_assert_int_eq(fd.items[1].num, 2);
	ck_assert_str_eq(GET(&fd.items[0], "id"), "X-1");
	ck_assert_str_eq(GET(&fd.items[0], "title"), "Skyline & Co Aviator");
	ck_assert_str_eq(GET(&fd.items[0], "brand"), "Northlight");
	/* The shipping's own price is not the item's. */
	ck_assert_str_eq(GET(&fd.items[0], "price"), "159.00 GBP");
	ck_assert_ptr_null(feed_get(&fd.items[0], "x"));
	buf_init(&why);
	buf_init(&notes);
	ck_assert_int_eq(feed_item_row(&fd.items[0], &r, &why, &notes), 1);
	ck_assert_str_eq(r.f.sku, "X-1");
	ck_assert_int_eq(r.f.price_cents, 15900);
	ck_assert_str_eq(r.f.currency, "GBP");
	ck_assert_str_eq(r.image_url, "https://img.example/x1.jpg");
	ck_assert_str_eq(r.f.product_url, "https://s.example/x1");
	ck_assert_int_eq(r.f.style, FRAME_AVIATOR);	/* from the title */
	ck_assert_uint_eq(r.has & (CATALOG_SIZES | CATALOG_HAS_TEMPLE),
	    CATALOG_SIZES | CATALOG_HAS_TEMPLE);
	ck_assert_double_eq(r.f.lens_width_mm, 58);
	ck_assert_double_eq(r.f.bridge_mm, 14);
	ck_assert_double_eq(r.temple_mm, 140);
	ck_assert_double_eq(r.f.lens_height_mm, 50);
	ck_assert_double_eq(r.f.total_width_mm, 140);
	ck_assert_int_eq(catalog_validate_row(&r, NULL), FF_OK);
	/* The second item has only an id. */
	buf_reset(&why);
	ck_assert_int_eq(feed_item_row(&fd.items[1], &r, &why, &notes), 0);
	ck_assert_str_eq(why.ptr, "It has no title.");
	buf_free(&why);
	buf_free(&notes);
	feed_free(&fd);
}
END_TEST

START_TEST(test_xml_atom_and_entities)
{
	static const char atom[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
	    "xmlns:g=\"http://base.google.com/ns/1.0\">\n"
	    "<entry><g:id>Y-1</g:id><title>Round</title>"
	    "<link rel=\"alternate\" href=\"https://s.example/y1\"/>"
	    "<g:price>10 EUR</g:price></entry></feed>\n";
	/* An external entity is neither fetched nor expanded. */
	static const char ext[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE rss [<!ENTITY x SYSTEM \"http://127.0.0.1:9/x\">]>\n"
	    "<rss><channel><item><g:id xmlns:g=\"http://base.google.com/ns/1.0\">"
	    "Z-1</g:id><title>&x;T</title></item></channel></rss>\n";
	/* Entities that multiply ("billion laughs"): refused, not run. */
	static const char lol[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaaaaaaaaaaaa\">"
	    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
	    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
	    "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
	    "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
	    "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">"
	    "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">]>\n"
	    "<rss><channel><item><title>&g;</title></item></channel></rss>\n";
	struct feed fd;

	parse_ok(atom, sizeof(atom) - 1, &fd);
	ck_assert_int_eq(fd.nitems, 1);
	ck_assert_str_eq(GET(&fd.items[0], "link"), "https://s.example/y1");
	ck_assert_str_eq(GET(&fd.items[0], "title"), "Round");
	feed_free(&fd);
	parse_ok(ext, sizeof(ext) - 1, &fd);
	ck_assert_int_eq(fd.nitems, 1);
	ck_assert_str_eq(GET(&fd.items[0], "id"), "Z-1");
	ck_assert_str_eq(GET(&fd.items[0], "title"), "T");
	feed_free(&fd);
	parse_bad(lol, sizeof(lol) - 1, FF_EINPUT, "not well-formed XML");
}
END_TEST

static const struct {
	const char	*s;
	int		 n;
	double		 lens, bridge, temple;
} sizes[] = {
	{ "52-18-140", 3, 52, 18, 140 },
	{ "52\xE2\x96\xA1" "18-140", 3, 52, 18, 140 },
	{ "52\xE2\x96\xA1" "18 140", 3, 52, 18, 140 },
	{ "52 18 140", 3, 52, 18, 140 },
	{ "52/18/140", 3, 52, 18, 140 },
	{ " 52 - 18 - 145 mm", 3, 52, 18, 145 },
	{ "49.5-21-140", 3, 49.5, 21, 140 },
	{ "52\xE2\x96\xA1" "18", 2, 52, 18, 0 },
	{ "52-18", 2, 52, 18, 0 },
	{ "M", 0, 0, 0, 0 },
	{ "one size", 0, 0, 0, 0 },
	{ "52", 0, 0, 0, 0 },
	{ "52--18", 0, 0, 0, 0 },
	{ "52-18-140-40", 0, 0, 0, 0 },
	{ "52-18-", 0, 0, 0, 0 },
	{ "", 0, 0, 0, 0 },
};

START_TEST(test_boxing_size)
{
	double	 l, b, t;
	int	 n = feed_boxing_size(sizes[_i].s, &l, &b, &t);

	ck_assert_msg(n == sizes[_i].n, "'%s': %d numbers, want %d",
	    sizes[_i].s, n, sizes[_i].n);
	ck_assert_double_eq(l, sizes[_i].lens);
	ck_assert_double_eq(b, sizes[_i].bridge);
	ck_assert_double_eq(t, sizes[_i].temple);
}
END_TEST

static const struct {
	const char	*s;
	int		 ok;
	long long	 cents;
	const char	*cur;
} prices[] = {
	{ "129.00 EUR", 1, 12900, "EUR" },
	{ "EUR 129.00", 1, 12900, "EUR" },
	{ "129 EUR", 1, 12900, "EUR" },
	{ "0.5 USD", 1, 50, "USD" },
	{ "4999 JPY", 1, 499900, "JPY" },
	{ "129,00 EUR", 0, 0, "" },
	{ "129.001 EUR", 0, 0, "" },
	{ "129.00", 0, 0, "" },
	{ "129.00 eur", 0, 0, "" },
	{ "\xE2\x82\xAC" "129", 0, 0, "" },
	{ "129. EUR", 0, 0, "" },
	{ "-5 EUR", 0, 0, "" },
	{ "129.00 EURO", 0, 0, "" },
	{ "", 0, 0, "" },
};

START_TEST(test_price)
{
	long long	 c = -1;
	char		 cur[4] = "";
	int		 ok = feed_price(prices[_i].s, &c, cur);

	ck_assert_msg(ok == prices[_i].ok, "'%s'", prices[_i].s);
	if (ok) {
		ck_assert_int_eq(c, prices[_i].cents);
		ck_assert_str_eq(cur, prices[_i].cur);
	}
}
END_TEST

/* sale_price_effective_date: Unix seconds, UTC (0 0: refused). */
static const struct {
	const char	*s;
	long long	 from, until;
} windows[] = {
	{ "2024-02-24T11:07+0100/2024-02-29T23:07+0100", 1708769220,
	    1709244420 },
	{ "2024-02-24T11:07:31Z / 2024-03-01T00:00:00Z", 1708772851,
	    1709251200 },
	{ "2024-02-24/2024-03-01", 1708732800, 1709251200 },
	{ "2024-02-24T11:07-08:00/2024-02-25T00:00-0800", 1708801620,
	    1708848000 },
	{ " 1999-12-31T23:59:59/2100-03-01 ", 946684799, 4107542400 },
	{ "2025-02-24T11:07+0100/2025-02-29T23:07+0100", 0, 0 },	/* no 29th */
	{ "2024-03-01/2024-02-24", 0, 0 },			/* ends first */
	{ "2024-03-01/2024-03-01", 0, 0 },
	{ "2024-02-24T11:07+0100", 0, 0 },			/* no end */
	{ "2024-13-01/2024-14-01", 0, 0 },
	{ "2024-02-24T25:00/2024-03-01", 0, 0 },
	{ "2024-02-24T11:07+01/2024-03-01", 0, 0 },
	{ "2024-02-24/2024-03-01 and on", 0, 0 },
	{ "24.02.2024/01.03.2024", 0, 0 },
	{ "", 0, 0 },
};

START_TEST(test_sale_window)
{
	long long	 from = -1, until = -1;
	int		 ok = feed_sale_window(windows[_i].s, &from, &until);

	ck_assert_msg(ok == (windows[_i].from != 0), "'%s': %d", windows[_i].s,
	    ok);
	if (ok) {
		ck_assert_int_eq(from, windows[_i].from);
		ck_assert_int_eq(until, windows[_i].until);
	}
}
END_TEST

static const struct {
	const char	*s;
	int		 stock;
} stocks[] = {
	{ "in_stock", FRAME_IN_STOCK },
	{ "In Stock", FRAME_IN_STOCK },
	{ "out of stock", FRAME_OUT_OF_STOCK },
	{ "OUT_OF_STOCK", FRAME_OUT_OF_STOCK },
	{ "preorder", FRAME_PREORDER },
	{ "backorder", FRAME_BACKORDER },
	{ "available for order", -1 },
	{ "pre-order", -1 },
	{ "soldout", -1 },
	{ "", -1 },
};

START_TEST(test_availability)
{
	ck_assert_int_eq(feed_availability(stocks[_i].s), stocks[_i].stock);
}
END_TEST

/* One item of a CSV feed with these columns after the required ones. */
static int
map_one(const char *extra_cols, const char *extra_vals, const char *price,
    struct catalog_row *r, struct buf *why, struct buf *notes)
{
	struct feed	 fd;
	struct buf	 s;
	int		 ok;

	buf_init(&s);
	buf_printf(&s, "id,title,link,price,brand%s\nM-1,Test Frame,"
	    "https://s.example/m1,%s,Brand%s\n", extra_cols, price, extra_vals);
	parse_ok(s.ptr, s.len, &fd);
	ck_assert_int_eq(fd.nitems, 1);
	ok = feed_item_row(&fd.items[0], r, why, notes);
	feed_free(&fd);
	buf_free(&s);
	return ok;
}

START_TEST(test_map)
{
	struct catalog_row	 r;
	struct buf		 why, notes;

	buf_init(&why);
	buf_init(&notes);
	/* Only the boxing size: lens height and total width missing. */
	ck_assert_int_eq(map_one(",size", ",52-18-140", "129.00 EUR", &r, &why,
	    &notes), 1);
	ck_assert_uint_eq(r.has & CATALOG_SIZES, CATALOG_HAS_LENS_WIDTH |
	    CATALOG_HAS_BRIDGE);
	ck_assert_double_eq(r.f.lens_height_mm, 0);
	ck_assert_int_eq(catalog_validate_row(&r, NULL), FF_OK);
	/* No sizes at all, a colour and a shape named in a detail. */
	ck_assert_int_eq(map_one(",color,product_detail", ",Tortoise/Gold,"
	    "\"Frame:Frame shape:Cat-eye\"", "10 EUR", &r, &why, &notes), 1);
	ck_assert_uint_eq(r.has & CATALOG_SIZES, 0);
	ck_assert_uint_eq(r.has & (CATALOG_HAS_STYLE | CATALOG_HAS_COLOUR),
	    CATALOG_HAS_STYLE | CATALOG_HAS_COLOUR);
	ck_assert_int_eq(r.f.style, FRAME_CATEYE);
	ck_assert_uint_eq(r.f.rim_rgb, 0x6B4226);
	/* A bad price. */
	buf_reset(&why);
	ck_assert_int_eq(map_one("", "", "\"129,00 EUR\"", &r, &why, &notes),
	    0);
	ck_assert_str_eq(why.ptr, "The price '129,00 EUR' is not an amount "
	    "and a currency such as '129.00 EUR' (at most 1000000.00).");
	/* A size in a detail that is not a length. */
	buf_reset(&why);
	ck_assert_int_eq(map_one(",product_detail", ",Frame:Lens width:fifty",
	    "1 EUR", &r, &why, &notes), 0);
	ck_assert_str_eq(why.ptr, "The lens width 'fifty' is not a length "
	    "such as '52 mm'.");
	/* A title over the catalog's 120 bytes is cut at a character, with
	 * a note; 59 two-byte letters and one more do not fit 120 - 1. */
	{
		struct feed	 fd;
		struct buf	 s;
		int		 i;

		buf_init(&s);
		buf_puts(&s, "id,title,link,price,brand\nT-1,A");
		for (i = 0; i < 60; i++)
			buf_puts(&s, "\xC3\xA9");	/* é */
		buf_puts(&s, ",https://s.example/t,1 EUR,B\n");
		parse_ok(s.ptr, s.len, &fd);
		buf_reset(&notes);
		ck_assert_int_eq(feed_item_row(&fd.items[0], &r, &why, &notes),
		    1);
		ck_assert_uint_eq(strlen(r.f.name), 119);
		ck_assert_str_eq(notes.ptr, "The title was shortened to the "
		    "catalog's 120 bytes.");
		feed_free(&fd);
		buf_free(&s);
	}
	/* The catalog's size rule, on the sizes that are there. */
	ck_assert_int_eq(map_one(",size,product_detail", ",52-18-140,"
	    "Frame:Frame width:300 mm", "1 EUR", &r, &why, &notes), 1);
	buf_reset(&why);
	ck_assert_int_eq(catalog_validate_row(&r, &why), FF_EINPUT);
	ck_assert_ptr_nonnull(strstr(why.ptr, "total width"));
	buf_free(&why);
	buf_free(&notes);
}
END_TEST

/*
 * Shapes in product_detail, several entries in one TSV cell separated by
 * commas: a shape the catalog has is taken as it is; one it does not
 * have is drawn as the nearest, and one it does not know is not taken,
 * each with a note for the import's report (the row still imports).
 */
static const struct {
	const char	*details;	/* the product_detail cell */
	int		 style;
	int		 has_style;
	double		 lens_height;	/* 0: none given */
	const char	*note;		/* "" for none */
} shape_cases[] = {
	{ "Frame:Shape:Round", FRAME_ROUND, 1, 0, "" },
	{ "Frame:Frame shape:Cat-eye", FRAME_CATEYE, 1, 0, "" },
	{ "Frame:Shape:Oval", FRAME_ROUND, 1, 0, "The catalog has no 'Oval' "
	    "shape: the frame is drawn as round, the nearest it has." },
	{ "Frame:Lens height:40 mm,Frame:Shape:Square,Frame:Colour:Black",
	    FRAME_RECTANGLE, 1, 40, "The catalog has no 'Square' shape: the "
	    "frame is drawn as rectangle, the nearest it has." },
	{ "Frame:Shape:Wayfarer, Frame:Lens height:38 mm", FRAME_BROWLINE, 1,
	    38, "The catalog has no 'Wayfarer' shape: the frame is drawn as "
	    "browline, the nearest it has." },
	{ "Frame:Shape:Hexagonal,Frame:Lens height:41 mm", FRAME_RECTANGLE, 0,
	    41, "The shape 'Hexagonal' is not one the catalog draws (round, "
	    "rectangle, aviator, cat-eye, browline, rimless): the style was "
	    "not taken from it." },
	/* Without a comma between them, one entry: the colour is read as
	 * part of the shape. */
	{ "Frame:Shape:Oval Frame:Colour:Black", FRAME_ROUND, 1, 0,
	    "The catalog has no 'Oval Frame:Colour:Black' shape: the frame is "
	    "drawn as round, the nearest it has." },
};

START_TEST(test_shape_notes)
{
	struct feed		 fd;
	struct catalog_row	 r;
	struct buf		 s, why, notes;

	buf_init(&s);
	buf_init(&why);
	buf_init(&notes);
	buf_printf(&s, "id\ttitle\tlink\tprice\tbrand\tproduct_detail\n"
	    "S-1\tTest Frame\thttps://s.example/s1\t1 EUR\tB\t%s\n",
	    shape_cases[_i].details);
	parse_ok(s.ptr, s.len, &fd);
	ck_assert_int_eq(fd.nitems, 1);
	ck_assert_int_eq(feed_item_row(&fd.items[0], &r, &why, &notes), 1);
	ck_assert_int_eq(r.f.style, shape_cases[_i].style);
	ck_assert_int_eq((r.has & CATALOG_HAS_STYLE) != 0,
	    shape_cases[_i].has_style);
	ck_assert_double_eq(r.f.lens_height_mm, shape_cases[_i].lens_height);
	ck_assert_str_eq(notes.ptr != NULL ? notes.ptr : "",
	    shape_cases[_i].note);
	feed_free(&fd);
	buf_free(&s);
	buf_free(&why);
	buf_free(&notes);
}
END_TEST

START_TEST(test_limits)
{
	struct feed	 fd;
	struct buf	 s;
	size_t		 i;
	char		*big;

	/* A value over FEED_FIELD_MAX spoils its row only. */
	buf_init(&s);
	buf_puts(&s, "id,title,link,price,brand,description\nL-1,T,"
	    "https://s.example/l,1 EUR,B,");
	for (i = 0; i < FEED_FIELD_MAX + 1; i++)
		buf_putc(&s, 'x');
	buf_puts(&s, "\nL-2,T,https://s.example/l,1 EUR,B,short\n");
	parse_ok(s.ptr, s.len, &fd);
	ck_assert_int_eq(fd.nitems, 2);
	ck_assert_str_eq(fd.items[0].error, "The value of description is "
	    "longer than 16384 bytes.");
	ck_assert_ptr_null(fd.items[1].error);
	ck_assert_str_eq(GET(&fd.items[1], "description"), "short");
	feed_free(&fd);
	/* One row more than FEED_MAX_ITEMS: the whole feed is refused. */
	buf_reset(&s);
	buf_puts(&s, "id,title,link,price,brand\n");
	for (i = 0; i < FEED_MAX_ITEMS + 1; i++)
		buf_printf(&s, "R-%zu,T,https://s.example/r,1 EUR,B\n", i);
	parse_bad(s.ptr, s.len, FF_EINPUT, "more than 20000 items (line 20002");
	buf_free(&s);
	/* Over FEED_MAX_BYTES. */
	big = calloc(1, FEED_MAX_BYTES + 1);
	memset(big, 'a', FEED_MAX_BYTES + 1);
	parse_bad(big, FEED_MAX_BYTES + 1, FF_ETOOBIG, "the most this import "
	    "reads is 8 MB");
	free(big);
}
END_TEST

START_TEST(test_bad_feeds)
{
	struct feed	 fd;
	static const char wrongn[] = "id,title,link,price,brand\n"
	    "W-1,T,https://s.example/w,1 EUR\n"
	    "W-2,T,https://s.example/w,1 EUR,B\n"
	    "W-3,\"open,https://s.example/w,1 EUR,B\n"
	    "W-4,T,https://s.example/w,1 EUR,B\n";

	parse_bad("", 0, FF_EINPUT, "empty");
	parse_bad("title,link\nT,https://s.example/\n", 32, FF_EINPUT,
	    "there is no id column");
	parse_bad("id,title,link,price,brand\n", 26, FF_EINPUT, "no items");
	parse_bad("<rss><channel><item><g:id>1</g:id></item>", 41, FF_EINPUT,
	    "not well-formed XML (line 1");
	parse_bad("<rss><channel></channel></rss>", 30, FF_EINPUT,
	    "no <item> or <entry>");
	parse_bad("i\0d", 3, FF_EINPUT, "NUL bytes");
	parse_ok(wrongn, sizeof(wrongn) - 1, &fd);
	ck_assert_int_eq(fd.nitems, 3);
	ck_assert_str_eq(fd.items[0].error, "It has 4 values but the header "
	    "row has 5 columns (a separator too many or a quote not closed?).");
	ck_assert_ptr_null(fd.items[1].error);
	ck_assert_int_eq(fd.items[2].num, 4);
	ck_assert_str_eq(fd.items[2].error, "A quoted value that starts on "
	    "line 4 is never closed: the rest of the feed is in it.");
	feed_free(&fd);
}
END_TEST

/* ---- The import, against the database ---- */

static const char good_bad[] =
    "id\ttitle\tlink\timage_link\tprice\tbrand\tsize\tproduct_detail\n"
    "G-1\tFull Round\thttps://s.example/g1\thttps://img.example/g1.jpg\t"
    "129.00 EUR\tMarlowe\t47-21-145\tFrame:Lens height:42 mm,Frame:Frame "
    "width:140 mm,Frame:Shape:Round\n"
    "G-2\tOnly Boxing\thttps://s.example/g2\t\t99.00 EUR\tMarlowe\t"
    "52\xE2\x96\xA1" "18 140\t\n"
    "G-3\tNo Sizes\thttps://s.example/g3\t\t10.00 EUR\tMarlowe\t\t\n"
    "G-4\tBad Price\thttps://s.example/g4\t\t12,00 EUR\tMarlowe\t\t\n"
    "G bad\tBad Id\thttps://s.example/g5\t\t1.00 EUR\tMarlowe\t\t\n"
    "G-6\tBad Link\tftp://s.example/g6\t\t1.00 EUR\tMarlowe\t\t\n"
    "G-1\tTwice\thttps://s.example/g1\t\t1.00 EUR\tMarlowe\t\t\n";

static void
import_ok(struct db *d, const char *s, size_t len, struct feed_report *rep)
{
	ck_assert_int_eq(feed_import(d, s, len, rep), FF_OK);
	ck_assert_str_eq(rep->fatal, "");
}

START_TEST(test_import)
{
	struct db		*d = dbtest_open();
	struct feed_report	 rep;
	struct frame		*fr;
	struct buf		 b;
	size_t			 n, i, shop = 0, all = 0;
	long long		 frames0 = dbtest_int(d, "SELECT COUNT(*) FROM "
	    "frames", 0);

	import_ok(d, good_bad, sizeof(good_bad) - 1, &rep);
	ck_assert_int_eq(rep.items, 7);
	ck_assert_int_eq(rep.added, 3);
	ck_assert_int_eq(rep.changed, 0);
	ck_assert_int_eq(rep.unchanged, 0);
	ck_assert_int_eq(rep.bad, 4);
	ck_assert_int_eq(rep.flagged, 2);
	ck_assert_int_eq(rep.untouched, frames0);
	/* Bad rows by line, with reasons; notes for the flagged ones. */
	ck_assert_int_eq(rep.nlines, 6);
	ck_assert_int_eq(rep.lines[0].num, 3);
	ck_assert_int_eq(rep.lines[0].bad, 0);
	ck_assert_str_eq(rep.lines[0].text, "Flagged for staff: the feed gives "
	    "no lens height, total width; the shop shows it once they are "
	    "filled in.");
	ck_assert_int_eq(rep.lines[2].num, 5);
	ck_assert_int_eq(rep.lines[2].bad, 1);
	ck_assert_ptr_nonnull(strstr(rep.lines[2].text, "'12,00 EUR'"));
	ck_assert_int_eq(rep.lines[3].num, 6);
	ck_assert_str_eq(rep.lines[3].text, "The id must be letters, digits "
	    "and hyphens, at most 32, to be a SKU.");
	ck_assert_int_eq(rep.lines[4].num, 7);
	ck_assert_str_eq(rep.lines[4].text, "The link to the product's page "
	    "must be an http:// or https:// address without spaces.");
	ck_assert_int_eq(rep.lines[5].num, 8);
	ck_assert_str_eq(rep.lines[5].text, "The id G-1 appears again: line 2 "
	    "has it and was imported.");
	buf_init(&b);
	feed_report_summary(&rep, &b);
	ck_assert_str_eq(b.ptr, "7 rows: 3 added, 0 changed, 0 unchanged, 4 "
	    "bad; 2 flagged for staff; 16 frames of the catalog not in the "
	    "feed left as they are.");
	feed_report_free(&rep);
	/* What is stored. */
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM frames WHERE sku "
	    "LIKE 'G-%'", 0), 3);
	ck_assert_int_eq(dbtest_int(d, "SELECT price_cents FROM frames WHERE "
	    "sku = 'G-1'", 0), 12900);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM frames WHERE sku "
	    "= 'G-1' AND currency = 'EUR' AND image_url = "
	    "'https://img.example/g1.jpg' AND style = 'round' AND "
	    "temple_mm = 145 AND lens_height_mm = 42 AND needs_review = 0",
	    0), 1);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM frames WHERE sku "
	    "IN ('G-2', 'G-3') AND needs_review = 1", 0), 2);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM frames WHERE sku "
	    "= 'G-2' AND lens_width_mm = 52 AND bridge_mm = 18 AND "
	    "lens_height_mm IS NULL", 0), 1);
	/* The shop's catalog leaves the flagged ones out. */
	ck_assert_int_eq(catalog_load(d, 0, &fr, &n), FF_OK);
	for (i = 0; i < n; i++)
		shop += strncmp(fr[i].sku, "G-", 2) == 0;
	catalog_free(fr, n);
	ck_assert_int_eq(shop, 1);
	ck_assert_int_eq(catalog_load(d, 1, &fr, &n), FF_OK);
	for (i = 0; i < n; i++)
		if (strncmp(fr[i].sku, "G-", 2) == 0) {
			all++;
			ck_assert_int_eq(catalog_frame_complete(&fr[i]),
			    strcmp(fr[i].sku, "G-1") == 0);
		}
	catalog_free(fr, n);
	ck_assert_int_eq(all, 3);
	/* Again: nothing changes. */
	import_ok(d, good_bad, sizeof(good_bad) - 1, &rep);
	ck_assert_int_eq(rep.added, 0);
	ck_assert_int_eq(rep.changed, 0);
	ck_assert_int_eq(rep.unchanged, 3);
	ck_assert_int_eq(rep.bad, 4);
	buf_reset(&b);
	feed_report_summary(&rep, &b);
	ck_assert_str_eq(b.ptr, "7 rows: 0 added, 0 changed, 3 unchanged, 4 "
	    "bad; 2 flagged for staff; 16 frames of the catalog not in the "
	    "feed left as they are.");
	feed_report_free(&rep);
	buf_free(&b);
	db_close(d);
}
END_TEST

START_TEST(test_import_merge)
{
	struct db		*d = dbtest_open();
	struct feed_report	 rep;
	struct catalog_row	 r;
	static const char f1[] = "id,title,link,price,brand,size\n"
	    "H-1,Harbor,https://s.example/h1,100.00 EUR,Field,54-16-145\n";
	static const char f2[] = "id,title,link,price,brand,size\n"
	    "H-1,Harbor,https://s.example/h1,110.00 EUR,Field,\n";
	/* A stored frame of the seed catalog, by the feed: only the price
	 * and the texts change; its sizes, colour and style stay. */
	static const char seed[] = "id,title,link,price,brand,color\n"
	    "FF-RND-4721-TOR,Hollis Round,https://shop.example/frames/"
	    "FF-RND-4721-TOR,139.00 USD,Marlowe & Co.,Black\n";

	import_ok(d, f1, sizeof(f1) - 1, &rep);
	ck_assert_int_eq(rep.added, 1);
	ck_assert_int_eq(rep.flagged, 1);
	feed_report_free(&rep);
	/* Staff complete the sizes (the admin form's catalog_update()). */
	ck_assert_int_eq(catalog_row_get(d, "H-1", 0, &r), FF_OK);
	ck_assert_uint_eq(r.has & CATALOG_SIZES, CATALOG_HAS_LENS_WIDTH |
	    CATALOG_HAS_BRIDGE);
	r.f.lens_height_mm = 38;
	r.f.total_width_mm = 142;
	ck_assert_int_eq(catalog_update(d, &r.f), FF_OK);
	ck_assert_int_eq(dbtest_int(d, "SELECT needs_review FROM frames WHERE "
	    "sku = 'H-1'", 0), 0);
	/* The feed without sizes and a new price keeps staff's sizes. */
	import_ok(d, f2, sizeof(f2) - 1, &rep);
	ck_assert_int_eq(rep.changed, 1);
	ck_assert_int_eq(rep.flagged, 0);
	feed_report_free(&rep);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM frames WHERE sku "
	    "= 'H-1' AND price_cents = 11000 AND lens_height_mm = 38 AND "
	    "total_width_mm = 142 AND lens_width_mm = 54 AND temple_mm = 145 "
	    "AND needs_review = 0", 0), 1);
	import_ok(d, seed, sizeof(seed) - 1, &rep);
	ck_assert_int_eq(rep.changed, 1);
	feed_report_free(&rep);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM frames WHERE sku "
	    "= 'FF-RND-4721-TOR' AND price_cents = 13900 AND currency = 'USD' "
	    "AND rim_rgb = 0x6B4226 AND lens_width_mm = 47 AND "
	    "total_width_mm = 140 AND needs_review = 0", 0), 1);
	db_close(d);
}
END_TEST

/* availability, sale_price and its window: stored, kept as the feed
 * says, cleared when it stops saying them; a bad one is a bad row that
 * leaves the stored frame as it was. */
START_TEST(test_import_stock)
{
	struct db		*d = dbtest_open();
	struct feed_report	 rep;
	struct frame		*fr;
	size_t			 n, i, shop = 0;
	static const char f1[] = "id,title,link,price,brand,size,"
	    "product_detail,availability,sale_price,sale_price_effective_date\n"
	    "S-1,Sale,https://s.example/s1,129.00 EUR,B,52-18-140,"
	    "\"Frame:Lens height:40 mm,Frame:Frame width:140 mm\",out of stock,"
	    "99.00 EUR,2024-02-24T11:07+0100/2099-12-31T23:59Z\n"
	    "S-2,Pre,https://s.example/s2,80.00 GBP,B,,,preorder,,\n";
	/* The sale over, back in stock; S-2 says nothing of stock now. */
	static const char f2[] = "id,title,link,price,brand,availability\n"
	    "S-1,Sale,https://s.example/s1,129.00 EUR,B,in_stock\n"
	    "S-2,Pre,https://s.example/s2,80.00 GBP,B,\n";
	static const char bad[] = "id,title,link,price,brand,availability,"
	    "sale_price,sale_price_effective_date\n"
	    "S-1,Sale,https://s.example/s1,129.00 EUR,B,,129.00 EUR,\n"
	    "S-1b,Sale,https://s.example/s1,129.00 EUR,B,,99.00 USD,\n"
	    "S-1c,Sale,https://s.example/s1,129.00 EUR,B,,99.00 EUR,tomorrow\n"
	    "S-1d,Sale,https://s.example/s1,129.00 EUR,B,sold out,,\n"
	    "S-1e,Sale,https://s.example/s1,129.00 EUR,B,,99 euros,\n";

	import_ok(d, f1, sizeof(f1) - 1, &rep);
	ck_assert_int_eq(rep.added, 2);
	ck_assert_int_eq(rep.bad, 0);
	feed_report_free(&rep);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM frames WHERE sku "
	    "= 'S-1' AND availability = 'out_of_stock' AND sale_price_cents = "
	    "9900 AND sale_from = '2024-02-24 10:07:00' AND sale_until = "
	    "'2099-12-31 23:59:00' AND currency = 'EUR' AND needs_review = 0",
	    0), 1);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM frames WHERE sku "
	    "= 'S-2' AND availability = 'preorder' AND sale_price_cents IS "
	    "NULL AND sale_from IS NULL AND currency = 'GBP'", 0), 1);
	/* Out of stock stays in the shop, with what the feed said. */
	ck_assert_int_eq(catalog_load(d, 0, &fr, &n), FF_OK);
	for (i = 0; i < n; i++)
		if (strcmp(fr[i].sku, "S-1") == 0) {
			shop++;
			ck_assert_int_eq(fr[i].stock, FRAME_OUT_OF_STOCK);
			ck_assert_int_eq(fr[i].sale_cents, 9900);
			ck_assert_int_eq(fr[i].sale_from, 1708769220);
			/* Past 2038, where UNIX_TIMESTAMP() stops. */
			ck_assert_int_eq(fr[i].sale_until, 4102444740);
			ck_assert_str_eq(fr[i].currency, "EUR");
		} else if (strncmp(fr[i].sku, "FF-", 3) == 0 &&
		    strcmp(fr[i].sku, "FF-RND-4721-TOR") != 0) {
			/* The seed's frames say nothing of any of it (but
			 * the one test_import_merge imports). */
			ck_assert_int_eq(fr[i].stock, FRAME_STOCK_UNSAID);
			ck_assert_int_eq(fr[i].sale_cents, 0);
			ck_assert_str_eq(fr[i].currency, "");
		}
	catalog_free(fr, n);
	ck_assert_int_eq(shop, 1);
	/* Idempotent. */
	import_ok(d, f1, sizeof(f1) - 1, &rep);
	ck_assert_int_eq(rep.unchanged, 2);
	ck_assert_int_eq(rep.changed, 0);
	feed_report_free(&rep);
	/* Nothing lost on a bad row: S-1 keeps what it had. */
	import_ok(d, bad, sizeof(bad) - 1, &rep);
	ck_assert_int_eq(rep.bad, 5);
	ck_assert_int_eq(rep.added + rep.changed + rep.unchanged, 0);
	ck_assert_str_eq(rep.lines[0].text, "The sale price must be below the "
	    "price.");
	ck_assert_str_eq(rep.lines[1].text, "The sale_price is in USD, the "
	    "price in EUR: both must be in the same currency.");
	ck_assert_str_eq(rep.lines[2].text, "The sale_price_effective_date "
	    "'tomorrow' is not a start and an end such as "
	    "'2025-02-24T00:00+0100/2025-03-01T23:59+0100'.");
	ck_assert_str_eq(rep.lines[3].text, "The availability 'sold out' is "
	    "not one of in_stock, out_of_stock, preorder, backorder.");
	ck_assert_str_eq(rep.lines[4].text, "The sale_price '99 euros' is not "
	    "an amount and a currency such as '99.00 EUR'.");
	feed_report_free(&rep);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM frames WHERE sku "
	    "= 'S-1' AND availability = 'out_of_stock' AND sale_price_cents = "
	    "9900", 0), 1);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM frames WHERE sku "
	    "LIKE 'S-1_'", 0), 0);
	/* The feed stops saying them: cleared. */
	import_ok(d, f2, sizeof(f2) - 1, &rep);
	ck_assert_int_eq(rep.changed, 2);
	feed_report_free(&rep);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM frames WHERE sku "
	    "= 'S-1' AND availability = 'in_stock' AND sale_price_cents IS NULL "
	    "AND sale_from IS NULL AND sale_until IS NULL", 0), 1);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM frames WHERE sku "
	    "= 'S-2' AND availability IS NULL", 0), 1);
	import_ok(d, f2, sizeof(f2) - 1, &rep);
	ck_assert_int_eq(rep.unchanged, 2);
	feed_report_free(&rep);
	db_close(d);
}
END_TEST

START_TEST(test_import_refused)
{
	struct db		*d = dbtest_open();
	struct feed_report	 rep;
	long long		 n0 = dbtest_int(d, "SELECT COUNT(*) FROM frames",
	    0);
	static const char bad[] = "<rss><item><g:id>K-1</g:id>";

	ck_assert_int_eq(feed_import(d, bad, sizeof(bad) - 1, &rep), FF_EINPUT);
	ck_assert_ptr_nonnull(strstr(rep.fatal, "nothing was imported"));
	ck_assert_int_eq(rep.added, 0);
	feed_report_free(&rep);
	ck_assert_int_eq(dbtest_int(d, "SELECT COUNT(*) FROM frames", 0), n0);
	db_close(d);
}
END_TEST

static Suite *
feed_suite(void)
{
	Suite *s = suite_create("feed");
	TCase *tc = tcase_create("parse");
	TCase *td = tcase_create("import");

	tcase_add_test(tc, test_csv);
	tcase_add_test(tc, test_tsv_bom_crlf);
	tcase_add_test(tc, test_xml_rss);
	tcase_add_test(tc, test_xml_atom_and_entities);
	tcase_add_loop_test(tc, test_boxing_size, 0,
	    sizeof(sizes) / sizeof(sizes[0]));
	tcase_add_loop_test(tc, test_price, 0,
	    sizeof(prices) / sizeof(prices[0]));
	tcase_add_loop_test(tc, test_sale_window, 0,
	    sizeof(windows) / sizeof(windows[0]));
	tcase_add_loop_test(tc, test_availability, 0,
	    sizeof(stocks) / sizeof(stocks[0]));
	tcase_add_test(tc, test_map);
	tcase_add_loop_test(tc, test_shape_notes, 0,
	    sizeof(shape_cases) / sizeof(shape_cases[0]));
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_bad_feeds);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tcase_add_test(td, test_import);
	tcase_add_test(td, test_import_merge);
	tcase_add_test(td, test_import_stock);
	tcase_add_test(td, test_import_refused);
	tcase_set_timeout(td, 60);
	suite_add_tcase(s, td);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	dbtest_prepare("framefit_feed_test");
	sr = srunner_create(feed_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
