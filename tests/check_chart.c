/*
 * check_chart.c: the SVG charts of src/view/chart.c.
 *
 * The axis, the escaping and the number format are tables of {input,
 * expected}. The charts are checked for being well-formed XML (a small
 * checker below: balanced tags, quoted attributes, known entities, valid
 * UTF-8), for their element counts and for bar lengths proportional to
 * the values.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view/chart.h"

/* ---- A minimal XML well-formedness checker ---- */

static int
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k, j;

	while (i < n) {
		uint32_t c;

		if (s[i] < 0x80) {
			if (s[i] < 0x20 && s[i] != '\n' && s[i] != '\t' &&
			    s[i] != '\r')
				return 0;
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) { k = 2; c = s[i] & 0x1f; }
		else if (s[i] >= 0xe0 && s[i] <= 0xef) { k = 3; c = s[i] & 0x0f; }
		else if (s[i] >= 0xf0 && s[i] <= 0xf4) { k = 4; c = s[i] & 0x07; }
		else return 0;
		if (i + k > n)
			return 0;
		for (j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 3 && c < 0x800) || (c >= 0xd800 && c <= 0xdfff) ||
		    c == 0xfffe || c == 0xffff || c > 0x10ffff)
			return 0;
		i += k;
	}
	return 1;
}

/* An entity at s ('&'): its length, or 0 if not one XML knows. */
static size_t
entity_len(const char *s)
{
	static const char *const names[] = { "&amp;", "&lt;", "&gt;",
	    "&quot;", "&apos;" };
	size_t i;

	for (i = 0; i < 5; i++)
		if (strncmp(s, names[i], strlen(names[i])) == 0)
			return strlen(names[i]);
	if (s[1] == '#') {
		i = 2;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
		if (i > 2 && s[i] == ';')
			return i + 1;
	}
	return 0;
}

