/*
 * template.c: mustache-like templates, see template.h for the syntax.
 *
 * A template compiles to a flat array of nodes. A section node's children
 * are the nodes that follow it, up to its `end` index, so rendering is a
 * walk over index ranges and the tree needs no pointers. Text and names
 * point into the template's own copy of its source.
 *
 * Bounds that make any input safe (the parser is fuzzed):
 *   - sections nest at most TPL_MAX_DEPTH deep per template (parse error);
 *   - partials nest at most TPL_MAX_DEPTH deep per render (render error);
 *   - a render visits at most max_steps nodes and writes at most max_out
 *     bytes, so exponential partial fan-out fails fast instead of hanging.
 * Hence C recursion is at most (TPL_MAX_DEPTH + 1)^2 frames deep.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "view/template.h"

#define NPOS	((size_t)-1)

/* ---- Compiled templates ---- */

enum node_type {
	N_TEXT,		/* literal text */
	N_VAR,		/* {{name}}, escaped */
	N_RAW,		/* {{{name}}} or {{& name}} */
	N_SECTION,	/* {{#name}}, children up to `end` */
	N_INVERTED,	/* {{^name}}, children up to `end` */
	N_PARTIAL	/* {{> name}} */
};

struct node {
	enum node_type	 type;
	unsigned	 line;		/* 1-based line of the tag in the source */
	const char	*s;		/* into tpl->src: the text, or the name */
	size_t		 len;
	size_t		 end;		/* sections: index just past the section */
	const struct tpl *partial;	/* N_PARTIAL, once linked; not owned */
};

struct tpl {
	char		*name;		/* owned */
	char		*file;		/* owned; for messages: path or name */
	char		*src;		/* owned; nodes point into it */
	struct node	*nodes;		/* owned */
	size_t		 nnodes;
	size_t		 cap;
};

struct tpl_set {
	struct tpl	**tpls;		/* owned; each one allocated alone so
					   linked pointers survive growth */
	size_t		  ntpls;
	size_t		  max_out;	/* bytes per render */
	unsigned long	  max_steps;	/* nodes visited per render */
};

/* ---- Values ---- */

enum val_type { V_NULL, V_STR, V_INT, V_DOUBLE, V_BOOL, V_LIST, V_OBJ };

struct tpl_val {
	enum val_type	 type;
	struct tpl_ctx	*ctx;		/* the owner */
	const char	*key;		/* as a member of an object */
	size_t		 keylen;
	struct tpl_val	*next;		/* next member or list item */
	union {
		struct { const char *s; size_t len; } str;
		long long	 i;
		struct { double v; int prec; } d;
		int		 b;
		struct {
			struct tpl_val	*head, *tail;
			size_t		 n;
		} kids;			/* V_LIST items, V_OBJ members */
	} u;
};

/* The context is a bump allocator: values are never freed one by one. */
#define CHUNK_SIZE	4096

struct chunk {
	struct chunk	*next;
	size_t		 used, cap;	/* bytes of mem[] */
	max_align_t	 mem[];
};

struct tpl_ctx {
	struct chunk	*chunks;
	struct tpl_val	*root;
};

/* ------------------------------------------------------------------ */

static int
is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* A variable or section name: "." or [A-Za-z0-9_-]+ joined by dots. */
static int
valid_name(const char *s, size_t n)
{
	size_t i, seg = 0;

	if (n == 1 && s[0] == '.')
		return 1;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (seg == 0)
				return 0;
			seg = 0;
		} else if (is_name_char((unsigned char)s[i]))
			seg++;
		else
			return 0;
	}
	return seg > 0;
}

/* A template (file) name: [A-Za-z0-9_.-]+, not starting with a dot. */
static int
valid_tname(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] != '.' && !is_name_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/* First occurrence of pat at or after from in s[0..n), or NPOS. */
static size_t
find(const char *s, size_t n, size_t from, const char *pat, size_t plen)
{
	const char *p;

	while (from + plen <= n) {
		p = memchr(s + from, pat[0], n - from - plen + 1);
		if (p == NULL)
			return NPOS;
		from = (size_t)(p - s);
		if (memcmp(p, pat, plen) == 0)
			return from;
		from++;
	}
	return NPOS;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Append at most 40 bytes of s to b, non-printable bytes as '?'. */
static void
put_sanitized(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 40; i++)
		buf_putc(b, s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
	if (n > 40)
		buf_puts(b, "...");
}

static struct tpl *
set_find(const struct tpl_set *set, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < set->ntpls; i++)
		if (strlen(set->tpls[i]->name) == len &&
		    memcmp(set->tpls[i]->name, name, len) == 0)
			return set->tpls[i];
	return NULL;
}

