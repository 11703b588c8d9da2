/*
 * chart.c: bar and line charts as SVG (see chart.h).
 *
 * Text widths are estimated, not measured: the server has no font
 * metrics, so a character of the sans-serif fallback is taken as 0.58 em,
 * which errs on the wide side for Latin text and keeps labels inside the
 * margins reserved for them.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "view/chart.h"

#define FONT		"system-ui, -apple-system, Segoe UI, Roboto, " \
			"Helvetica, Arial, sans-serif"
#define INK		"#1b1f1e"
#define INK_2		"#4a5350"
#define INK_3		"#6e7774"
#define GRID		"#e7e3db"
#define AXIS		"#9aa29f"
/* Width of one character of a 12 px label, estimated (see above). */
#define CHAR_W		7.0
#define BAR_ROW		28	/* px per bar */
#define BAR_THICK	18
#define VALUE_ROOM	70	/* px right of the longest bar for its value */
#define DOTS_MAX	35	/* beyond this a line gets no dots */

static const char *const colours[CHART_MAX_SERIES] = {
	"#1f4d46", "#c8643b", "#2f7dd1", "#8a5a00"
};

/* ---- Text ---- */

/*
 * Decode one UTF-8 character at s (RFC 3629 §3: no overlong forms, no
 * surrogates, at most U+10FFFF). Returns its length, or 0 when the bytes
 * are not valid UTF-8 (then *cp is U+FFFD and one byte is to be skipped).
 */
static size_t
utf8_next(const unsigned char *s, uint32_t *cp)
{
	uint32_t	c;
	size_t		n, i;

	*cp = 0xfffd;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Characters of s as chart_escape() counts them. */
static size_t
text_chars(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 n = 0, k;

	while (p != NULL && *p != '\0') {
		k = utf8_next(p, &cp);
		p += k == 0 ? 1 : k;
		n++;
	}
	return n;
}

void
chart_escape(struct buf *out, const char *s, size_t max_chars)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 k, n = 0, total;

	if (s == NULL)
		return;
	total = max_chars > 0 ? text_chars(s) : 0;
	while (*p != '\0') {
		if (max_chars > 0 && total > max_chars && n == max_chars - 1) {
			buf_puts(out, "\u2026");
			return;
		}
		k = utf8_next(p, &cp);
		if (k == 0) {
			p++;
			cp = 0xfffd;
		} else
			p += k;
		n++;
		/* XML 1.0 §2.2 Char: no C0 controls (tab, LF and CR are
		 * allowed but mean nothing in a label), no U+FFFE/U+FFFF. */
		if (cp == '\t' || cp == '\n' || cp == '\r') {
			buf_putc(out, ' ');
			continue;
		}
		if (cp < 0x20 || cp == 0xfffe || cp == 0xffff)
			cp = 0xfffd;
		switch (cp) {
		case '&': buf_puts(out, "&amp;"); break;
		case '<': buf_puts(out, "&lt;"); break;
		case '>': buf_puts(out, "&gt;"); break;
		case '"': buf_puts(out, "&quot;"); break;
		case '\'': buf_puts(out, "&#39;"); break;
		case 0xfffd: buf_puts(out, "\ufffd"); break;
		default:
			if (k > 0)
				buf_append(out, p - k, k);
			else
				buf_puts(out, "\ufffd");
		}
	}
}

