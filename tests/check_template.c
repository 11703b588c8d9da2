/*
 * check_template.c: the template engine, table-driven.
 *
 * Every render row runs against one fixed data tree (fixture()) and a set
 * holding a few partials, so a row is just {template, expected output}.
 */
#include <sys/stat.h>

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "view/template.h"

/* ---- The fixture ---- */

static struct tpl_ctx *
fixture(void)
{
	struct tpl_ctx *c = tpl_ctx_new();
	struct tpl_val *r = tpl_ctx_root(c), *l, *o, *row, *cells;

	tpl_obj_set_str(r, "name", "World");
	tpl_obj_set_str(r, "title", "Try-on");
	tpl_obj_set_str(r, "html", "<a href=\"x\">&'`=</a>");
	tpl_obj_set_str(r, "amp", "&");
	tpl_obj_set_str(r, "lt", "<");
	tpl_obj_set_str(r, "gt", ">");
	tpl_obj_set_str(r, "quot", "\"");
	tpl_obj_set_str(r, "apos", "'");
	tpl_obj_set_str(r, "tick", "`");
	tpl_obj_set_str(r, "eq", "=");
	tpl_obj_set_str(r, "estr", "");
	tpl_obj_set_str(r, "nul", NULL);
	tpl_obj_set_bool(r, "yes", 1);
	tpl_obj_set_bool(r, "no", 0);
	tpl_obj_set_int(r, "count", 42);
	tpl_obj_set_int(r, "neg", -7);
	tpl_obj_set_int(r, "zero", 0);
	tpl_obj_set_double(r, "pi", 3.14159, 2);
	tpl_obj_set_double(r, "half", 0.5, 3);
	tpl_obj_set_double(r, "whole", 2.0, 2);
	tpl_obj_set_double(r, "negzero", -0.001, 2);
	tpl_obj_add_list(r, "empty");

	l = tpl_obj_add_list(r, "items");
	tpl_obj_set_str(tpl_list_add_obj(l), "n", "a");
	tpl_obj_set_str(tpl_list_add_obj(l), "n", "b");
	tpl_obj_set_str(tpl_list_add_obj(l), "n", "c");

	l = tpl_obj_add_list(r, "strs");
	tpl_list_add_str(l, "x");
	tpl_list_add_str(l, "y");

	o = tpl_obj_add_obj(r, "person");
	tpl_obj_set_str(o, "name", "Ann");
	tpl_obj_set_int(o, "age", 30);
	tpl_obj_set_str(tpl_obj_add_obj(o, "address"), "city", "Oslo");
	tpl_obj_add_obj(o, "a");	/* shadows root's a: chains break */

	tpl_obj_set_str(tpl_obj_add_obj(tpl_obj_add_obj(r, "a"), "b"), "c",
	    "deep");

	/* rows: [{cells: [1, 2]}, {cells: [3]}] */
	l = tpl_obj_add_list(r, "rows");
	row = tpl_list_add_obj(l);
	cells = tpl_obj_add_list(row, "cells");
	tpl_list_add_int(cells, 1);
	tpl_list_add_int(cells, 2);
	row = tpl_list_add_obj(l);
	tpl_list_add_int(tpl_obj_add_list(row, "cells"), 3);

	/* matrix: [[1, 2], [3]] */
	l = tpl_obj_add_list(r, "matrix");
	cells = tpl_list_add_list(l);
	tpl_list_add_int(cells, 1);
	tpl_list_add_int(cells, 2);
	tpl_list_add_int(tpl_list_add_list(l), 3);
	return c;
}

/* A set with the shared partials and `text` as template "t", linked. */
static struct tpl_set *
set_with(const char *text, enum ff_err *er, struct buf *msg)
{
	struct tpl_set *set = tpl_set_new();

	ck_assert_int_eq(tpl_set_add_string(set, "header",
	    "<h1>{{title}}</h1>\n", msg), FF_OK);
	ck_assert_int_eq(tpl_set_add_string(set, "footer",
	    "<footer>{{name}}</footer>", msg), FF_OK);
	ck_assert_int_eq(tpl_set_add_string(set, "li", "<li>{{n}}</li>", msg),
	    FF_OK);
	if ((*er = tpl_set_add_string(set, "t", text, msg)) == FF_OK)
		*er = tpl_set_link(set, msg);
	return set;
}