static void
tpl_free(struct tpl *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->file);
	free(t->src);
	free(t->nodes);
	free(t);
}

/* ---- Parser ---- */

struct parser {
	struct tpl	*t;
	const char	*s;		/* == t->src */
	size_t		 n;
	size_t		 lpos;		/* newlines counted up to here */
	unsigned	 line;		/* line number at lpos */
	size_t		 open[TPL_MAX_DEPTH]; /* node index of open sections */
	size_t		 depth;
	struct buf	*errmsg;	/* may be NULL */
};

static void
perr(struct parser *p, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
perr(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (p->errmsg == NULL)
		return;
	buf_reset(p->errmsg);
	buf_printf(p->errmsg, "%s:%u: ", p->t->file, line);
	va_start(ap, fmt);
	buf_vprintf(p->errmsg, fmt, ap);
	va_end(ap);
}

/* Like perr(), ending in the (sanitized) bytes s[0..n) and a quote. */
static void
perr_name(struct parser *p, unsigned line, const char *what,
    const char *s, size_t n)
{
	perr(p, line, "%s '", what);
	if (p->errmsg != NULL) {
		put_sanitized(p->errmsg, s, n);
		buf_putc(p->errmsg, '\'');
	}
}

static unsigned
line_at(struct parser *p, size_t pos)
{
	const char *nl;

	while (p->lpos < pos) {
		nl = memchr(p->s + p->lpos, '\n', pos - p->lpos);
		if (nl == NULL) {
			p->lpos = pos;
			break;
		}
		p->line++;
		p->lpos = (size_t)(nl - p->s) + 1;
	}
	return p->line;
}

static struct node *
add_node(struct tpl *t, enum node_type type, unsigned line,
    const char *s, size_t len)
{
	struct node *nd;

	if (t->nnodes == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->nodes = xreallocarray(t->nodes, t->cap, sizeof(*t->nodes));
	}
	nd = &t->nodes[t->nnodes++];
	nd->type = type;
	nd->line = line;
	nd->s = s;
	nd->len = len;
	nd->end = 0;
	nd->partial = NULL;
	return nd;
}

/*
 * Whether the tag s[ts..te) stands alone on its line (only blanks around
 * it). If so, [*ls, *le) is the whole line including its newline, which
 * mustache removes from the output.
 */
static int
standalone(const char *s, size_t n, size_t ts, size_t te,
    size_t *ls, size_t *le)
{
	size_t a = ts, b = te;

	while (a > 0 && (s[a - 1] == ' ' || s[a - 1] == '\t'))
		a--;
	if (a > 0 && s[a - 1] != '\n')
		return 0;
	while (b < n && (s[b] == ' ' || s[b] == '\t'))
		b++;
	if (b + 1 < n && s[b] == '\r' && s[b + 1] == '\n')
		b += 2;
	else if (b < n && s[b] == '\n')
		b++;
	else if (b != n)
		return 0;
	*ls = a;
	*le = b;
	return 1;
}

/*
 * Parse p->s into p->t->nodes. Returns FF_OK or FF_ECONFIG with the
 * message in p->errmsg.
 */
static enum ff_err
parse(struct parser *p)
{
	const char *s = p->s;
	size_t n = p->n, pos = 0, text = 0, ts, cs, ce, te, ls, le;
	unsigned line;
	char kind;
	struct node *op;

	for (;;) {
		if ((ts = find(s, n, pos, "{{", 2)) == NPOS)
			break;
		line = line_at(p, ts);
		if (ts + 2 < n && s[ts + 2] == '{') {
			kind = '{';
			cs = ts + 3;
			if ((ce = find(s, n, cs, "}}}", 3)) == NPOS) {
				perr(p, line, "'{{{' without '}}}'");
				return FF_ECONFIG;
			}
			te = ce + 3;
		} else {
			kind = 0;
			cs = ts + 2;
			if ((ce = find(s, n, cs, "}}", 2)) == NPOS) {
				perr(p, line, "'{{' without '}}'");
				return FF_ECONFIG;
			}
			te = ce + 2;
			while (cs < ce && is_space(s[cs]))
				cs++;
			if (cs < ce && s[cs] != '\0' &&
			    strchr("#^/!>&=", s[cs]) != NULL)
				kind = s[cs++];
		}

		/* The name (or comment), blanks trimmed. */
		while (cs < ce && is_space(s[cs]))
			cs++;
		while (ce > cs && is_space(s[ce - 1]))
			ce--;

		if (kind == '=') {
			perr(p, line, "set-delimiter tags are not supported");
			return FF_ECONFIG;
		}
		if (kind == '>' ? !valid_tname(s + cs, ce - cs) :
		    kind != '!' && !valid_name(s + cs, ce - cs)) {
			perr_name(p, line, "bad name", s + cs, ce - cs);
			return FF_ECONFIG;
		}

		/* The text before the tag, less the tag's line if alone. */
		le = te;
		ls = ts;
		if (kind != 0 && kind != '{' && kind != '&')
			if (!standalone(s, n, ts, te, &ls, &le)) {
				ls = ts;
				le = te;
			}
		if (ls < text)
			ls = text;
		if (ls > text)
			add_node(p->t, N_TEXT, line, s + text, ls - text);
		text = pos = le;

		switch (kind) {
		case '!':
			break;
		case '#':
		case '^':
			if (p->depth == TPL_MAX_DEPTH) {
				perr(p, line, "sections nested deeper than %d",
				    TPL_MAX_DEPTH);
				return FF_ECONFIG;
			}
			p->open[p->depth++] = p->t->nnodes;
			add_node(p->t, kind == '#' ? N_SECTION : N_INVERTED,
			    line, s + cs, ce - cs);
			break;
		case '/':
			if (p->depth == 0) {
				perr_name(p, line, "no open section to close",
				    s + cs, ce - cs);
				return FF_ECONFIG;
			}
			op = &p->t->nodes[p->open[p->depth - 1]];
			if (op->len != ce - cs ||
			    memcmp(op->s, s + cs, op->len) != 0) {
				perr_name(p, line, "close tag", s + cs,
				    ce - cs);
				if (p->errmsg != NULL) {
					buf_puts(p->errmsg, " does not match '");
					put_sanitized(p->errmsg, op->s, op->len);
					buf_printf(p->errmsg, "' opened on line %u",
					    op->line);
				}
				return FF_ECONFIG;
			}
			op->end = p->t->nnodes;
			p->depth--;
			break;
		case '>':
			add_node(p->t, N_PARTIAL, line, s + cs, ce - cs);
			break;
		default:
			add_node(p->t, kind == 0 ? N_VAR : N_RAW, line,
			    s + cs, ce - cs);
			break;
		}
	}
	if (p->depth > 0) {
		op = &p->t->nodes[p->open[p->depth - 1]];
		perr_name(p, op->line, "unclosed section", op->s, op->len);
		return FF_ECONFIG;
	}
	if (n > text)
		add_node(p->t, N_TEXT, line_at(p, text), s + text, n - text);
	return FF_OK;
}

/* Parse and add one template; the set is unchanged on error. */
static enum ff_err
set_add(struct tpl_set *set, const char *name, size_t namelen,
    const char *file, const char *text, size_t len, struct buf *errmsg)
{
	struct parser p;
	struct tpl *t;
	enum ff_err er;

	t = xcalloc(1, sizeof(*t));
	t->name = xstrndup(name, namelen);
	t->file = xstrdup(file);
	t->src = xmalloc(len + 1);
	if (len > 0)
		memcpy(t->src, text, len);
	t->src[len] = '\0';

	memset(&p, 0, sizeof(p));
	p.t = t;
	p.s = t->src;
	p.n = len;
	p.line = 1;
	p.errmsg = errmsg;

	if (set_find(set, name, namelen) != NULL) {
		perr_name(&p, 1, "duplicate template name", name, namelen);
		er = FF_ECONFIG;
		goto fail;
	}
	if (len > TPL_MAX_SIZE) {
		perr(&p, 1, "template larger than %u bytes", TPL_MAX_SIZE);
		er = FF_ECONFIG;
		goto fail;
	}
	if ((er = parse(&p)) != FF_OK)
		goto fail;
	set->tpls = xreallocarray(set->tpls, set->ntpls + 1,
	    sizeof(*set->tpls));
	set->tpls[set->ntpls++] = t;
	return FF_OK;
fail:
	tpl_free(t);
	return er;
}

struct tpl_set *
tpl_set_new(void)
{
	struct tpl_set *set = xcalloc(1, sizeof(*set));

	set->max_out = TPL_DEFAULT_MAX_OUT;
	set->max_steps = TPL_DEFAULT_MAX_STEPS;
	return set;
}

void
tpl_set_free(struct tpl_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->ntpls; i++)
		tpl_free(set->tpls[i]);
	free(set->tpls);
	free(set);
}

