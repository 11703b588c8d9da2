/*
 * setting.c: numbers from the environment (see setting.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/setting.h"

double
setting_num(const char *name, double def, double lo, double hi)
{
	const char	*s = getenv(name);
	char		*end;
	double		 v;

	if (s == NULL || *s == '\0')
		return def;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) ||
	    v < lo || v > hi) {
		fprintf(stderr, "framefit: %s=\"%s\" is not a number from %g to "
		    "%g; using %g\n", name, s, lo, hi, def);
		return def;
	}
	return v;
}