void
chart_num(struct buf *out, double v, int decimals)
{
	char	 tmp[64], *dot;
	size_t	 len, i, first;
	int	 neg;

	if (!isfinite(v)) {
		buf_puts(out, "\u2013");
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 6)
		decimals = 6;
	if (fabs(v) >= 1e15) {
		buf_printf(out, "%.3g", v);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	neg = tmp[0] == '-';
	/* "-0" and "-0.0" read as 0. */
	if (neg && strspn(tmp + 1, "0.") == strlen(tmp + 1))
		memmove(tmp, tmp + 1, strlen(tmp));
	neg = tmp[0] == '-';
	dot = strchr(tmp, '.');
	len = dot != NULL ? (size_t)(dot - tmp) : strlen(tmp);
	first = neg ? 1 : 0;
	for (i = 0; i < len; i++) {
		if (i > first && (len - i) % 3 == 0)
			buf_putc(out, ',');
		buf_putc(out, tmp[i]);
	}
	if (dot != NULL)
		buf_puts(out, dot);
}

/* ---- Axes ---- */

double
chart_axis(double max, int max_ticks, int integral, double *step)
{
	static const double mult[] = { 1, 2, 2.5, 5, 10 };
	double		 p, s;
	size_t		 i;

	if (max_ticks < 1)
		max_ticks = 1;
	if (!isfinite(max) || max <= 0) {
		*step = 1;
		return 1;
	}
	p = pow(10, floor(log10(max / max_ticks)));
	for (i = 0; i < sizeof(mult) / sizeof(mult[0]); i++) {
		s = mult[i] * p;
		if (integral && s < 1)
			continue;
		/* 2.5 makes ugly ticks for counts under 10 (2.5, 7.5). */
		if (integral && mult[i] == 2.5 && s < 10)
			continue;
		if (ceil(max / s - 1e-9) <= max_ticks)
			break;
	}
	if (i == sizeof(mult) / sizeof(mult[0]))
		s = integral && 10 * p < 1 ? 1 : 10 * p;
	*step = s;
	return ceil(max / s - 1e-9) * s;
}

/* Decimals needed to print multiples of step exactly (at most 6). */
static int
step_decimals(double step)
{
	int	d;

	for (d = 0; d < 6; d++) {
		double x = step * pow(10, d);

		if (fabs(x - round(x)) < 1e-6 * (x < 1 ? 1 : x))
			break;
	}
	return d;
}

/* ---- Pieces of SVG ---- */

static int
chart_ok(const struct chart *c, size_t max_series)
{
	size_t	s, i;

	if (c == NULL || c->nseries < 1 || c->nseries > max_series ||
	    c->decimals < 0 || c->decimals > 6 ||
	    (c->width != 0 && (c->width < 160 || c->width > 4000)) ||
	    (c->height != 0 && (c->height < 160 || c->height > 4000)))
		return 0;
	if (c->n == 0)
		return 1;
	if (c->labels == NULL)
		return 0;
	for (s = 0; s < c->nseries; s++) {
		if (c->values[s] == NULL)
			return 0;
		for (i = 0; i < c->n; i++)
			if (!isfinite(c->values[s][i]) || c->values[s][i] < 0)
				return 0;
	}
	return 1;
}

static double
chart_max(const struct chart *c)
{
	double	m = 0;
	size_t	s, i;

	for (s = 0; s < c->nseries; s++)
		for (i = 0; i < c->n; i++)
			if (c->values[s][i] > m)
				m = c->values[s][i];
	return m;
}

static void
svg_open(struct buf *b, const struct chart *c, int w, int h)
{
	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\" font-family=\"" FONT "\" font-size=\"12\" fill=\""
	    INK "\">", w, h, w, h);
	buf_puts(b, "<title>");
	chart_escape(b, c->title != NULL ? c->title : "Chart", 0);
	buf_puts(b, "</title>");
	buf_printf(b, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>",
	    w, h);
}

/* A text element; anchor is start, middle or end. */
static void
svg_text(struct buf *b, double x, double y, const char *anchor,
    const char *fill, int size, const char *extra, const char *s,
    size_t max_chars)
{
	buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"", x, y,
	    anchor);
	if (fill != NULL)
		buf_printf(b, " fill=\"%s\"", fill);
	if (size > 0)
		buf_printf(b, " font-size=\"%d\"", size);
	if (extra != NULL)
		buf_printf(b, " %s", extra);
	buf_putc(b, '>');
	chart_escape(b, s, max_chars);
	buf_puts(b, "</text>");
}

/* A number with the chart's unit, as text. */
static void
svg_value(struct buf *b, double x, double y, const char *anchor,
    const char *fill, const char *weight, double v, int decimals,
    const char *unit)
{
	struct buf	t;

	buf_init(&t);
	chart_num(&t, v, decimals);
	if (unit != NULL)
		buf_puts(&t, unit);
	svg_text(b, x, y, anchor, fill, 0, weight, t.ptr, 0);
	buf_free(&t);
}

static void
svg_message(struct buf *b, const struct chart *c, double x, double y)
{
	svg_text(b, x, y, "middle", INK_3, 14, NULL, c->empty != NULL ?
	    c->empty : "No data for this period", 0);
}

/* ---- Bars ---- */