void
tpl_set_limits(struct tpl_set *set, size_t max_out, unsigned long max_steps)
{
	set->max_out = max_out;
	set->max_steps = max_steps;
}

int
tpl_set_has(const struct tpl_set *set, const char *name)
{
	return set_find(set, name, strlen(name)) != NULL;
}

enum ff_err
tpl_set_add_mem(struct tpl_set *set, const char *name, const char *text,
    size_t len, struct buf *errmsg)
{
	size_t nlen = strlen(name);

	if (!valid_tname(name, nlen)) {
		if (errmsg != NULL) {
			buf_reset(errmsg);
			buf_puts(errmsg, "bad template name '");
			put_sanitized(errmsg, name, nlen);
			buf_putc(errmsg, '\'');
		}
		return FF_EINPUT;
	}
	return set_add(set, name, nlen, name, text, len, errmsg);
}

enum ff_err
tpl_set_add_string(struct tpl_set *set, const char *name, const char *text,
    struct buf *errmsg)
{
	return tpl_set_add_mem(set, name, text, strlen(text), errmsg);
}

enum ff_err
tpl_set_link(struct tpl_set *set, struct buf *errmsg)
{
	size_t i, j;
	struct tpl *t;
	struct node *nd;

	for (i = 0; i < set->ntpls; i++) {
		t = set->tpls[i];
		for (j = 0; j < t->nnodes; j++) {
			nd = &t->nodes[j];
			if (nd->type != N_PARTIAL)
				continue;
			nd->partial = set_find(set, nd->s, nd->len);
			if (nd->partial != NULL)
				continue;
			if (errmsg != NULL) {
				buf_reset(errmsg);
				buf_printf(errmsg, "%s:%u: unknown partial '",
				    t->file, nd->line);
				put_sanitized(errmsg, nd->s, nd->len);
				buf_putc(errmsg, '\'');
			}
			return FF_ECONFIG;
		}
	}
	return FF_OK;
}

