/*
 * fuzz_feed.c: libFuzzer target for src/feed/merchant.c, the product
 * feed: the input is parsed as a feed (text or XML, by its first byte)
 * and every item is mapped to a catalog row, as feed_import() does
 * before it writes anything. Checked: a refused feed has no items and a
 * reason; an item's values are within FEED_FIELD_MAX; a mapped row has
 * a NUL-terminated SKU, name and brand of the catalog's lengths.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -I src \
 *	    $(pkg-config --cflags libxml-2.0 gdlib) tests/fuzz/fuzz_feed.c \
 *	    src/feed/merchant.c src/core/buf.c src/core/xalloc.c \
 *	    src/core/err.c $(pkg-config --libs libxml-2.0) -lm -o fuzz_feed
 *	./fuzz_feed -max_total_time=60 tests/fuzz/corpus/feed
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "feed/merchant.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed		 fd;
	struct catalog_row	 r;
	struct buf		 why, notes;
	size_t			 i, j;

	buf_init(&why);
	buf_init(&notes);
	if (feed_parse(data, size, &fd, &why) != FF_OK) {
		if (fd.nitems != 0 || why.len == 0)
			abort();
		goto out;
	}
	if (fd.nitems == 0 || fd.nitems > FEED_MAX_ITEMS)
		abort();
	for (i = 0; i < fd.nitems; i++) {
		for (j = 0; j < fd.items[i].nattrs; j++)
			if (strlen(fd.items[i].attrs[j].value) >
			    FEED_FIELD_MAX * 4 + 8)
				abort();
		buf_reset(&why);
		buf_reset(&notes);
		if (feed_item_row(&fd.items[i], &r, &why, &notes)) {
			if (strnlen(r.f.sku, sizeof(r.f.sku)) >=
			    sizeof(r.f.sku) || strnlen(r.f.name,
			    sizeof(r.f.name)) >= sizeof(r.f.name) ||
			    strnlen(r.f.brand, sizeof(r.f.brand)) >=
			    sizeof(r.f.brand) || r.f.price_cents < 0)
				abort();
		} else if (why.len == 0)
			abort();
	}
	feed_free(&fd);
out:
	buf_free(&why);
	buf_free(&notes);
	return 0;
}