/* 1 if xml is one well-formed element (with optional trailing space). */
static int
xml_ok(const char *xml, const char **why)
{
	char		 stack[64][32];
	int		 depth = 0, roots = 0;
	const char	*p = xml;
	size_t		 n, k;

	*why = "bad UTF-8 or control character";
	if (!utf8_valid((const unsigned char *)xml, strlen(xml)))
		return 0;
	while (*p != '\0') {
		if (*p == '&') {
			*why = "bad entity in text";
			if ((k = entity_len(p)) == 0)
				return 0;
			p += k;
			continue;
		}
		if (*p == '>') {
			*why = "raw > in text";
			return 0;
		}
		if (*p != '<') {
			*why = "text outside the root";
			if (depth == 0 && !(*p == '\n' || *p == ' '))
				return 0;
			p++;
			continue;
		}
		p++;
		if (*p == '/') {
			p++;
			n = strcspn(p, ">");
			*why = "mismatched close tag";
			if (depth == 0 || strlen(stack[depth - 1]) != n ||
			    strncmp(stack[depth - 1], p, n) != 0)
				return 0;
			depth--;
			p += n + 1;
			continue;
		}
		n = strcspn(p, " />");
		*why = "bad tag name";
		if (n == 0 || n >= sizeof(stack[0]) || depth >= 64)
			return 0;
		if (depth == 0)
			roots++;
		memcpy(stack[depth], p, n);
		stack[depth][n] = '\0';
		p += n;
		/* Attributes: name="value", value without < and with
		 * known entities only. */
		for (;;) {
			while (*p == ' ' || *p == '\n')
				p++;
			if (*p == '/' && p[1] == '>') {
				p += 2;
				break;
			}
			if (*p == '>') {
				p++;
				depth++;
				break;
			}
			n = strcspn(p, "=\" />");
			*why = "attribute without a quoted value";
			if (n == 0 || p[n] != '=' || p[n + 1] != '"')
				return 0;
			p += n + 2;
			while (*p != '"') {
				*why = "bad attribute value";
				if (*p == '\0' || *p == '<')
					return 0;
				if (*p == '&') {
					if ((k = entity_len(p)) == 0)
						return 0;
					p += k;
				} else
					p++;
			}
			p++;
		}
	}
	*why = depth != 0 ? "unclosed element" : "not exactly one root";
	return depth == 0 && roots == 1;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* The numeric value of attribute attr in the i-th element that starts
 * with prefix (e.g. "<rect class=\"bar\""). */
static double
attr_of(const char *svg, const char *prefix, size_t i, const char *attr)
{
	const char	*p = svg, *end;
	char		 pat[64];

	while ((p = strstr(p, prefix)) != NULL && i-- > 0)
		p += strlen(prefix);
	ck_assert_ptr_nonnull(p);
	end = strchr(p, '>');
	snprintf(pat, sizeof(pat), " %s=\"", attr);
	p = strstr(p, pat);
	ck_assert(p != NULL && p < end);
	return atof(p + strlen(pat));
}

/* ---- Tables ---- */

static const struct {
	double	max;
	int	ticks, integral;
	double	top, step;
} axes[] = {
	{ 0, 5, 1, 1, 1 },
	{ -3, 5, 1, 1, 1 },
	{ NAN, 5, 1, 1, 1 },
	{ 1, 5, 1, 1, 1 },
	{ 3, 5, 1, 3, 1 },
	{ 7, 5, 1, 8, 2 },
	{ 10, 5, 1, 10, 2 },
	{ 11, 5, 1, 15, 5 },
	{ 97, 5, 1, 100, 20 },
	{ 1234, 6, 1, 1250, 250 },
	{ 0.37, 5, 0, 0.4, 0.1 },
	{ 0.37, 5, 1, 1, 1 },
	{ 62.5, 5, 0, 80, 20 },
	{ 100, 5, 0, 100, 20 },
	{ 4.2, 4, 0, 6, 2 },
};

START_TEST(t_axis)
{
	double step = -1, top;

	top = chart_axis(axes[_i].max, axes[_i].ticks, axes[_i].integral,
	    &step);
	ck_assert_msg(fabs(top - axes[_i].top) < 1e-9 &&
	    fabs(step - axes[_i].step) < 1e-9,
	    "row %d: max %g -> top %g step %g, want %g %g", _i, axes[_i].max,
	    top, step, axes[_i].top, axes[_i].step);
	ck_assert(top / step <= axes[_i].ticks + 1e-9);
	if (isfinite(axes[_i].max))
		ck_assert(top >= axes[_i].max);
}
END_TEST

static const struct {
	const char	*in;
	size_t		 max;
	const char	*want;
} escapes[] = {
	{ "plain", 0, "plain" },
	{ "a<b>c", 0, "a&lt;b&gt;c" },
	{ "\"'&", 0, "&quot;&#39;&amp;" },
	{ "<script>alert(1)</script>", 0,
	    "&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ "caf\xc3\xa9", 0, "caf\xc3\xa9" },
	{ "\xff", 0, "\xef\xbf\xbd" },
	{ "a\x01" "b", 0, "a\xef\xbf\xbd" "b" },
	{ "tab\there", 0, "tab here" },
	/* A surrogate, an overlong '/', a lone continuation byte. */
	{ "\xed\xa0\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xc0\xaf", 0, "\xef\xbf\xbd\xef\xbf\xbd" },
	{ "x\x80y", 0, "x\xef\xbf\xbdy" },
	/* U+FFFF is valid UTF-8 but not an XML character. */
	{ "\xef\xbf\xbf", 0, "\xef\xbf\xbd" },
	{ "abcdef", 4, "abc\xe2\x80\xa6" },
	{ "abcd", 4, "abcd" },
	{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3, "\xc3\xa9\xc3\xa9\xe2\x80\xa6" },
	{ "a&b&c", 2, "a\xe2\x80\xa6" },
	{ "", 0, "" },
};

START_TEST(t_escape)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "");
	chart_escape(&b, escapes[_i].in, escapes[_i].max);
	ck_assert_msg(strcmp(b.ptr, escapes[_i].want) == 0,
	    "row %d: got '%s', want '%s'", _i, b.ptr, escapes[_i].want);
	buf_free(&b);
}
END_TEST

static const struct {
	double		 v;
	int		 decimals;
	const char	*want;
} nums[] = {
	{ 0, 0, "0" },
	{ 999, 0, "999" },
	{ 1000, 0, "1,000" },
	{ 1234567, 0, "1,234,567" },
	{ 12.5, 1, "12.5" },
	{ 1000, 2, "1,000.00" },
	{ -1234.5, 1, "-1,234.5" },
	{ -0.04, 1, "0.0" },
	{ 0.125, 2, "0.12" },
	{ 99.95, 1, "100.0" },
	{ INFINITY, 0, "\xe2\x80\x93" },
};