/* ---- Loading a directory ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The extension of a template file name, or NULL if not one of ours. */
static const char *
tpl_ext(const char *fname)
{
	const char *ext = strrchr(fname, '.');

	if (ext == NULL || ext == fname)
		return NULL;
	if (strcmp(ext, ".html") && strcmp(ext, ".svg") && strcmp(ext, ".txt"))
		return NULL;
	return ext;
}

/*
 * Read the regular file at path into text. Returns FF_OK; FF_ENOTFOUND
 * if it is not a regular file (to be skipped); FF_EIO with errno, or
 * FF_ECONFIG if larger than TPL_MAX_SIZE.
 */
static enum ff_err
read_file(const char *path, struct buf *text)
{
	char chunk[8192];
	struct stat st;
	enum ff_err er = FF_OK;
	ssize_t got;
	int fd, saved;

	buf_reset(text);
	/* O_NONBLOCK: a FIFO named *.html must not hang worker start. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return FF_EIO;
	if (fstat(fd, &st) == -1) {
		er = FF_EIO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		er = FF_ENOTFOUND;
		goto out;
	}
	for (;;) {
		got = read(fd, chunk, sizeof(chunk));
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			er = FF_EIO;
			goto out;
		}
		if (got == 0)
			break;
		buf_append(text, chunk, (size_t)got);
		if (text->len > TPL_MAX_SIZE) {
			er = FF_ECONFIG;
			goto out;
		}
	}
out:
	saved = errno;
	close(fd);
	errno = saved;
	return er;
}

struct tpl_set *
tpl_load_dir(const char *dir, enum ff_err *er, struct buf *errmsg)
{
	struct tpl_set *set = tpl_set_new();
	struct buf path, text;
	struct dirent *de;
	char **names = NULL;
	size_t nnames = 0, i;
	const char *ext;
	DIR *d;

	buf_init(&path);
	buf_init(&text);
	*er = FF_OK;
	if ((d = opendir(dir)) == NULL) {
		*er = FF_EIO;
		if (errmsg != NULL) {
			buf_reset(errmsg);
			buf_printf(errmsg, "%s: %s", dir, strerror(errno));
		}
		goto fail;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (de->d_name[0] == '.' || tpl_ext(de->d_name) == NULL)
			continue;
		names = xreallocarray(names, nnames + 1, sizeof(*names));
		names[nnames++] = xstrdup(de->d_name);
	}
	if (errno != 0) {
		*er = FF_EIO;
		if (errmsg != NULL) {
			buf_reset(errmsg);
			buf_printf(errmsg, "%s: %s", dir, strerror(errno));
		}
		goto fail;
	}
	/* Name order, so that the first error reported is reproducible. */
	if (nnames > 1)
		qsort(names, nnames, sizeof(*names), cmp_str);

	for (i = 0; i < nnames; i++) {
		ext = tpl_ext(names[i]);
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, names[i]);
		if (!valid_tname(names[i], (size_t)(ext - names[i]))) {
			*er = FF_ECONFIG;
			if (errmsg != NULL) {
				buf_reset(errmsg);
				buf_printf(errmsg, "%s: a template file name "
				    "is [A-Za-z0-9_.-]+", path.ptr);
			}
			goto fail;
		}
		*er = read_file(path.ptr, &text);
		if (*er == FF_ENOTFOUND) {
			*er = FF_OK;
			continue;
		}
		if (*er != FF_OK) {
			if (errmsg != NULL) {
				buf_reset(errmsg);
				if (*er == FF_EIO)
					buf_printf(errmsg, "%s: %s", path.ptr,
					    strerror(errno));
				else
					buf_printf(errmsg, "%s: larger than "
					    "%u bytes", path.ptr, TPL_MAX_SIZE);
			}
			goto fail;
		}
		*er = set_add(set, names[i], (size_t)(ext - names[i]),
		    path.ptr, text.ptr, text.len, errmsg);
		if (*er != FF_OK)
			goto fail;
	}
	if ((*er = tpl_set_link(set, errmsg)) != FF_OK)
		goto fail;
	goto out;
