/*
 * template.h: mustache-like HTML templates, escaping by default.
 *
 * Templates are parsed once, at worker start, into a compiled set
 * (struct tpl_set) that is read-only afterwards, so one set may be shared
 * by every thread. Each request builds a small value tree (struct tpl_ctx)
 * that owns all of its values and strings and is freed by one call.
 *
 * Syntax (a subset of mustache, https://mustache.github.io/mustache.5.html):
 *   {{name}}          the value, HTML-escaped: & < > " ' ` = become entities
 *   {{{name}}}        the value, raw (the template decides, never the data)
 *   {{& name}}        the value, raw
 *   {{#name}}..{{/name}}  skipped if name is missing, null, false, "" or an
 *                     empty list; once per item of a list (the item is the
 *                     new top of the context stack); otherwise once, with
 *                     the value as the new top of the stack
 *   {{^name}}..{{/name}}  rendered once iff {{#name}} would be skipped
 *   {{! comment}}     nothing
 *   {{> partial}}     another template of the same set, same context
 *   a.b.c             dotted names: `a` is looked up the context stack
 *                     (innermost first), then b and c inside it only
 *   {{.}}             the top of the context stack (the current item)
 * Names are [A-Za-z0-9_-] segments joined by dots, or a lone dot; partial
 * names are template names, [A-Za-z0-9_.-]; spaces around a name are
 * allowed. Set-delimiter tags ({{=<% %>=}}) and lambdas
 * are not supported. As in mustache, a section, inverted, close, comment
 * or partial tag alone on its line removes that whole line from the output
 * (partials are not re-indented, though).
 *
 * Interpolation: a string as is; an integer in decimal; a double with at
 * most its `prec` decimals, trailing zeros trimmed (non-finite: nothing);
 * a bool as "true"/"false"; null, missing, lists and objects as nothing.
 * Numbers are always truthy, even 0: use a bool to switch a section.
 *
 * Layouts are plain partials: a page does {{> header}} ... {{> footer}}.
 */
#ifndef FF_VIEW_TEMPLATE_H
#define FF_VIEW_TEMPLATE_H
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* Sections nested in one template, and partials nested in a render. */
#define TPL_MAX_DEPTH		32
/* Largest template source accepted, in bytes. */
#define TPL_MAX_SIZE		(4u << 20)
/* Default render budget, see tpl_set_limits(). */
#define TPL_DEFAULT_MAX_OUT	(16u << 20)
#define TPL_DEFAULT_MAX_STEPS	10000000ul

struct tpl_set;
struct tpl_ctx;
struct tpl_val;

/* ---- The compiled set (long-lived, read-only once loaded) ---- */

/*
 * Load every regular file named *.html, *.svg or *.txt in dir (no
 * recursion, dot files skipped); a template's name is its file name
 * without the extension, made of [A-Za-z0-9_.-]. Files are parsed in
 * name order, then every {{> partial}} is checked to exist.
 * Returns the set, owned by the caller (free with tpl_set_free()), or NULL
 * with *er set: FF_EIO if the directory or a file cannot be read,
 * FF_ECONFIG for a parse error, a duplicate name (a.html and a.txt) or an
 * unknown partial. errmsg, if not NULL, is replaced by a one-line message
 * such as "templates/page.html:12: section 'frames' is never closed".
 */
struct tpl_set	*tpl_load_dir(const char *dir, enum ff_err *er,
		    struct buf *errmsg);

/* An empty set, for building by hand (tests, fuzzing). */
struct tpl_set	*tpl_set_new(void);

/*
 * Parse text (NUL-terminated, or len bytes that may hold NULs) as the
 * template `name` and add it to the set; the set keeps its own copy.
 * Errors carry the line number as "name:LINE: ..." in errmsg (replaced;
 * may be NULL). Returns FF_OK, FF_ECONFIG for a parse error or a name
 * already in the set, FF_EINPUT for an invalid name. Partials are not
 * checked here (they may be added later): call tpl_set_link() after the
 * last add. On error the set is unchanged.
 */
enum ff_err	 tpl_set_add_string(struct tpl_set *, const char *name,
		    const char *text, struct buf *errmsg);