/* ---- Render table ---- */

static const struct {
	const char	*tpl;
	const char	*want;
} rtab[] = {
	/* variables */
	{ "Hello, {{name}}!", "Hello, World!" },
	{ "[{{ name }}]", "[World]" },
	{ "a{{missing}}b{{missing.deeper}}c", "abc" },
	{ "{{count}} {{neg}} {{zero}}", "42 -7 0" },
	{ "{{pi}} {{half}} {{whole}} {{negzero}}", "3.14 0.5 2 0" },
	{ "{{yes}}/{{no}}", "true/false" },
	{ "[{{nul}}][{{estr}}][{{items}}][{{person}}][{{.}}]", "[][][][][]" },
	/* escaping, each special character alone, then all together */
	{ "{{amp}}", "&amp;" },
	{ "{{lt}}", "&lt;" },
	{ "{{gt}}", "&gt;" },
	{ "{{quot}}", "&quot;" },
	{ "{{apos}}", "&#39;" },
	{ "{{tick}}", "&#96;" },
	{ "{{eq}}", "&#61;" },
	{ "{{html}}",
	  "&lt;a href&#61;&quot;x&quot;&gt;&amp;&#39;&#96;&#61;&lt;/a&gt;" },
	/* raw */
	{ "{{{html}}}", "<a href=\"x\">&'`=</a>" },
	{ "{{& html}}", "<a href=\"x\">&'`=</a>" },
	{ "{{{ lt }}}{{&gt}}", "<>" },
	/* sections */
	{ "{{#yes}}Y{{/yes}}{{#no}}N{{/no}}", "Y" },
	{ "{{#missing}}M{{/missing}}.", "." },
	{ "{{#empty}}E{{/empty}}.", "." },
	{ "{{#nul}}N{{/nul}}{{#estr}}E{{/estr}}.", "." },
	{ "{{#items}}{{n}},{{/items}}", "a,b,c," },
	{ "{{#strs}}<{{.}}>{{/strs}}", "<x><y>" },
	{ "{{#person}}{{name}} is {{age}} in {{address.city}}; "
	  "{{count}}{{/person}}", "Ann is 30 in Oslo; 42" },
	{ "{{#person}}{{name}}{{/person}}-{{name}}", "Ann-World" },
	{ "{{#count}}[{{.}}]{{/count}}{{#zero}}z{{/zero}}", "[42]z" },
	{ "{{#yes}}{{#items}}{{n}}{{/items}}{{/yes}}", "abc" },
	/* inverted */
	{ "{{^no}}n{{/no}}{{^yes}}Y{{/yes}}{{^empty}}e{{/empty}}"
	  "{{^missing}}m{{/missing}}{{^items}}I{{/items}}"
	  "{{^nul}}0{{/nul}}{{^estr}}s{{/estr}}", "nem0s" },
	/* nested lists */
	{ "{{#rows}}[{{#cells}}{{.}}{{/cells}}]{{/rows}}", "[12][3]" },
	{ "{{#matrix}}({{#.}}{{.}}{{/.}}){{/matrix}}", "(12)(3)" },
	{ "{{#items}}{{#strs}}{{n}}{{.}} {{/strs}}{{/items}}",
	  "ax ay bx by cx cy " },
	/* dotted names */
	{ "{{a.b.c}}|{{a.x.c}}|{{a.b}}|{{person.address.city}}",
	  "deep|||Oslo" },
	{ "{{#a.b}}{{c}}{{/a.b}}", "deep" },
	{ "{{#items}}{{person.name}}{{/items}}", "AnnAnnAnn" },
	{ "{{#person}}[{{a.b.c}}]{{/person}}", "[]" },	/* broken chain */
	/* partials */
	{ "{{> header}}body\n{{> footer}}",
	  "<h1>Try-on</h1>\nbody\n<footer>World</footer>" },
	{ "<ul>{{#items}}{{>li}}{{/items}}</ul>",
	  "<ul><li>a</li><li>b</li><li>c</li></ul>" },
	{ "{{#person}}{{>footer}}{{/person}}", "<footer>Ann</footer>" },
	/* comments */
	{ "a{{! a comment }}b{{!\nmulti\nline}}c", "abc" },
	/* standalone lines vanish; inline tags keep their blanks */
	{ "<ul>\n  {{#strs}}\n  <li>{{.}}</li>\n  {{/strs}}\n</ul>\n",
	  "<ul>\n  <li>x</li>\n  <li>y</li>\n</ul>\n" },
	{ "a\r\n{{#yes}}\r\nb\r\n{{/yes}}\r\n", "a\r\nb\r\n" },
	{ "x\n  {{! trailing comment }}", "x\n" },
	{ " {{#yes}} y {{/yes}} ", "  y  " },
	/* not tags */
	{ "a { b } {c} }} {", "a { b } {c} }} {" },
	{ "", "" },
};