fail:
	tpl_set_free(set);
	set = NULL;
out:
	if (d != NULL)
		closedir(d);
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	buf_free(&path);
	buf_free(&text);
	return set;
}

/* ---- Rendering ---- */

/* One level of the context stack; lives on the C stack of render_nodes. */
struct frame {
	const struct tpl_val	*v;	/* may be NULL (no data) */
	const struct frame	*up;
};

struct render {
	const struct tpl_set	*set;
	struct buf		*out;
	size_t			 start;	/* out->len on entry */
	unsigned long		 steps;
};

static const struct tpl_val *
obj_get(const struct tpl_val *obj, const char *key, size_t len)
{
	const struct tpl_val *m;

	if (obj == NULL || obj->type != V_OBJ)
		return NULL;
	for (m = obj->u.kids.head; m != NULL; m = m->next)
		if (m->keylen == len && memcmp(m->key, key, len) == 0)
			return m;
	return NULL;
}

/*
 * Resolve a (validated) name against the context stack, as mustache does:
 * the first segment is looked up from the top of the stack down; the
 * others only inside what the first one found.
 */
static const struct tpl_val *
lookup(const struct frame *f, const char *name, size_t len)
{
	const struct tpl_val *v = NULL;
	const char *dot;
	size_t seg;

	if (len == 1 && name[0] == '.')
		return f->v;
	dot = memchr(name, '.', len);
	seg = dot ? (size_t)(dot - name) : len;
	for (; f != NULL; f = f->up)
		if ((v = obj_get(f->v, name, seg)) != NULL)
			break;
	while (v != NULL && seg < len) {
		name += seg + 1;
		len -= seg + 1;
		dot = memchr(name, '.', len);
		seg = dot ? (size_t)(dot - name) : len;
		v = obj_get(v, name, seg);
	}
	return v;
}

