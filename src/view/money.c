/*
 * money.c: prices as shoppers read them (see money.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view/money.h"

/*
 * The codes written with a symbol in front, as English-language shops
 * write them (CLDR's en symbols; "CA$" and "A$" keep the dollars
 * apart), and those whose amounts have no minor unit (ISO 4217 exponent
 * 0). Any other code follows the amount.
 */
static const struct {
	const char	 iso[4];
	const char	*prefix;	/* NULL: after the amount */
	int		 decimals;
} cur[] = {
	{ "USD", "$", 2 },
	{ "EUR", "\u20ac", 2 },
	{ "GBP", "\u00a3", 2 },
	{ "CHF", "CHF\u00a0", 2 },
	{ "CAD", "CA$", 2 },
	{ "AUD", "A$", 2 },
	{ "JPY", "\u00a5", 0 },
	{ "KRW", "\u20a9", 0 },
	{ "ISK", NULL, 0 },
	{ "CLP", NULL, 0 },
	{ "VND", NULL, 0 },
};

static int
is_code(const char *s)
{
	return s != NULL && strlen(s) == 3 &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 3;
}

const char *
money_currency(const char *iso)
{
	static int	 warned;
	const char	*env;

	if (is_code(iso))
		return iso;
	env = getenv("FF_CURRENCY");
	if (is_code(env))
		return env;
	if (env != NULL && *env != '\0' && !warned) {
		warned = 1;
		fprintf(stderr, "framefit: FF_CURRENCY=%s is not an ISO 4217 "
		    "code such as EUR; prices without their own are in %s\n",
		    env, MONEY_DEFAULT);
	}
	return MONEY_DEFAULT;
}

/* n with a comma every three digits. */
static void
grouped(struct buf *b, long long n)
{
	char	 d[24];
	int	 len, i;

	len = snprintf(d, sizeof(d), "%lld", n);
	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf_putc(b, ',');
		buf_putc(b, d[i]);
	}
}

void
money_format(struct buf *b, long long cents, const char *iso)
{
	const char	*code = money_currency(iso);
	size_t		 i;
	int		 dec = 2;
	const char	*prefix = NULL;

	if (cents < 0)
		cents = 0;
	for (i = 0; i < sizeof(cur) / sizeof(cur[0]); i++)
		if (strcmp(cur[i].iso, code) == 0) {
			prefix = cur[i].prefix;
			dec = cur[i].decimals;
			break;
		}
	if (prefix != NULL)
		buf_puts(b, prefix);
	if (dec == 0)
		/* Stored in hundredths like every price (the feed's "12900
		 * JPY" is 1290000): the unit, rounded half up. */
		grouped(b, (cents + 50) / 100);
	else {
		grouped(b, cents / 100);
		buf_printf(b, ".%02lld", cents % 100);
	}
	if (prefix == NULL)
		buf_printf(b, "\u00a0%s", code);
}
