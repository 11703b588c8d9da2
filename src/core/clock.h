/*
 * clock.h: a monotonic millisecond clock for stage timings; civil dates
 * to days without a time zone database.
 */
#ifndef FF_CLOCK_H
#define FF_CLOCK_H
#include <time.h>

/* Days from 1970-01-01 to y-m-d (m 1-12) in the proleptic Gregorian
 * calendar (H. Hinnant's days_from_civil): no timegm(), no TZ. */
static inline long long
ff_days_from_civil(long long y, unsigned m, unsigned d)
{
	long long	era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static inline double
ff_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#endif