static int
truthy(const struct tpl_val *v)
{
	if (v == NULL)
		return 0;
	switch (v->type) {
	case V_NULL:
		return 0;
	case V_BOOL:
		return v->u.b;
	case V_STR:
		return v->u.str.len > 0;
	case V_LIST:
		return v->u.kids.n > 0;
	default:
		return 1;
	}
}

/* HTML-escape for text and quoted or unquoted attribute values. */
static void
put_escaped(struct buf *out, const char *s, size_t n)
{
	size_t i, run = 0;
	const char *ent;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		case '`': ent = "&#96;"; break;
		case '=': ent = "&#61;"; break;
		default: continue;
		}
		buf_append(out, s + run, i - run);
		buf_puts(out, ent);
		run = i + 1;
	}
	buf_append(out, s + run, n - run);
}

static void
put_double(struct buf *out, double v, int prec)
{
	/* 309 integer digits, a sign, a point and 17 decimals fit. */
	char tmp[400];
	int n;

	if (!isfinite(v))
		return;
	n = snprintf(tmp, sizeof(tmp), "%.*f", prec, v);
	if (n <= 0 || (size_t)n >= sizeof(tmp))
		return;
	if (strchr(tmp, '.') != NULL) {
		while (n > 0 && tmp[n - 1] == '0')
			n--;
		if (n > 0 && tmp[n - 1] == '.')
			n--;
	}
	tmp[n] = '\0';
	if (strcmp(tmp, "-0") == 0)
		buf_putc(out, '0');
	else
		buf_append(out, tmp, (size_t)n);
}

static void
put_val(struct buf *out, const struct tpl_val *v, int escape)
{
	if (v == NULL)
		return;
	switch (v->type) {
	case V_STR:
		if (escape)
			put_escaped(out, v->u.str.s, v->u.str.len);
		else
			buf_append(out, v->u.str.s, v->u.str.len);
		break;
	case V_INT:
		buf_printf(out, "%lld", v->u.i);
		break;
	case V_DOUBLE:
		put_double(out, v->u.d.v, v->u.d.prec);
		break;
	case V_BOOL:
		buf_puts(out, v->u.b ? "true" : "false");
		break;
	default:
		break;
	}
}

/* Render nodes [i, end) of t with context f, pdepth partials deep. */
static enum ff_err
render_nodes(struct render *r, const struct tpl *t, size_t i, size_t end,
    const struct frame *f, unsigned pdepth)
{
	const struct node *nd;
	const struct tpl_val *v, *it;
	const struct tpl *p;
	struct frame nf;
	enum ff_err er;

	while (i < end) {
		nd = &t->nodes[i];
		if (++r->steps > r->set->max_steps)
			return FF_ECONFIG;
		switch (nd->type) {
		case N_TEXT:
			buf_append(r->out, nd->s, nd->len);
			i++;
			break;
		case N_VAR:
		case N_RAW:
			put_val(r->out, lookup(f, nd->s, nd->len),
			    nd->type == N_VAR);
			i++;
			break;
		case N_SECTION:
			v = lookup(f, nd->s, nd->len);
			nf.up = f;
			if (!truthy(v)) {
				/* skipped */
			} else if (v->type == V_LIST) {
				for (it = v->u.kids.head; it; it = it->next) {
					if (++r->steps > r->set->max_steps)
						return FF_ECONFIG;
					nf.v = it;
					er = render_nodes(r, t, i + 1, nd->end,
					    &nf, pdepth);
					if (er != FF_OK)
						return er;
				}
			} else {
				nf.v = v;
				er = render_nodes(r, t, i + 1, nd->end, &nf,
				    pdepth);
				if (er != FF_OK)
					return er;
			}
			i = nd->end;
			break;
		case N_INVERTED:
			if (!truthy(lookup(f, nd->s, nd->len))) {
				er = render_nodes(r, t, i + 1, nd->end, f,
				    pdepth);
				if (er != FF_OK)
					return er;
			}
			i = nd->end;
			break;
		case N_PARTIAL:
			p = nd->partial;
			if (p == NULL)
				p = set_find(r->set, nd->s, nd->len);
			if (p == NULL || pdepth >= TPL_MAX_DEPTH)
				return FF_ECONFIG;
			er = render_nodes(r, p, 0, p->nnodes, f, pdepth + 1);
			if (er != FF_OK)
				return er;
			i++;
			break;
		}
		if (r->out->len - r->start > r->set->max_out)
			return FF_ECONFIG;
	}
	return FF_OK;
}

