/*
 * frame_sizes.c: the catalog's rule on a frame's measurements (see
 * frame_sizes.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "render/frame_sizes.h"

/* Comparisons allow for sizes typed with one decimal and stored as
 * DECIMAL: a front exactly at a bound passes. */
#define EPS_MM		1e-6

enum size { S_LENS_W, S_LENS_H, S_BRIDGE, S_TOTAL, S__MAX };

/* Each size: its field, how a person calls it, the schema's range, and
 * where most frames sold lie (for the message when it is out of range). */
static const struct {
	const char	*field;
	const char	*label;
	double		 min, max;
	double		 usual_lo, usual_hi;
	const char	*usual;		/* "most lenses are" ... */
} sizes[S__MAX] = {
	[S_LENS_W] = { "lens_width_mm", "lens width",
	    FRAME_LENS_WIDTH_MIN_MM, FRAME_LENS_WIDTH_MAX_MM, 40, 62,
	    "most lenses are" },
	[S_LENS_H] = { "lens_height_mm", "lens height",
	    FRAME_LENS_HEIGHT_MIN_MM, FRAME_LENS_HEIGHT_MAX_MM, 25, 50,
	    "most lenses are" },
	[S_BRIDGE] = { "bridge_mm", "bridge",
	    FRAME_BRIDGE_MIN_MM, FRAME_BRIDGE_MAX_MM, 14, 24,
	    "most bridges are" },
	[S_TOTAL] = { "total_width_mm", "total width",
	    FRAME_TOTAL_MIN_MM, FRAME_TOTAL_MAX_MM, 120, 150,
	    "most fronts are" },
};

/* A length as a person writes it: "52", "51.5"; at most one decimal. */
static const char *
mm(char out[32], double v)
{
	size_t n;

	snprintf(out, 32, "%.1f", v);
	n = strlen(out);
	if (n > 2 && strcmp(out + n - 2, ".0") == 0)
		out[n - 2] = '\0';
	return out;
}

/* The article before a length read aloud: "an 18 mm bridge". */
static const char *
an(double v)
{
	long n = isfinite(v) && v >= 0 && v < 1000 ? (long)v : 0;

	return n == 8 || n == 11 || n == 18 || (n >= 80 && n <= 89) ? "an" :
	    "a";
}

struct issues {
	struct frame_issue	*out;
	int			 max, n;
};

static void
issue(struct issues *is, enum size s, const char *fmt, ...)
{
	va_list ap;

	if (is->out != NULL && is->n < is->max) {
		is->out[is->n].field = sizes[s].field;
		va_start(ap, fmt);
		vsnprintf(is->out[is->n].text, sizeof(is->out[is->n].text), fmt,
		    ap);
		va_end(ap);
	}
	is->n++;
}

static double
size_of(const struct frame *f, enum size s)
{
	switch (s) {
	case S_LENS_W:	return f->lens_width_mm;
	case S_LENS_H:	return f->lens_height_mm;
	case S_BRIDGE:	return f->bridge_mm;
	default:	return f->total_width_mm;
	}
}

/* Rule 1 for size s; 1 when it is in range. */
static int
in_range(struct issues *is, const struct frame *f, enum size s,
    const char *near)
{
	double	 v = size_of(f, s);
	char	 a[32], lo[32], hi[32], ulo[32], uhi[32];

	if (isfinite(v) && v >= sizes[s].min - EPS_MM &&
	    v <= sizes[s].max + EPS_MM)
		return 1;
	mm(lo, sizes[s].min);
	mm(hi, sizes[s].max);
	mm(ulo, sizes[s].usual_lo);
	mm(uhi, sizes[s].usual_hi);
	if (!isfinite(v))
		issue(is, s, "The %s is not a number; it must be from %s to %s "
		    "mm (%s %s to %s mm)%s.", sizes[s].label, lo, hi,
		    sizes[s].usual, ulo, uhi, near);
	else
		issue(is, s, "The %s is %s mm; it must be from %s to %s mm "
		    "(%s %s to %s mm)%s.", sizes[s].label, mm(a, v), lo, hi,
		    sizes[s].usual, ulo, uhi, near);
	return 0;
}

