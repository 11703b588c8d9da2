/*
 * stats.h: the statistics the benchmarks print, written once: they
 * report medians (and percentiles) of repeated runs, never a mean a
 * single outlier could move.
 */
#ifndef FF_BENCH_STATS_H
#define FF_BENCH_STATS_H
#include <stdlib.h>

static inline int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of v[0..n-1], n >= 1; sorts v in place. */
static inline double
bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