enum ff_err
tpl_render(const struct tpl_set *set, const char *name,
    const struct tpl_val *root, struct buf *out)
{
	const struct tpl *t;
	struct render r;
	struct frame f;
	enum ff_err er;

	/* Ensure out->ptr is a string even if nothing is written. */
	buf_append(out, "", 0);
	if ((t = set_find(set, name, strlen(name))) == NULL)
		return FF_ENOTFOUND;
	r.set = set;
	r.out = out;
	r.start = out->len;
	r.steps = 0;
	f.v = root;
	f.up = NULL;
	if ((er = render_nodes(&r, t, 0, t->nnodes, &f, 0)) != FF_OK) {
		out->len = r.start;
		out->ptr[out->len] = '\0';
	}
	return er;
}

/* ---- Building values ---- */

static void
misuse(const char *fn, const char *why)
{
	fprintf(stderr, "framefit: %s: %s\n", fn, why);
	abort();
}

static void *
ctx_alloc(struct tpl_ctx *c, size_t n)
{
	const size_t al = alignof(max_align_t);
	struct chunk *k;
	void *p;

	if (n > SIZE_MAX - al - sizeof(*k))
		misuse("tpl_ctx", "allocation too large");
	n = (n + al - 1) / al * al;
	if (n >= CHUNK_SIZE / 2) {
		/* Its own chunk, behind the current one so that the
		   current one's free space is not lost. */
		k = xmalloc(sizeof(*k) + n);
		k->used = k->cap = n;
		if (c->chunks == NULL) {
			k->next = NULL;
			c->chunks = k;
		} else {
			k->next = c->chunks->next;
			c->chunks->next = k;
		}
		return k->mem;
	}
	k = c->chunks;
	if (k == NULL || k->cap - k->used < n) {
		k = xmalloc(sizeof(*k) + CHUNK_SIZE);
		k->used = 0;
		k->cap = CHUNK_SIZE;
		k->next = c->chunks;
		c->chunks = k;
	}
	p = (char *)k->mem + k->used;
	k->used += n;
	return p;
}

static const char *
ctx_strndup(struct tpl_ctx *c, const char *s, size_t n)
{
	char *p = ctx_alloc(c, n + 1);

	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static struct tpl_val *
val_new(struct tpl_ctx *c, enum val_type type)
{
	struct tpl_val *v = ctx_alloc(c, sizeof(*v));

	memset(v, 0, sizeof(*v));
	v->type = type;
	v->ctx = c;
	return v;
}

struct tpl_ctx *
tpl_ctx_new(void)
{
	struct tpl_ctx *c = xcalloc(1, sizeof(*c));

	c->root = val_new(c, V_OBJ);
	return c;
}

void
tpl_ctx_free(struct tpl_ctx *c)
{
	struct chunk *k, *next;

	if (c == NULL)
		return;
	for (k = c->chunks; k != NULL; k = next) {
		next = k->next;
		free(k);
	}
	free(c);
}

struct tpl_val *
tpl_ctx_root(struct tpl_ctx *c)
{
	return c->root;
}

/* A new value of type at key in obj, replacing any value already there. */
static struct tpl_val *
obj_put(struct tpl_val *obj, const char *key, enum val_type type,
    const char *fn)
{
	struct tpl_val **pp, *nv;
	size_t klen;

	if (obj == NULL || obj->type != V_OBJ)
		misuse(fn, "not an object");
	if (key == NULL)
		misuse(fn, "NULL key");
	nv = val_new(obj->ctx, type);
	klen = strlen(key);
	for (pp = &obj->u.kids.head; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->keylen != klen || memcmp((*pp)->key, key, klen))
			continue;
		nv->key = (*pp)->key;
		nv->keylen = klen;
		nv->next = (*pp)->next;
		if (obj->u.kids.tail == *pp)
			obj->u.kids.tail = nv;
		*pp = nv;
		return nv;
	}
	nv->key = ctx_strndup(obj->ctx, key, klen);
	nv->keylen = klen;
	*pp = nv;
	obj->u.kids.tail = nv;
	obj->u.kids.n++;
	return nv;
}