START_TEST(test_render_row)
{
	struct tpl_ctx *c;
	struct tpl_set *set;
	struct buf out, msg;
	enum ff_err er;

	buf_init(&out);
	buf_init(&msg);
	c = fixture();
	set = set_with(rtab[_i].tpl, &er, &msg);
	ck_assert_msg(er == FF_OK, "row %d: %s", _i, msg.ptr);
	er = tpl_render(set, "t", tpl_ctx_root(c), &out);
	ck_assert_msg(er == FF_OK, "row %d: render: %s", _i, ff_strerror(er));
	ck_assert_msg(strcmp(out.ptr, rtab[_i].want) == 0,
	    "row %d: %s: want \"%s\", got \"%s\"", _i, rtab[_i].tpl,
	    rtab[_i].want, out.ptr);
	tpl_set_free(set);
	tpl_ctx_free(c);
	buf_free(&out);
	buf_free(&msg);
}
END_TEST

/* ---- Parse error table ---- */

static const struct {
	const char	*tpl;
	const char	*want;	/* errmsg, exactly */
} etab[] = {
	{ "a\n{{#x}}\nb", "t:2: unclosed section 'x'" },
	{ "{{name}}\n{{#yes}}\n", "t:2: unclosed section 'yes'" },
	{ "{{#a}}\n{{/b}}", "t:2: close tag 'b' does not match 'a' opened "
	  "on line 1" },
	{ "{{#a}}{{^b}}{{/a}}", "t:1: close tag 'a' does not match 'b' "
	  "opened on line 1" },
	{ "{{#a}}\n{{/a}}\n{{#b}}\n\n{{/c}}", "t:5: close tag 'c' does not "
	  "match 'b' opened on line 3" },
	{ "x\n\n{{/a}}", "t:3: no open section to close 'a'" },
	{ "line1\n{{name", "t:2: '{{' without '}}'" },
	{ "\n\n\n{{{name}}", "t:4: '{{{' without '}}}'" },
	{ "{{bad name}}", "t:1: bad name 'bad name'" },
	{ "{{a..b}}", "t:1: bad name 'a..b'" },
	{ "{{.a}}", "t:1: bad name '.a'" },
	{ "{{}}", "t:1: bad name ''" },
	{ "{{#}}{{/}}", "t:1: bad name ''" },
	{ "{{a\x01}}", "t:1: bad name 'a?'" },
	{ "{{ \x01#a}}", "t:1: bad name '?#a'" },
	{ "{{> ../etc/passwd}}", "t:1: bad name '../etc/passwd'" },
	{ "{{=<% %>=}}", "t:1: set-delimiter tags are not supported" },
	{ "x\n{{> nope}}", "t:2: unknown partial 'nope'" },
};

