/*
 * chart.h: bar and line charts as standalone SVG 1.1 documents, drawn on
 * the server from plain arrays (the admin reports,
 * src/app/admin_reports.c).
 *
 * The output is a complete <svg> element with the SVG namespace, a
 * viewBox, width and height in pixels and a <title> (its accessible
 * name), so the same bytes serve as an image/svg+xml response and inline
 * in an HTML page. Every colour, font and size is a presentation
 * attribute: no style attribute, no <style>, no script, so the page's
 * Content-Security-Policy (style-src 'self') has nothing to refuse.
 *
 * Every string that comes from data (labels, titles, series names) is
 * escaped for XML (& < > " ') and cleaned: bytes that are not valid UTF-8
 * and control characters, which XML 1.0 (§2.2) forbids even escaped,
 * become U+FFFD, so any input gives a well-formed document.
 *
 * Geometry is in user units of the viewBox (px at 100 %). Values must be
 * finite and >= 0 (counts, rates, milliseconds); the value axis starts at
 * 0 and ends at a "nice" number (chart_axis()).
 */
#ifndef FF_VIEW_CHART_H
#define FF_VIEW_CHART_H
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define CHART_MAX_SERIES	4
/* Longest label drawn, in characters; longer ones end in an ellipsis. */
#define CHART_LABEL_MAX		28
/* Default size of the viewBox, px (a bar chart's height grows with n). */
#define CHART_WIDTH		640
#define CHART_HEIGHT		280

struct chart {
	const char	*title;		/* accessible name (<title>); may be NULL */
	const char	*x_title;	/* axis titles, with the unit, e.g. */
	const char	*y_title;	/*   "Try-ons per day"; may be NULL */
	const char	*unit;		/* after value labels: "%", " ms"; NULL */
	int		 decimals;	/* of value and tick labels, 0..6 */
	int		 width;		/* of the viewBox, px; 0 = CHART_WIDTH */
	int		 height;	/* 0 = CHART_HEIGHT (lines) or by n (bars) */
	const char *const *labels;	/* n category labels (borrowed) */
	size_t		 n;
	size_t		 nseries;	/* lines: 1..CHART_MAX_SERIES; bars: 1 */
	const char	*series[CHART_MAX_SERIES];	/* legend names; NULL = none */
	const double	*values[CHART_MAX_SERIES];	/* n values each (borrowed) */
	size_t		 label_every;	/* lines: label every k-th x; 0 = auto;
					 * an empty label is never drawn */
	const char	*empty;		/* shown alone when n == 0, over the axes
					 * when every value is 0; NULL = "No
					 * data for this period" */
};

/*
 * Append a horizontal bar chart of series 0 to out: one bar per label,
 * labels on the left, the value (with unit) at the end of each bar, the
 * value axis with gridlines and x_title at the bottom. FF_EINPUT (out
 * unchanged) for a bad chart: nseries not 1, n > 0 with labels or values
 * NULL, a value that is negative or not finite, decimals outside 0..6, a
 * width or height outside 160..4000.
 */
enum ff_err	 chart_bars(struct buf *out, const struct chart *);

/*
 * Append a line chart to out: one polyline per series over the n labels
 * (x, evenly spaced), a dot per value when there are at most 35, the
 * value axis on the left with y_title, x labels every label_every points,
 * x_title at the bottom and a legend when a series is named. Errors as
 * chart_bars(), with nseries in 1..CHART_MAX_SERIES.
 */
enum ff_err	 chart_lines(struct buf *out, const struct chart *);

/*
 * The value axis for data up to max: returns the top of the axis, the
 * smallest multiple of *step >= max, where *step is 1, 2, 2.5 or 5 times
 * a power of ten chosen so the axis has at most max_ticks (>= 1) steps.
 * integral != 0 keeps the step >= 1 (counts). max <= 0 or not finite
 * gives top 1 and step 1 (an empty chart still has an axis).
 */
double		 chart_axis(double max, int max_ticks, int integral, double *step);

/*
 * Append s to out escaped for XML text and attribute values, cleaned as
 * described above, cut to max_chars characters (0 = no limit) with "…"
 * replacing the last one when cut.
 */
void		 chart_escape(struct buf *out, const char *s, size_t max_chars);

/* Append v with `decimals` decimals and thousands separators ("12,345.6"). */
void		 chart_num(struct buf *out, double v, int decimals);

#endif
