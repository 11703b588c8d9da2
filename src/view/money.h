/*
 * money.h: a price as shoppers read it, in the currency of the frame
 * (the product feed's, ISO 4217) or else the shop's own (FF_CURRENCY).
 * One function writes every price of the shop's pages, the admin and
 * the JSON API's currency field.
 */
#ifndef FF_VIEW_MONEY_H
#define FF_VIEW_MONEY_H

#include "core/buf.h"

/* The shop's currency when a frame has none (frames entered by hand and
 * the starter catalog, whose prices are US dollars). */
#define MONEY_DEFAULT		"USD"

/*
 * The ISO 4217 code of a price: iso when it is one (three capitals),
 * else FF_CURRENCY when that is one, else MONEY_DEFAULT. A malformed
 * FF_CURRENCY is reported on stderr once per process. The result lives
 * as long as iso or the process.
 */
const char	*money_currency(const char *iso);

/*
 * Append cents of currency iso (money_currency() picks the code) as
 * shoppers of an English-language shop read it: "$1,249.00", "€129.00",
 * "£89.50", "CHF 129.00", "¥12,900" (no minor unit: ISO 4217 exponent
 * 0), and any other code after the amount, "1,299.00 SEK". The space
 * of a code is a no-break space (U+00A0), so that a narrow card never
 * puts the code and the amount on two lines. Negative amounts are not
 * prices: they are written as 0.
 */
void		 money_format(struct buf *, long long cents, const char *iso);

#endif
