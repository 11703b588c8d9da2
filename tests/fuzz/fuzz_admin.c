/*
 * fuzz_admin.c: libFuzzer target for what the admin pages parse or
 * print from outside data: the PNG artwork check (src/app/artwork.c,
 * staff uploads) and the SVG charts (src/view/chart.c: labels are frame
 * names, escaped and cut as UTF-8).
 *
 * The first byte picks the case: 0 artwork bytes; 1 a bar chart and 2 a
 * line chart whose labels are the rest split at '\n', with values taken
 * from the label bytes; 3 chart_escape() with a length limit.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I src \
 *       tests/fuzz/fuzz_admin.c src/app/artwork.c src/view/chart.c \
 *       src/core/buf.c src/core/xalloc.c src/core/err.c -lgd -lm
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/artwork.h"
#include "core/buf.h"
#include "view/chart.h"

#define MAX_LABELS	64

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*why, *labels[MAX_LABELS];
	double		 v[2][MAX_LABELS];
	struct chart	 c;
	struct buf	 b;
	char		*text, *p, *nl;
	size_t		 n = 0;
	int		 w, h;

	if (size == 0)
		return 0;
	buf_init(&b);
	switch (data[0] % 4) {
	case 0:
		(void)artwork_check(data + 1, size - 1, &w, &h, &why);
		break;
	case 1:
	case 2:
		text = malloc(size);
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		for (p = text; n < MAX_LABELS; p = nl + 1) {
			labels[n] = p;
			v[0][n] = (unsigned char)p[0] * 3.7;
			v[1][n] = (unsigned char)(p[0] ? p[1] : 0);
			n++;
			if ((nl = strchr(p, '\n')) == NULL)
				break;
			*nl = '\0';
		}
		memset(&c, 0, sizeof(c));
		c.title = labels[0];
		c.x_title = n > 1 ? labels[1] : NULL;
		c.labels = labels;
		c.n = n;
		c.values[0] = v[0];
		c.values[1] = v[1];
		c.decimals = data[0] % 7;
		if (data[0] % 4 == 1) {
			c.nseries = 1;
			(void)chart_bars(&b, &c);
		} else {
			c.nseries = 2;
			c.series[1] = labels[n - 1];
			c.label_every = data[0] >> 5;
			(void)chart_lines(&b, &c);
		}
		free(text);
		break;
	default:
		text = malloc(size);
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		chart_escape(&b, text, data[0] >> 2);
		free(text);
		break;
	}
	buf_free(&b);
	return 0;
}
