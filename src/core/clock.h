/* clock.h: a monotonic millisecond clock for stage timings. */
#ifndef FF_CLOCK_H
#define FF_CLOCK_H
#include <time.h>

static inline double
ff_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#endif
