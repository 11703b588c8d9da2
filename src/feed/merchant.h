/*
 * merchant.h: a shop's product feed in the Google Merchant Center format,
 * read into items of attribute = value, and one item mapped to a catalog
 * row (store/catalog.h, struct catalog_row).
 *
 * Formats (Merchant Center product data specification):
 *  - delimited text: the first row names the attributes (id, title, link,
 *    image_link, price, brand, size, product_detail, ...), one item a row;
 *    separated by tabs (.txt/.tsv) or else by the commonest of comma, pipe
 *    and tilde in the first row. A field that starts with a double quote
 *    is quoted as in RFC 4180 section 2 (it may hold separators, line
 *    breaks and "" for a quote); a quote anywhere else is an ordinary
 *    character, as in the spec's TSV examples (Diagonal Size:"2.5""").
 *    LF or CRLF line ends, an optional UTF-8 byte order mark.
 *  - XML: RSS 2.0 (<item>) or Atom 1.0 (<entry>) with the attributes as
 *    elements in the namespace http://base.google.com/ns/1.0 (g:id,
 *    g:price, ...); RSS's own <title>, <link>, <description> and Atom's
 *    <title>, <link href=...> count too. Read with libxml2's reader
 *    without network access and without substituting entities.
 * Attribute names are compared in lower case, with a "g:" prefix dropped.
 *
 * product_detail (repeated) is normalised into one attribute per detail,
 * "section\x1fname\x1fvalue": in text feeds the column holds
 * section:name:value entries separated by commas (an entry may be
 * quoted), in XML each g:product_detail has g:section_name,
 * g:attribute_name and g:attribute_value.
 *
 * Bounded cost: the whole feed at most FEED_MAX_BYTES, at most
 * FEED_MAX_ITEMS items, and each value at most FEED_FIELD_MAX bytes (an
 * item with a longer one is kept as a bad item, with its reason).
 */
#ifndef FF_FEED_MERCHANT_H
#define FF_FEED_MERCHANT_H
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/catalog.h"

#define FEED_MAX_BYTES		(8u * 1024 * 1024)
#define FEED_MAX_ITEMS		20000u
#define FEED_FIELD_MAX		16384u
/* The separator inside a normalised product_detail value. */
#define FEED_DETAIL_SEP		'\x1f'

enum feed_format {
	FEED_TEXT = 0,		/* delimited text */
	FEED_XML
};

struct feed_attr {
	char	*name;		/* lower case, without "g:" */
	char	*value;		/* trimmed UTF-8 */
};

struct feed_item {
	size_t		 num;	/* text: the line the row starts on (the
				 * header is line 1); XML: 1 for the first
				 * item */
	size_t		 line;	/* the line it starts on, both formats */
	char		*error;	/* NULL, or why the item is unusable */
	struct feed_attr *attrs;
	size_t		 nattrs;
};

/* A parsed feed; owns everything it points to. */
struct feed {
	enum feed_format format;
	char		 delim;	/* text: the separator */
	struct feed_item *items;
	size_t		 nitems;
};

/*
 * Parse len bytes. FF_OK with *out filled (the caller frees it with
 * feed_free()), bad items included, each with its error. FF_ETOOBIG
 * (over FEED_MAX_BYTES) or FF_EINPUT (empty, no header row with an id
 * column, more than FEED_MAX_ITEMS items, XML that is not well-formed)
 * with one sentence in why, and *out empty: a feed that fails as a whole
 * is not imported at all.
 */
enum ff_err	 feed_parse(const void *data, size_t len, struct feed *out,
		    struct buf *why);
void		 feed_free(struct feed *);

/* The first value of attribute name (lower case), or NULL. */
const char	*feed_get(const struct feed_item *, const char *name);

/*
 * Boxing size as opticians mark it: lens width, bridge and temple length
 * in mm, as "52-18-140", "52\u25a118-140", "52\u25a118 140", "52 18 140",
 * "52/18/140" or without the temple ("52-18"). Returns the count of
 * numbers read (2 or 3; *temple is 0 for 2), or 0 if s is not such a
 * size (e.g. "M" or "one size").
 */
int		 feed_boxing_size(const char *s, double *lens, double *bridge,
		    double *temple);

/*
 * A price as the spec writes it, "129.00 EUR" (also "EUR 129.00"): a
 * number with at most two decimals and an ISO 4217 code. 1 with *cents
 * and cur (3 letters and a NUL) set, or 0.
 */
int		 feed_price(const char *s, long long *cents, char cur[4]);

/*
 * sale_price_effective_date: a start and an end in ISO 8601 separated by
 * '/', "2025-02-24T11:07+0100/2025-02-29T23:07+0100" (seconds optional;
 * a zone "Z", "+hhmm" or "+hh:mm", none for UTC; a date alone is its
 * midnight UTC). 1 with both as Unix seconds (the end after the start),
 * or 0.
 */
int		 feed_sale_window(const char *s, long long *from,
		    long long *until);

/* availability ("in_stock", "out_of_stock", "preorder", "backorder";
 * any case, spaces for underscores) as an enum frame_stock, or -1. */
int		 feed_availability(const char *s);

/*
 * Map one good item to a catalog row: SKU (id), name (title, shortened
 * at a character boundary to fit), brand, product_url (link), image_url
 * (image_link), price and currency, sale_price (same currency) with
 * sale_price_effective_date, availability, and whatever measurements, shape and
 * colour the feed gives (size, product_detail, color; CATALOG_HAS_* in
 * out->has). Returns 1, or 0 with one sentence in why for an item that
 * cannot be a frame (no id, no title, a bad price, ...). notes gets a
 * sentence for what was changed on the way (a shortened title; a shape
 * the catalog does not have, drawn as the nearest it has, or none it
 * knows, not taken), if any.
 * The catalog's own rule (catalog_validate_row()) is the caller's call.
 */
int		 feed_item_row(const struct feed_item *,
		    struct catalog_row *out, struct buf *why, struct buf *notes);

#endif
