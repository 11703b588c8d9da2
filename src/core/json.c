#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) { len = 2; cp = s[0] & 0x1f; }
	else if ((s[0] & 0xf0) == 0xe0) { len = 3; cp = s[0] & 0x0f; }
	else if ((s[0] & 0xf8) == 0xf0) { len = 4; cp = s[0] & 0x07; }
	else return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void
json_strn(struct buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, l;

	buf_putc(b, '"');
	while (i < n) {
		unsigned char c = s[i];
		switch (c) {
		case '"': buf_puts(b, "\\\""); i++; continue;
		case '\\': buf_puts(b, "\\\\"); i++; continue;
		case '\n': buf_puts(b, "\\n"); i++; continue;
		case '\r': buf_puts(b, "\\r"); i++; continue;
		case '\t': buf_puts(b, "\\t"); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			buf_printf(b, "\\u%04x", c);
			i++;
		} else if ((l = utf8_len(s + i, n - i)) == 0) {
			buf_puts(b, "\\ufffd");
			i++;
		} else {
			buf_append(b, s + i, l);
			i += l;
		}
	}
	buf_putc(b, '"');
}

void
json_str(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_puts(b, "null");
	else
		json_strn(b, s, strlen(s));
}

void
json_num(struct buf *b, double v, int prec)
{
	char tmp[64];
	size_t n;

	if (!isfinite(v)) {
		buf_puts(b, "null");
		return;
	}
	if (prec < 0)
		prec = 0;
	if (prec > 9)
		prec = 9;
	n = (size_t)snprintf(tmp, sizeof tmp, "%.*f", prec, v);
	/* Fixed notation of a huge value does not fit tmp, and its digits
	 * past the seventeenth are noise anyway: an exponent is valid JSON
	 * (RFC 8259 section 6) and short. */
	if (n >= sizeof tmp)
		n = (size_t)snprintf(tmp, sizeof tmp, "%.15g", v);
	if (prec > 0 && memchr(tmp, '.', n) != NULL &&
	    memchr(tmp, 'e', n) == NULL) {
		while (n > 0 && tmp[n - 1] == '0')
			n--;
		if (n > 0 && tmp[n - 1] == '.')
			n--;
	}
	tmp[n] = '\0';
	if (strcmp(tmp, "-0") == 0)
		strcpy(tmp, "0");
	buf_puts(b, tmp);
}