START_TEST(test_parse_error_row)
{
	struct tpl_set *set;
	struct buf msg;
	enum ff_err er;

	buf_init(&msg);
	set = set_with(etab[_i].tpl, &er, &msg);
	ck_assert_msg(er == FF_ECONFIG, "row %d: %s: no error", _i,
	    etab[_i].tpl);
	ck_assert_msg(strcmp(msg.ptr, etab[_i].want) == 0,
	    "row %d: want \"%s\", got \"%s\"", _i, etab[_i].want, msg.ptr);
	tpl_set_free(set);
	buf_free(&msg);
}
END_TEST

/* ---- Limits ---- */

/* "{{#s}}" n times on their own lines, then the closes. */
static void
nested(struct buf *b, int n)
{
	int i;

	for (i = 0; i < n; i++)
		buf_puts(b, "{{#s}}\n");
	buf_puts(b, "deep");
	for (i = 0; i < n; i++)
		buf_puts(b, "{{/s}}");
}

START_TEST(test_section_depth)
{
	struct tpl_set *set = tpl_set_new();
	struct tpl_ctx *c = tpl_ctx_new();
	struct buf t, msg, out;

	buf_init(&t);
	buf_init(&msg);
	buf_init(&out);
	tpl_obj_set_bool(tpl_ctx_root(c), "s", 1);
	nested(&t, TPL_MAX_DEPTH);
	ck_assert_int_eq(tpl_set_add_string(set, "ok", t.ptr, &msg), FF_OK);
	ck_assert_int_eq(tpl_render(set, "ok", tpl_ctx_root(c), &out), FF_OK);
	ck_assert_str_eq(out.ptr, "deep");
	buf_reset(&t);
	nested(&t, TPL_MAX_DEPTH + 1);
	ck_assert_int_eq(tpl_set_add_string(set, "deep", t.ptr, &msg),
	    FF_ECONFIG);
	ck_assert_str_eq(msg.ptr, "deep:33: sections nested deeper than 32");
	ck_assert(!tpl_set_has(set, "deep"));
	tpl_set_free(set);
	tpl_ctx_free(c);
	buf_free(&t);
	buf_free(&msg);
	buf_free(&out);
}
END_TEST

/* Chain p0 -> p1 -> ... -> pn; pn prints "end". */
static struct tpl_set *
chain(int n)
{
	struct tpl_set *set = tpl_set_new();
	char name[16], text[32];
	int i;

	for (i = 0; i <= n; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		if (i < n)
			snprintf(text, sizeof(text), "{{>p%d}}", i + 1);
		else
			snprintf(text, sizeof(text), "end");
		ck_assert_int_eq(tpl_set_add_string(set, name, text, NULL),
		    FF_OK);
	}
	ck_assert_int_eq(tpl_set_link(set, NULL), FF_OK);
	return set;
}

START_TEST(test_partial_depth)
{
	struct tpl_set *set;
	struct buf out;

	buf_init(&out);
	set = chain(TPL_MAX_DEPTH);
	ck_assert_int_eq(tpl_render(set, "p0", NULL, &out), FF_OK);
	ck_assert_str_eq(out.ptr, "end");
	tpl_set_free(set);

	buf_reset(&out);
	buf_puts(&out, "keep");
	set = chain(TPL_MAX_DEPTH + 1);
	ck_assert_int_eq(tpl_render(set, "p0", NULL, &out), FF_ECONFIG);
	ck_assert_str_eq(out.ptr, "keep");	/* restored */
	tpl_set_free(set);
	buf_free(&out);
}
END_TEST