int
frame_sizes_issues(const struct frame *f, struct frame_issue *out, int max)
{
	struct issues	 is = { out, out != NULL && max > 0 ? max : 0, 0 };
	char		 a[32], b[32], c[32], d[32], e[32];
	char		 g[32], h[32], k[32];
	char		 near[192];
	double		 A, B, dbl, T, front, lo, hi, typ;
	int		 ok_a, ok_b, ok_dbl, ok_t;

	if (f == NULL) {
		issue(&is, S_TOTAL, "There is no frame to check.");
		return is.n;
	}
	A = f->lens_width_mm;
	B = f->lens_height_mm;
	dbl = f->bridge_mm;
	T = f->total_width_mm;
	/* Rule 3's window, for its own message and for rule 1's on the
	 * total width. */
	front = 2 * A + dbl;
	lo = front + 2 * FRAME_END_MIN_MM;
	hi = fmin(front + 2 * FRAME_END_MAX_MM, FRAME_TOTAL_MAX_MM);
	typ = fmin(fmax(front + 2 * FRAME_END_TYPICAL_MM, lo), hi);

	/* Rule 1. */
	ok_a = in_range(&is, f, S_LENS_W, "");
	ok_b = in_range(&is, f, S_LENS_H, "");
	ok_dbl = in_range(&is, f, S_BRIDGE, "");
	near[0] = '\0';
	if (ok_a && ok_dbl && lo <= FRAME_TOTAL_MAX_MM + EPS_MM)
		snprintf(near, sizeof(near), "; with %s mm lenses and %s %s mm "
		    "bridge it should be near %s mm (%s to %s mm)", mm(a, A),
		    an(dbl), mm(b, dbl), mm(c, typ), mm(d, lo), mm(e, hi));
	ok_t = in_range(&is, f, S_TOTAL, near);

	/* Rule 2. */
	if (ok_a && ok_b && B > A + EPS_MM)
		issue(&is, S_LENS_H, "The lens height is %s mm, more than the "
		    "lens width of %s mm: a lens's box is measured across for "
		    "the width and up and down for the height, and no lens "
		    "shape is taller than wide. It should be at most %s mm, "
		    "near %s mm for %s %s mm lens (were the two swapped?).",
		    mm(a, B), mm(b, A), mm(c, A),
		    mm(d, round(A * FRAME_HEIGHT_RATIO_TYPICAL)), an(A),
		    mm(e, A));

	/* Rule 3. */
	if (!ok_a || !ok_dbl)
		;
	else if (lo > FRAME_TOTAL_MAX_MM + EPS_MM)
		/* No total width can hold these: the lens is the typo. */
		issue(&is, S_LENS_W, "Two %s mm lenses and %s %s mm bridge "
		    "make a front of at least %s mm with the end pieces, wider than "
		    "the %s mm the catalog takes: the lens width should be "
		    "near %s mm or less.", mm(a, A), an(dbl), mm(b, dbl),
		    mm(c, lo), mm(d, FRAME_TOTAL_MAX_MM),
		    mm(e, floor((FRAME_TOTAL_MAX_MM - 2 * FRAME_END_TYPICAL_MM -
		    dbl) / 2)));
	else if (ok_t && T < lo - EPS_MM)
		issue(&is, S_TOTAL, "The total width is %s mm, too narrow for "
		    "what it holds: two %s mm lenses and %s %s mm bridge are "
		    "%s mm before the end pieces at both sides. It should be "
		    "near %s mm (%s to %s mm).", mm(a, T), mm(b, A), an(dbl),
		    mm(c, dbl), mm(d, front), mm(e, typ), mm(g, lo), mm(h, hi));
	else if (ok_t && T > hi + EPS_MM)
		issue(&is, S_TOTAL, "The total width is %s mm, too wide for "
		    "two %s mm lenses and %s %s mm bridge (%s mm) with end pieces "
		    "of at most %s mm a side. It should be near %s mm (%s to "
		    "%s mm).", mm(a, T), mm(b, A), an(dbl), mm(c, dbl),
		    mm(d, front), mm(e, FRAME_END_MAX_MM), mm(g, typ),
		    mm(h, lo), mm(k, hi));
	return is.n < FRAME_ISSUES_MAX ? is.n : FRAME_ISSUES_MAX;
}

enum ff_err
frame_sizes_check(const struct frame *f, struct buf *why)
{
	struct frame_issue	 is[FRAME_ISSUES_MAX];
	int			 n, i;

	n = frame_sizes_issues(f, is, FRAME_ISSUES_MAX);
	for (i = 0; why != NULL && i < n; i++) {
		if (i > 0 || why->len > 0)
			buf_putc(why, ' ');
		buf_puts(why, is[i].text);
	}
	return n == 0 ? FF_OK : FF_EINPUT;
}