START_TEST(t_num)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "");
	chart_num(&b, nums[_i].v, nums[_i].decimals);
	ck_assert_msg(strcmp(b.ptr, nums[_i].want) == 0,
	    "row %d: got '%s', want '%s'", _i, b.ptr, nums[_i].want);
	buf_free(&b);
}
END_TEST

/* ---- Charts ---- */

START_TEST(t_bars)
{
	static const char *const labels[] = { "FF-AVI-5814-GLD",
	    "<script>x</script> & \"co\"", "Zero \xff" };
	static const double v[] = { 10, 5, 0 };
	struct chart	 c = { .title = "Try-ons per frame", .x_title =
	    "Try-ons", .labels = labels, .n = 3, .nseries = 1,
	    .values = { v } };
	struct buf	 b;
	const char	*why;
	double		 w0, w1, w2, x0;

	buf_init(&b);
	ck_assert_int_eq(chart_bars(&b, &c), FF_OK);
	ck_assert_msg(xml_ok(b.ptr, &why), "not well-formed: %s\n%s", why,
	    b.ptr);
	ck_assert(strncmp(b.ptr, "<svg xmlns=\"http://www.w3.org/2000/svg\"",
	    39) == 0);
	ck_assert_uint_eq(count(b.ptr, "<rect class=\"bar\""), 3);
	ck_assert_ptr_nonnull(strstr(b.ptr, "<title>Try-ons per frame</title>"));
	ck_assert_ptr_nonnull(strstr(b.ptr,
	    "&lt;script&gt;x&lt;/script&gt; &amp; &quot;co&quot;"));
	ck_assert_ptr_null(strstr(b.ptr, "<script"));
	ck_assert_ptr_null(strstr(b.ptr, "style="));
	/* Axis 0..10: the longest bar spans the plot, the next half. */
	w0 = attr_of(b.ptr, "<rect class=\"bar\"", 0, "width");
	w1 = attr_of(b.ptr, "<rect class=\"bar\"", 1, "width");
	w2 = attr_of(b.ptr, "<rect class=\"bar\"", 2, "width");
	x0 = attr_of(b.ptr, "<rect class=\"bar\"", 0, "x");
	ck_assert(w0 > 100);
	ck_assert_double_eq_tol(w0, CHART_WIDTH - 70 - x0, 0.06);
	ck_assert_double_eq_tol(w1 * 2, w0, 0.11);
	ck_assert_double_eq_tol(w2, 0, 1e-9);
	/* Values are printed at the bar ends; the axis has 0..10 by 2. */
	ck_assert_ptr_nonnull(strstr(b.ptr, ">10</text>"));
	ck_assert_ptr_nonnull(strstr(b.ptr, ">5</text>"));
	ck_assert_ptr_nonnull(strstr(b.ptr, ">8</text>"));
	ck_assert_ptr_null(strstr(b.ptr, ">12</text>"));
	/* The height grows with the number of bars. */
	ck_assert_int_eq((int)attr_of(b.ptr, "<svg", 0, "height"),
	    10 + 3 * 28 + 52);
	buf_free(&b);
}
END_TEST

START_TEST(t_bars_unit)
{
	static const char *const labels[] = { "a", "b" };
	static const double v[] = { 12.26, 3.5 };
	struct chart	 c = { .labels = labels, .n = 2, .nseries = 1,
	    .values = { v }, .unit = "%", .decimals = 1 };
	struct buf	 b;
	const char	*why;

	buf_init(&b);
	ck_assert_int_eq(chart_bars(&b, &c), FF_OK);
	ck_assert_msg(xml_ok(b.ptr, &why), "%s", why);
	ck_assert_ptr_nonnull(strstr(b.ptr, ">12.3%</text>"));
	ck_assert_ptr_nonnull(strstr(b.ptr, ">3.5%</text>"));
	buf_free(&b);
}
END_TEST