START_TEST(test_partial_recursion)
{
	struct tpl_set *set = tpl_set_new();
	struct buf out;

	buf_init(&out);
	/* Self-recursion ends at the depth limit ... */
	ck_assert_int_eq(tpl_set_add_string(set, "self", "x{{>self}}", NULL),
	    FF_OK);
	/* ... and 2^32-fold fan-out at the step budget, quickly. */
	ck_assert_int_eq(tpl_set_add_string(set, "fan", "{{>fan}}{{>fan}}",
	    NULL), FF_OK);
	ck_assert_int_eq(tpl_set_link(set, NULL), FF_OK);
	buf_puts(&out, "keep");
	ck_assert_int_eq(tpl_render(set, "self", NULL, &out), FF_ECONFIG);
	ck_assert_str_eq(out.ptr, "keep");
	ck_assert_int_eq(tpl_render(set, "fan", NULL, &out), FF_ECONFIG);
	ck_assert_str_eq(out.ptr, "keep");
	tpl_set_free(set);
	buf_free(&out);
}
END_TEST

START_TEST(test_budget)
{
	struct tpl_set *set = tpl_set_new();
	struct tpl_ctx *c = tpl_ctx_new();
	struct tpl_val *l = tpl_obj_add_list(tpl_ctx_root(c), "l");
	struct buf out;
	int i;

	buf_init(&out);
	for (i = 0; i < 100; i++)
		tpl_list_add_int(l, i);
	ck_assert_uint_eq(tpl_list_len(l), 100);
	ck_assert_int_eq(tpl_set_add_string(set, "t",
	    "{{#l}}0123456789{{/l}}", NULL), FF_OK);
	/* 1000 bytes, 201 steps: exactly fits. */
	tpl_set_limits(set, 1000, 201);
	ck_assert_int_eq(tpl_render(set, "t", tpl_ctx_root(c), &out), FF_OK);
	ck_assert_uint_eq(out.len, 1000);
	buf_reset(&out);
	tpl_set_limits(set, 999, 1000);
	ck_assert_int_eq(tpl_render(set, "t", tpl_ctx_root(c), &out),
	    FF_ECONFIG);
	ck_assert_uint_eq(out.len, 0);
	tpl_set_limits(set, 1000, 200);
	ck_assert_int_eq(tpl_render(set, "t", tpl_ctx_root(c), &out),
	    FF_ECONFIG);
	ck_assert_str_eq(out.ptr, "");
	tpl_set_free(set);
	tpl_ctx_free(c);
	buf_free(&out);
}
END_TEST

/* ---- API ---- */