enum ff_err
chart_bars(struct buf *out, const struct chart *c)
{
	double		 top, step, max, label_w, x0, x1, pw, y, v, bw;
	size_t		 i, chars = 0, k;
	int		 w, h, td;
	struct buf	 b;

	if (!chart_ok(c, 1))
		return FF_EINPUT;
	w = c->width > 0 ? c->width : CHART_WIDTH;
	for (i = 0; i < c->n; i++)
		if ((k = text_chars(c->labels[i])) > chars)
			chars = k;
	if (chars > CHART_LABEL_MAX)
		chars = CHART_LABEL_MAX;
	label_w = chars * CHAR_W + 16;
	if (label_w > 0.42 * w)
		label_w = 0.42 * w;
	if (label_w < 40)
		label_w = 40;
	top = 10;
	h = c->height > 0 ? c->height :
	    (int)(top + (c->n > 0 ? c->n : 4) * BAR_ROW + 52);
	x0 = label_w;
	x1 = w - VALUE_ROOM;
	pw = x1 - x0;
	max = chart_axis(chart_max(c), pw > 360 ? 6 : 4, c->decimals == 0,
	    &step);
	td = step_decimals(step);

	buf_init(&b);
	svg_open(&b, c, w, h);
	if (c->n == 0) {
		svg_message(&b, c, w / 2.0, h / 2.0);
		goto done;
	}
	/* Gridlines and tick labels of the value axis, at the bottom. */
	y = top + c->n * BAR_ROW;
	buf_puts(&b, "<g class=\"axis\">");
	for (k = 0; k * step <= max + 1e-9; k++) {
		double x = x0 + pw * (k * step) / max;

		buf_printf(&b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>", x, top - 4,
		    x, y, k == 0 ? AXIS : GRID);
		svg_value(&b, x, y + 16, "middle", INK_3, NULL, k * step, td,
		    NULL);
	}
	buf_puts(&b, "</g>");
	if (c->x_title != NULL)
		svg_text(&b, x0 + pw / 2, y + 38, "middle", INK_2, 12,
		    "font-weight=\"600\"", c->x_title, 0);
	/* The bars, their labels and values. */
	for (i = 0; i < c->n; i++) {
		double cy = top + i * BAR_ROW + BAR_ROW / 2.0;

		v = c->values[0][i];
		bw = pw * v / max;
		svg_text(&b, x0 - 10, cy + 4, "end", INK, 0, NULL,
		    c->labels[i], CHART_LABEL_MAX);
		buf_printf(&b, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%d\" rx=\"3\" fill=\"%s\"/>", x0,
		    cy - BAR_THICK / 2.0, bw, BAR_THICK, colours[0]);
		svg_value(&b, x0 + bw + 6, cy + 4, "start", INK,
		    "font-weight=\"600\"", v, c->decimals, c->unit);
	}
	if (chart_max(c) <= 0)
		svg_message(&b, c, x0 + pw / 2, top + c->n * BAR_ROW / 2.0);
done:
	buf_puts(&b, "</svg>\n");
	buf_append(out, b.ptr, b.len);
	buf_free(&b);
	return FF_OK;
}

/* ---- Lines ---- */

