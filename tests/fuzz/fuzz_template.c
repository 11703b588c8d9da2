/*
 * fuzz_template.c: libFuzzer target for src/view/template.c.
 *
 * The input is parsed as template "t" beside one fixed partial, linked,
 * and rendered against a small fixed context. Partials may name "t"
 * itself, so the depth limit and the render budget are exercised too.
 * Build (see docs/HELPERS.md):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I src \
 *       tests/fuzz/fuzz_template.c src/view/template.c src/core/buf.c \
 *       src/core/xalloc.c -lm -o fuzz_template
 *   ./fuzz_template -max_total_time=60 tests/fuzz/corpus/template
 */
#include <stddef.h>
#include <stdint.h>

#include "view/template.h"

static struct tpl_ctx *ctx;	/* built once, lives for the whole run */

static void
build_ctx(void)
{
	struct tpl_val *r, *l, *o;

	ctx = tpl_ctx_new();
	r = tpl_ctx_root(ctx);
	tpl_obj_set_str(r, "name", "<b>\"Ann\" & 'Bo'</b>");
	tpl_obj_set_str(r, "empty", "");
	tpl_obj_set_int(r, "n", 3);
	tpl_obj_set_double(r, "d", -1.5, 2);
	tpl_obj_set_bool(r, "t", 1);
	tpl_obj_set_bool(r, "f", 0);
	tpl_obj_set_null(r, "z");
	l = tpl_obj_add_list(r, "items");
	o = tpl_list_add_obj(l);
	tpl_obj_set_str(o, "n", "a");
	tpl_obj_add_list(o, "items");		/* empty, shadows */
	o = tpl_list_add_obj(l);
	tpl_obj_set_str(o, "n", "b=`");
	tpl_list_add_int(tpl_obj_add_list(o, "items"), 7);
	tpl_list_add_str(l, "s");
	tpl_list_add_list(l);
	o = tpl_obj_add_obj(r, "a");
	tpl_obj_set_str(tpl_obj_add_obj(o, "b"), "c", "deep");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tpl_set *set;
	struct buf out, msg;

	if (ctx == NULL)
		build_ctx();
	buf_init(&out);
	buf_init(&msg);
	set = tpl_set_new();
	/* Small budget: each run stays fast even for "{{>t}}{{>t}}". */
	tpl_set_limits(set, 1 << 16, 100000);
	(void)tpl_set_add_string(set, "p",
	    "[{{name}}{{#items}}({{n}}{{.}}){{/items}}]", &msg);
	if (tpl_set_add_mem(set, "t", (const char *)data, size, &msg) == FF_OK) {
		(void)tpl_set_link(set, &msg);
		(void)tpl_render(set, "t", tpl_ctx_root(ctx), &out);
		(void)tpl_render(set, "t", NULL, &out);
	}
	tpl_set_free(set);
	buf_free(&out);
	buf_free(&msg);
	return 0;
}