static struct tpl_val *
list_put(struct tpl_val *list, enum val_type type, const char *fn)
{
	struct tpl_val *nv;

	if (list == NULL || list->type != V_LIST)
		misuse(fn, "not a list");
	nv = val_new(list->ctx, type);
	if (list->u.kids.tail != NULL)
		list->u.kids.tail->next = nv;
	else
		list->u.kids.head = nv;
	list->u.kids.tail = nv;
	list->u.kids.n++;
	return nv;
}

static void
set_str(struct tpl_val *v, const char *s, size_t len)
{
	v->u.str.s = ctx_strndup(v->ctx, s, len);
	v->u.str.len = len;
}

static int
clamp_prec(int prec)
{
	return prec < 0 ? 0 : prec > 17 ? 17 : prec;
}

void
tpl_obj_set_str(struct tpl_val *obj, const char *key, const char *s)
{
	if (s == NULL)
		obj_put(obj, key, V_NULL, __func__);
	else
		set_str(obj_put(obj, key, V_STR, __func__), s, strlen(s));
}

void
tpl_obj_set_strn(struct tpl_val *obj, const char *key, const char *s,
    size_t len)
{
	if (s == NULL)
		obj_put(obj, key, V_NULL, __func__);
	else
		set_str(obj_put(obj, key, V_STR, __func__), s, len);
}

void
tpl_obj_set_int(struct tpl_val *obj, const char *key, long long i)
{
	obj_put(obj, key, V_INT, __func__)->u.i = i;
}

void
tpl_obj_set_double(struct tpl_val *obj, const char *key, double d, int prec)
{
	struct tpl_val *v = obj_put(obj, key, V_DOUBLE, __func__);

	v->u.d.v = d;
	v->u.d.prec = clamp_prec(prec);
}

void
tpl_obj_set_bool(struct tpl_val *obj, const char *key, int b)
{
	obj_put(obj, key, V_BOOL, __func__)->u.b = b != 0;
}

void
tpl_obj_set_null(struct tpl_val *obj, const char *key)
{
	obj_put(obj, key, V_NULL, __func__);
}

struct tpl_val *
tpl_obj_add_obj(struct tpl_val *obj, const char *key)
{
	return obj_put(obj, key, V_OBJ, __func__);
}

struct tpl_val *
tpl_obj_add_list(struct tpl_val *obj, const char *key)
{
	return obj_put(obj, key, V_LIST, __func__);
}

void
tpl_list_add_str(struct tpl_val *list, const char *s)
{
	if (s == NULL)
		list_put(list, V_NULL, __func__);
	else
		set_str(list_put(list, V_STR, __func__), s, strlen(s));
}

void
tpl_list_add_strn(struct tpl_val *list, const char *s, size_t len)
{
	if (s == NULL)
		list_put(list, V_NULL, __func__);
	else
		set_str(list_put(list, V_STR, __func__), s, len);
}

void
tpl_list_add_int(struct tpl_val *list, long long i)
{
	list_put(list, V_INT, __func__)->u.i = i;
}

void
tpl_list_add_double(struct tpl_val *list, double d, int prec)
{
	struct tpl_val *v = list_put(list, V_DOUBLE, __func__);

	v->u.d.v = d;
	v->u.d.prec = clamp_prec(prec);
}

void
tpl_list_add_bool(struct tpl_val *list, int b)
{
	list_put(list, V_BOOL, __func__)->u.b = b != 0;
}

struct tpl_val *
tpl_list_add_obj(struct tpl_val *list)
{
	return list_put(list, V_OBJ, __func__);
}

struct tpl_val *
tpl_list_add_list(struct tpl_val *list)
{
	return list_put(list, V_LIST, __func__);
}

size_t
tpl_list_len(const struct tpl_val *list)
{
	if (list == NULL || list->type != V_LIST)
		misuse(__func__, "not a list");
	return list->u.kids.n;
}