enum ff_err
chart_lines(struct buf *out, const struct chart *c)
{
	double		 step, max, x0, x1, y0, y1, pw, ph, x, y, top;
	size_t		 i, s, k, every, chars = 0, fit;
	int		 w, h, td, legend = 0;
	struct buf	 b;

	if (!chart_ok(c, CHART_MAX_SERIES))
		return FF_EINPUT;
	w = c->width > 0 ? c->width : CHART_WIDTH;
	h = c->height > 0 ? c->height : CHART_HEIGHT;
	for (s = 0; s < c->nseries; s++)
		if (c->series[s] != NULL)
			legend = 1;
	top = legend ? 34 : 16;
	x0 = c->y_title != NULL ? 74 : 56;
	x1 = w - 24;
	y0 = h - (c->x_title != NULL ? 52 : 30);	/* the baseline */
	y1 = top;
	pw = x1 - x0;
	ph = y0 - y1;
	max = chart_axis(chart_max(c), 5, c->decimals == 0, &step);
	td = step_decimals(step);

	buf_init(&b);
	svg_open(&b, c, w, h);
	if (c->n == 0) {
		svg_message(&b, c, w / 2.0, h / 2.0);
		goto done;
	}
	/* The value axis: gridlines, tick labels, its title turned. */
	buf_puts(&b, "<g class=\"axis\">");
	for (k = 0; k * step <= max + 1e-9; k++) {
		y = y0 - ph * (k * step) / max;
		buf_printf(&b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>", x0, y, x1,
		    y, k == 0 ? AXIS : GRID);
		svg_value(&b, x0 - 8, y + 4, "end", INK_3, NULL, k * step, td,
		    NULL);
	}
	buf_puts(&b, "</g>");
	if (c->y_title != NULL) {
		struct buf t;

		buf_init(&t);
		buf_printf(&t, "transform=\"rotate(-90 %.1f %.1f)\" "
		    "font-weight=\"600\"", 16.0, (y0 + y1) / 2);
		svg_text(&b, 16, (y0 + y1) / 2, "middle", INK_2, 12, t.ptr,
		    c->y_title, 0);
		buf_free(&t);
	}
	if (c->x_title != NULL)
		svg_text(&b, x0 + pw / 2, h - 10, "middle", INK_2, 12,
		    "font-weight=\"600\"", c->x_title, 0);

	/* X labels: as many as fit side by side. */
	for (i = 0; i < c->n; i++)
		if ((k = text_chars(c->labels[i])) > chars)
			chars = k;
	if (chars > CHART_LABEL_MAX)
		chars = CHART_LABEL_MAX;
	fit = (size_t)(pw / (chars * CHAR_W + 14));
	if (fit < 1)
		fit = 1;
	every = c->label_every > 0 ? c->label_every : (c->n + fit - 1) / fit;
	if (every < 1)
		every = 1;
#define XAT(i)	(c->n == 1 ? x0 + pw / 2 : x0 + pw * (double)(i) / (c->n - 1))
	for (i = 0; i < c->n; i += every) {
		if (c->labels[i] == NULL || c->labels[i][0] == '\0')
			continue;
		x = XAT(i);
		buf_printf(&b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>", x, y0, x,
		    y0 + 4, AXIS);
		svg_text(&b, x, y0 + 18, i == 0 && c->n > 1 ? "start" :
		    i == c->n - 1 && c->n > 1 ? "end" : "middle", INK_3, 0,
		    NULL, c->labels[i], CHART_LABEL_MAX);
	}

	/* The first series gets a light area, every series its line. */
	for (s = 0; s < c->nseries; s++) {
		if (s == 0 && c->n > 1) {
			buf_printf(&b, "<polygon fill=\"%s\" fill-opacity="
			    "\"0.08\" points=\"%.1f,%.1f", colours[0], XAT(0), y0);
			for (i = 0; i < c->n; i++)
				buf_printf(&b, " %.1f,%.1f", XAT(i),
				    y0 - ph * c->values[0][i] / max);
			buf_printf(&b, " %.1f,%.1f\"/>", XAT(c->n - 1), y0);
		}
		buf_printf(&b, "<polyline class=\"line\" fill=\"none\" "
		    "stroke=\"%s\" stroke-width=\"2.25\" stroke-linejoin=\"round\" "
		    "stroke-linecap=\"round\" points=\"", colours[s]);
		for (i = 0; i < c->n; i++)
			buf_printf(&b, "%s%.1f,%.1f", i ? " " : "", XAT(i),
			    y0 - ph * c->values[s][i] / max);
		buf_puts(&b, "\"/>");
		if (c->n <= DOTS_MAX)
			for (i = 0; i < c->n; i++)
				buf_printf(&b, "<circle class=\"dot\" cx=\"%.1f\" "
				    "cy=\"%.1f\" r=\"2.75\" fill=\"#ffffff\" "
				    "stroke=\"%s\" stroke-width=\"1.75\"/>", XAT(i),
				    y0 - ph * c->values[s][i] / max, colours[s]);
	}
#undef XAT
	/* The legend, right-aligned above the plot. */
	if (legend) {
		x = x1;
		for (s = c->nseries; s-- > 0;) {
			const char *name = c->series[s] != NULL ?
			    c->series[s] : "";
			double tw = text_chars(name) * CHAR_W;

			if (tw > CHART_LABEL_MAX * CHAR_W)
				tw = CHART_LABEL_MAX * CHAR_W;
			svg_text(&b, x, 18, "end", INK_2, 0, NULL, name,
			    CHART_LABEL_MAX);
			x -= tw + 6;
			buf_printf(&b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" "
			    "height=\"3\" rx=\"1.5\" fill=\"%s\"/>", x - 14, 12.5,
			    colours[s]);
			x -= 14 + 18;
		}
	}
	if (chart_max(c) <= 0)
		svg_message(&b, c, x0 + pw / 2, (y0 + y1) / 2);
done:
	buf_puts(&b, "</svg>\n");
	buf_append(out, b.ptr, b.len);
	buf_free(&b);
	return FF_OK;
}