START_TEST(test_api)
{
	struct tpl_set *set = tpl_set_new();
	struct tpl_ctx *c = tpl_ctx_new();
	struct tpl_val *r = tpl_ctx_root(c), *l;
	struct buf out, msg;
	char big[5000];

	buf_init(&out);
	buf_init(&msg);
	ck_assert_int_eq(tpl_set_add_string(set, "t", "{{a}}{{b}}{{c}}",
	    &msg), FF_OK);
	ck_assert_int_eq(tpl_set_add_string(set, "t", "again", &msg),
	    FF_ECONFIG);
	ck_assert_str_eq(msg.ptr, "t:1: duplicate template name 't'");
	ck_assert_int_eq(tpl_set_add_string(set, "a b", "x", &msg),
	    FF_EINPUT);
	ck_assert_int_eq(tpl_set_add_string(set, ".x", "x", &msg), FF_EINPUT);
	ck_assert_int_eq(tpl_set_add_mem(set, "nul", "a\0b{{a}}", 8, &msg),
	    FF_OK);
	ck_assert_int_eq(tpl_set_add_mem(set, "z", "{{\0a}}", 6, &msg),
	    FF_ECONFIG);
	ck_assert_str_eq(msg.ptr, "z:1: bad name '?a'");
	ck_assert(tpl_set_has(set, "t"));
	ck_assert(!tpl_set_has(set, "u") && !tpl_set_has(set, "z"));

	/* Unknown template: 404-ish, out untouched. */
	ck_assert_int_eq(tpl_render(set, "u", r, &out), FF_ENOTFOUND);
	ck_assert_str_eq(out.ptr, "");

	/* Replacing a key keeps its place; the last value wins. */
	tpl_obj_set_int(r, "a", 1);
	tpl_obj_set_str(r, "b", "2");
	l = tpl_obj_add_list(r, "a");
	tpl_list_add_str(l, "ignored");
	tpl_obj_set_double(r, "a", 1.25, 1);
	tpl_obj_set_str(r, "c", NULL);
	memset(big, 'z', sizeof(big) - 1);	/* its own arena chunk */
	big[sizeof(big) - 1] = '\0';
	tpl_obj_set_strn(r, "c", big, 3);
	ck_assert_int_eq(tpl_render(set, "t", r, &out), FF_OK);
	ck_assert_str_eq(out.ptr, "1.22zzz");	/* 1.25 rounds to even */
	buf_reset(&out);
	tpl_obj_set_str(r, "c", big);
	ck_assert_int_eq(tpl_render(set, "t", r, &out), FF_OK);
	ck_assert_uint_eq(out.len, 4 + sizeof(big) - 1);

	/* NULs in templates and strings go through. */
	buf_reset(&out);
	tpl_obj_set_strn(r, "a", "x\0y", 3);
	ck_assert_int_eq(tpl_render(set, "nul", r, &out), FF_OK);
	ck_assert_uint_eq(out.len, 6);
	ck_assert(memcmp(out.ptr, "a\0bx\0y", 6) == 0);

	/* No data at all. */
	buf_reset(&out);
	ck_assert_int_eq(tpl_set_add_string(set, "nodata",
	    "{{a}}x{{#b}}y{{/b}}{{^c}}z{{/c}}{{.}}", &msg), FF_OK);
	ck_assert_int_eq(tpl_render(set, "nodata", NULL, &out), FF_OK);
	ck_assert_str_eq(out.ptr, "xz");

	/* Unlinked set: a missing partial fails the render. */
	ck_assert_int_eq(tpl_set_add_string(set, "p", "{{>later}}", &msg),
	    FF_OK);
	ck_assert_int_eq(tpl_render(set, "p", NULL, &out), FF_ECONFIG);
	ck_assert_int_eq(tpl_set_add_string(set, "later", "L", &msg), FF_OK);
	buf_reset(&out);
	ck_assert_int_eq(tpl_render(set, "p", NULL, &out), FF_OK);
	ck_assert_str_eq(out.ptr, "L");

	/* Doubles: big, NaN, clamped precision. */
	tpl_set_free(set);
	set = tpl_set_new();
	ck_assert_int_eq(tpl_set_add_string(set, "d", "[{{x}}][{{y}}][{{z}}]",
	    &msg), FF_OK);
	tpl_obj_set_double(r, "x", 1e300, 2);
	tpl_obj_set_double(r, "y", NAN, 2);
	tpl_obj_set_double(r, "z", 0.1, 99);
	buf_reset(&out);
	ck_assert_int_eq(tpl_render(set, "d", r, &out), FF_OK);
	ck_assert_uint_eq(out.len, 301 + 6 + 19);
	snprintf(big, sizeof(big), "[%.0f]", 1e300);	/* all 301 digits */
	ck_assert(strncmp(out.ptr, big, strlen(big)) == 0);
	ck_assert(strstr(out.ptr, "][][0.10000000000000001]") != NULL);

	tpl_set_free(set);
	tpl_ctx_free(c);
	buf_free(&out);
	buf_free(&msg);
}
END_TEST

/* ---- Loading a directory ---- */

static void
put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void
rm_dir(const char *dir, const char *const *names)
{
	char path[512];

	for (; *names != NULL; names++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *names);
		if (unlink(path) == -1)
			rmdir(path);
	}
	ck_assert_int_eq(rmdir(dir), 0);
}