enum ff_err	 tpl_set_add_mem(struct tpl_set *, const char *name,
		    const char *text, size_t len, struct buf *errmsg);

/*
 * Resolve every {{> partial}} of every template of the set. Returns FF_OK,
 * or FF_ECONFIG with "file:LINE: unknown partial 'x'" in errmsg for the
 * first one missing. tpl_load_dir() calls it for you.
 */
enum ff_err	 tpl_set_link(struct tpl_set *, struct buf *errmsg);

/* Nonzero if the set holds a template of that name. */
int		 tpl_set_has(const struct tpl_set *, const char *name);

/*
 * Bound the work of one tpl_render(): at most max_out bytes of output and
 * max_steps nodes visited (sections and list items included). A render
 * that goes over fails with FF_ECONFIG; this is what makes a template like
 * "{{>t}}{{>t}}" (2^32 expansions before the depth limit) cheap to reject.
 * Defaults: TPL_DEFAULT_MAX_OUT, TPL_DEFAULT_MAX_STEPS.
 */
void		 tpl_set_limits(struct tpl_set *, size_t max_out,
		    unsigned long max_steps);

/* Free the set and every template in it; NULL is fine. */
void		 tpl_set_free(struct tpl_set *);

/*
 * Append template `name` rendered against root (an object, or NULL for no
 * data) to out. Returns FF_OK; FF_ENOTFOUND if the set has no such
 * template; FF_ECONFIG if partials nest deeper than TPL_MAX_DEPTH, a
 * partial is unknown (the set was not linked), or the budget of
 * tpl_set_limits() is exceeded. On error out is restored to the length it
 * had on entry. Safe to call from many threads on one set.
 */
enum ff_err	 tpl_render(const struct tpl_set *, const char *name,
		    const struct tpl_val *root, struct buf *out);

/* ---- The per-request data ---- */

/*
 * A context owns every value and string reachable from its root; one
 * tpl_ctx_free() releases them all, so values never outlive the request.
 * Strings and keys are copied on set. Setting a key an object already has
 * replaces its value (in place, keeping the key's order); pointers to the
 * old value stay valid until tpl_ctx_free() but it is no longer rendered.
 * Calling an object function on a list (or the reverse) is a caller bug
 * and aborts with a message.
 */
struct tpl_ctx	*tpl_ctx_new(void);
void		 tpl_ctx_free(struct tpl_ctx *);
/* The root object, owned by the context. */
struct tpl_val	*tpl_ctx_root(struct tpl_ctx *);

/* s may be NULL: the key is then set to null (falsy, renders nothing). */
void		 tpl_obj_set_str(struct tpl_val *obj, const char *key,
		    const char *s);
void		 tpl_obj_set_strn(struct tpl_val *obj, const char *key,
		    const char *s, size_t len);
void		 tpl_obj_set_int(struct tpl_val *obj, const char *key,
		    long long);
/* prec: decimals printed at most (0..17), trailing zeros trimmed. */
void		 tpl_obj_set_double(struct tpl_val *obj, const char *key,
		    double, int prec);
void		 tpl_obj_set_bool(struct tpl_val *obj, const char *key, int);
void		 tpl_obj_set_null(struct tpl_val *obj, const char *key);
/* A new empty object or list stored at key; owned by the context. */
struct tpl_val	*tpl_obj_add_obj(struct tpl_val *obj, const char *key);
struct tpl_val	*tpl_obj_add_list(struct tpl_val *obj, const char *key);

void		 tpl_list_add_str(struct tpl_val *list, const char *s);
void		 tpl_list_add_strn(struct tpl_val *list, const char *s,
		    size_t len);
void		 tpl_list_add_int(struct tpl_val *list, long long);
void		 tpl_list_add_double(struct tpl_val *list, double, int prec);
void		 tpl_list_add_bool(struct tpl_val *list, int);
/* A new empty object or list appended to list; owned by the context. */
struct tpl_val	*tpl_list_add_obj(struct tpl_val *list);
struct tpl_val	*tpl_list_add_list(struct tpl_val *list);
/* Number of items in a list. */
size_t		 tpl_list_len(const struct tpl_val *list);

#endif
