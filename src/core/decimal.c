/*
 * decimal.c: a typed decimal number (see decimal.h).
 */
#include <stddef.h>

#include "core/decimal.h"

static const char *
skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int
dec_parse(const char *s, double *out, int *grouped)
{
	const char	*p, *lead;
	double		 n = 0, scale = 1;
	int		 neg = 0, ni = 0, nf = 0;

	if (grouped != NULL)
		*grouped = 0;
	if (s == NULL)
		return 0;
	p = skip_blank(s);
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	lead = p;
	for (; *p >= '0' && *p <= '9'; p++, ni++)
		n = n * 10 + (*p - '0');
	if (*p == '.' || *p == ',')
		for (p++; *p >= '0' && *p <= '9'; p++, nf++) {
			n = n * 10 + (*p - '0');
			scale *= 10;
		}
	if (ni + nf == 0 || ni + nf > DEC_DIGITS_MAX || *skip_blank(p) != '\0')
		return 0;
	/* All the digits as one integer, exact below 2^53, over an exact
	 * power of ten: one division, rounded once, gives what strtod()
	 * gives for the same text with a point. */
	*out = neg ? -(n / scale) : n / scale;
	if (grouped != NULL)
		*grouped = ni >= 1 && ni <= 3 && lead[0] != '0' && nf == 3;
	return 1;
}