START_TEST(t_bad_input)
{
	static const char *const labels[] = { "a", "b" };
	static const double neg[] = { 1, -1 }, nan[] = { 1, NAN };
	static const double ok[] = { 1, 2 };
	struct chart	 c = { .labels = labels, .n = 2, .nseries = 1 };
	struct buf	 b;

	buf_init(&b);
	buf_puts(&b, "keep");
	c.values[0] = neg;
	ck_assert_int_eq(chart_bars(&b, &c), FF_EINPUT);
	ck_assert_int_eq(chart_lines(&b, &c), FF_EINPUT);
	c.values[0] = nan;
	ck_assert_int_eq(chart_bars(&b, &c), FF_EINPUT);
	c.values[0] = ok;
	c.nseries = 2;
	c.values[1] = ok;
	ck_assert_int_eq(chart_bars(&b, &c), FF_EINPUT);
	c.nseries = 5;
	ck_assert_int_eq(chart_lines(&b, &c), FF_EINPUT);
	c.nseries = 1;
	c.labels = NULL;
	ck_assert_int_eq(chart_lines(&b, &c), FF_EINPUT);
	c.labels = labels;
	c.width = 100;
	ck_assert_int_eq(chart_lines(&b, &c), FF_EINPUT);
	c.width = 0;
	c.decimals = 7;
	ck_assert_int_eq(chart_bars(&b, &c), FF_EINPUT);
	ck_assert_int_eq(chart_bars(&b, NULL), FF_EINPUT);
	ck_assert_str_eq(b.ptr, "keep");
	buf_free(&b);
}
END_TEST

START_TEST(t_lines)
{
	static const char *const labels[] = { "Mon", "Tue", "Wed", "Thu",
	    "Fri" };
	static const double a[] = { 0, 4, 8, 2, 6 }, bb[] = { 1, 1, 2, 0, 0 };
	struct chart	 c = { .title = "Try-ons per day", .x_title = "Day",
	    .y_title = "Try-ons", .labels = labels, .n = 5, .nseries = 2,
	    .series = { "Try-ons", "Clicks <to shop>" }, .values = { a, bb } };
	struct buf	 b;
	const char	*why;
	double		 ytop, ybase;

	buf_init(&b);
	ck_assert_int_eq(chart_lines(&b, &c), FF_OK);
	ck_assert_msg(xml_ok(b.ptr, &why), "not well-formed: %s\n%s", why,
	    b.ptr);
	ck_assert_uint_eq(count(b.ptr, "<polyline class=\"line\""), 2);
	ck_assert_uint_eq(count(b.ptr, "<circle class=\"dot\""), 10);
	ck_assert_ptr_nonnull(strstr(b.ptr, ">Clicks &lt;to shop&gt;</text>"));
	ck_assert_ptr_nonnull(strstr(b.ptr, "rotate(-90"));
	/* Axis 0..8: the value 8 (third dot) is at the top of the plot,
	 * 0 (first dot) on the baseline, 4 half way. */
	ytop = attr_of(b.ptr, "<circle class=\"dot\"", 2, "cy");
	ybase = attr_of(b.ptr, "<circle class=\"dot\"", 0, "cy");
	ck_assert_double_eq_tol(ytop, 34, 0.06);
	ck_assert_double_eq_tol(ybase, CHART_HEIGHT - 52, 0.06);
	ck_assert_double_eq_tol(attr_of(b.ptr, "<circle class=\"dot\"", 1,
	    "cy"), (ytop + ybase) / 2, 0.11);
	/* Evenly spaced x. */
	ck_assert_double_eq_tol(attr_of(b.ptr, "<circle class=\"dot\"", 4, "cx"),
	    CHART_WIDTH - 24, 0.06);
	buf_free(&b);
}
END_TEST

START_TEST(t_lines_many)
{
	static const char *labels[400];
	static double v[400];
	static char names[400][16];
	struct chart	 c = { .labels = labels, .n = 400, .nseries = 1,
	    .values = { v } };
	struct buf	 b;
	const char	*why;
	size_t		 i;

	for (i = 0; i < 400; i++) {
		snprintf(names[i], sizeof(names[i]), "2026-01-%03zu", i);
		labels[i] = names[i];
		v[i] = i % 7;
	}
	buf_init(&b);
	ck_assert_int_eq(chart_lines(&b, &c), FF_OK);
	ck_assert_msg(xml_ok(b.ptr, &why), "%s", why);
	/* No dots past DOTS_MAX points, and labels thinned so they fit. */
	ck_assert_uint_eq(count(b.ptr, "<circle"), 0);
	ck_assert(count(b.ptr, ">2026-01-") < 10);
	ck_assert(count(b.ptr, ">2026-01-") >= 3);
	buf_free(&b);
}
END_TEST