START_TEST(test_load_dir)
{
	static const char *const names[] = { "header.html", "footer.txt",
	    "page.html", "logo.svg", "README.md", ".hidden.html", "sub.html",
	    "header.txt", NULL };
	char dir[] = "/tmp/check_template.XXXXXX", sub[512];
	struct tpl_ctx *c = fixture();
	struct tpl_set *set;
	struct buf out, msg;
	enum ff_err er;

	buf_init(&out);
	buf_init(&msg);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put_file(dir, "header.html", "<title>{{title}}</title>\n");
	put_file(dir, "footer.txt", "<p>{{name}}</p>\n");
	put_file(dir, "page.html", "{{> header}}\n<ul>\n{{#strs}}\n"
	    "<li>{{.}}</li>\n{{/strs}}\n</ul>\n{{> logo}}\n{{> footer}}\n");
	put_file(dir, "logo.svg", "<svg/>\n");
	put_file(dir, "README.md", "{{#unclosed}}");	/* ignored */
	put_file(dir, ".hidden.html", "{{#unclosed}}");	/* ignored */
	snprintf(sub, sizeof(sub), "%s/sub.html", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);		/* not a file */

	set = tpl_load_dir(dir, &er, &msg);
	ck_assert_msg(set != NULL, "%s", msg.ptr);
	ck_assert_int_eq(er, FF_OK);
	ck_assert(tpl_set_has(set, "page") && tpl_set_has(set, "logo"));
	ck_assert(!tpl_set_has(set, "README") && !tpl_set_has(set, "sub"));
	ck_assert_int_eq(tpl_render(set, "page", tpl_ctx_root(c), &out),
	    FF_OK);
	ck_assert_str_eq(out.ptr, "<title>Try-on</title>\n<ul>\n<li>x</li>\n"
	    "<li>y</li>\n</ul>\n<svg/>\n<p>World</p>\n");
	tpl_set_free(set);

	/* An unknown partial, with its file and line. */
	put_file(dir, "page.html", "a\nb\n{{> nav}}\n");
	ck_assert_ptr_null(tpl_load_dir(dir, &er, &msg));
	ck_assert_int_eq(er, FF_ECONFIG);
	buf_reset(&out);
	buf_printf(&out, "%s/page.html:3: unknown partial 'nav'", dir);
	ck_assert_str_eq(msg.ptr, out.ptr);

	/* A parse error. */
	put_file(dir, "page.html", "a\n{{#x}}\n");
	ck_assert_ptr_null(tpl_load_dir(dir, &er, &msg));
	ck_assert_int_eq(er, FF_ECONFIG);
	buf_reset(&out);
	buf_printf(&out, "%s/page.html:2: unclosed section 'x'", dir);
	ck_assert_str_eq(msg.ptr, out.ptr);

	/* Two files, one name. */
	put_file(dir, "page.html", "ok");
	put_file(dir, "logo.svg", "ok");
	put_file(dir, "header.txt", "dup");
	ck_assert_ptr_null(tpl_load_dir(dir, &er, &msg));
	ck_assert_int_eq(er, FF_ECONFIG);
	buf_reset(&out);
	buf_printf(&out, "%s/header.txt:1: duplicate template name 'header'",
	    dir);
	ck_assert_str_eq(msg.ptr, out.ptr);
	rm_dir(dir, names);

	/* No directory. */
	ck_assert_ptr_null(tpl_load_dir(dir, &er, &msg));
	ck_assert_int_eq(er, FF_EIO);
	buf_reset(&out);
	buf_printf(&out, "%s: No such file or directory", dir);
	ck_assert_str_eq(msg.ptr, out.ptr);

	tpl_ctx_free(c);
	buf_free(&out);
	buf_free(&msg);
}
END_TEST

static Suite *
template_suite(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_render_row, 0,
	    (int)(sizeof(rtab) / sizeof(rtab[0])));
	tcase_add_loop_test(tc, test_parse_error_row, 0,
	    (int)(sizeof(etab) / sizeof(etab[0])));
	tcase_add_test(tc, test_section_depth);
	tcase_add_test(tc, test_partial_depth);
	tcase_add_test(tc, test_partial_recursion);
	tcase_add_test(tc, test_budget);
	tcase_add_test(tc, test_api);
	tcase_add_test(tc, test_load_dir);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(template_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