START_TEST(t_lines_sparse_labels)
{
	static const char *const labels[] = { "00:00", "", "", "03:00", "" };
	static const double v[] = { 1, 2, 3, 4, 5 };
	struct chart	 c = { .labels = labels, .n = 5, .nseries = 1,
	    .values = { v }, .label_every = 1 };
	struct buf	 b;
	const char	*why;

	buf_init(&b);
	ck_assert_int_eq(chart_lines(&b, &c), FF_OK);
	ck_assert_msg(xml_ok(b.ptr, &why), "%s", why);
	/* Two labels, two ticks below the axis; no empty text elements. */
	ck_assert_uint_eq(count(b.ptr, ">00:00</text>"), 1);
	ck_assert_uint_eq(count(b.ptr, ">03:00</text>"), 1);
	ck_assert_uint_eq(count(b.ptr, "\"></text>"), 0);
	ck_assert_uint_eq(count(b.ptr, "<circle"), 5);
	buf_free(&b);
}
END_TEST

START_TEST(t_empty)
{
	static const char *const labels[] = { "a", "b" };
	static const double z[] = { 0, 0 };
	struct chart	 c = { .nseries = 1, .empty = "Nothing & none" };
	struct buf	 b;
	const char	*why;

	buf_init(&b);
	ck_assert_int_eq(chart_bars(&b, &c), FF_OK);
	ck_assert_msg(xml_ok(b.ptr, &why), "%s", why);
	ck_assert_ptr_nonnull(strstr(b.ptr, ">Nothing &amp; none</text>"));
	ck_assert_uint_eq(count(b.ptr, "class=\"bar\""), 0);
	buf_reset(&b);
	c.empty = NULL;
	ck_assert_int_eq(chart_lines(&b, &c), FF_OK);
	ck_assert_msg(xml_ok(b.ptr, &why), "%s", why);
	ck_assert_ptr_nonnull(strstr(b.ptr, ">No data for this period</text>"));
	/* All zero: the axes are drawn, with the message over them. */
	buf_reset(&b);
	c.labels = labels;
	c.n = 2;
	c.values[0] = z;
	ck_assert_int_eq(chart_lines(&b, &c), FF_OK);
	ck_assert_msg(xml_ok(b.ptr, &why), "%s", why);
	ck_assert_uint_eq(count(b.ptr, "<polyline"), 1);
	ck_assert_ptr_nonnull(strstr(b.ptr, ">No data for this period</text>"));
	buf_free(&b);
}
END_TEST

/* The checker itself must be able to say no. */
START_TEST(t_checker)
{
	static const char *const bad[] = {
		"<svg><g></svg>",
		"<svg a=b/>",
		"<svg>a & b</svg>",
		"<svg>a < b</svg>",
		"<svg/><svg/>",
		"<svg>\x01</svg>",
		"<svg t=\"<\"/>",
	};
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!xml_ok(bad[i], &why), "accepted %s", bad[i]);
	ck_assert(xml_ok("<svg a=\"&amp;\"><t>x &#39;</t></svg>\n", &why));
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("chart");
	TCase	*t = tcase_create("core");

	tcase_add_loop_test(t, t_axis, 0, sizeof(axes) / sizeof(axes[0]));
	tcase_add_loop_test(t, t_escape, 0, sizeof(escapes) / sizeof(escapes[0]));
	tcase_add_loop_test(t, t_num, 0, sizeof(nums) / sizeof(nums[0]));
	tcase_add_test(t, t_bars);
	tcase_add_test(t, t_bars_unit);
	tcase_add_test(t, t_bad_input);
	tcase_add_test(t, t_lines);
	tcase_add_test(t, t_lines_many);
	tcase_add_test(t, t_lines_sparse_labels);
	tcase_add_test(t, t_empty);
	tcase_add_test(t, t_checker);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner	*r = srunner_create(suite());
	int	 failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed == 0 ? 0 : 1;
}
