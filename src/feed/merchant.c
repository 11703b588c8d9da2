/*
 * merchant.c: the Google Merchant Center product feed (see merchant.h).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "feed/merchant.h"

#define GOOGLE_NS	"http://base.google.com/ns/1.0"
#define ATOM_NS		"http://www.w3.org/2005/Atom"
/* More columns than the specification has attributes: refused. */
#define FEED_MAX_COLUMNS	512u

/* ---- Items ---- */

static struct feed_item *
item_new(struct feed *fd, size_t num, size_t line)
{
	struct feed_item *it;

	if (fd->nitems % 64 == 0)
		fd->items = xreallocarray(fd->items, fd->nitems + 64,
		    sizeof(*fd->items));
	it = &fd->items[fd->nitems++];
	memset(it, 0, sizeof(*it));
	it->num = num;
	it->line = line;
	return it;
}

static void
item_fail(struct feed_item *it, const char *fmt, const char *arg, size_t n)
{
	struct buf b;

	if (it->error != NULL)
		return;		/* the first reason is the one to fix */
	buf_init(&b);
	buf_printf(&b, fmt, arg, n);
	it->error = buf_steal(&b, NULL);
}

/* Trim ASCII white space off both ends of [s, s + len). */
static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)**s))
		(*s)++, (*len)--;
	while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

static void
item_add(struct feed_item *it, const char *name, const char *v, size_t len)
{
	struct feed_attr *a;

	trim(&v, &len);
	if (len == 0)
		return;
	if (it->nattrs % 16 == 0)
		it->attrs = xreallocarray(it->attrs, it->nattrs + 16,
		    sizeof(*it->attrs));
	a = &it->attrs[it->nattrs++];
	a->name = xstrdup(name);
	a->value = xstrndup(v, len);
}

/* "General:Frame shape:Round" (or "Frame shape:Round") as a detail. */
static void
item_add_detail(struct feed_item *it, const char *sec, size_t slen,
    const char *name, size_t nlen, const char *val, size_t vlen)
{
	struct buf b;

	trim(&sec, &slen);
	trim(&name, &nlen);
	trim(&val, &vlen);
	if (nlen == 0 || vlen == 0)
		return;
	buf_init(&b);
	buf_append(&b, sec, slen);
	buf_putc(&b, FEED_DETAIL_SEP);
	buf_append(&b, name, nlen);
	buf_putc(&b, FEED_DETAIL_SEP);
	buf_append(&b, val, vlen);
	item_add(it, "product_detail", b.ptr, b.len);
	buf_free(&b);
}

/*
 * A text feed's product_detail column: entries separated by commas; an
 * entry (or its value) may be quoted with "" for a quote, as in the
 * specification's "Display:Diagonal Size:"2.5""".
 */
static void
split_details(struct feed_item *it, const char *s, size_t len)
{
	struct buf	 e;
	const char	*c1, *c2, *v;
	size_t		 i = 0, vlen;
	int		 q = 0;

	buf_init(&e);
	while (i <= len) {
		if (i == len || (s[i] == ',' && !q)) {
			buf_putc(&e, '\0');
			e.len--;
			c1 = memchr(e.ptr, ':', e.len);
			c2 = c1 != NULL ? memchr(c1 + 1, ':', e.len -
			    (size_t)(c1 + 1 - e.ptr)) : NULL;
			if (c2 != NULL) {		/* section:name:value */
				v = c2 + 1;
				vlen = e.len - (size_t)(v - e.ptr);
				item_add_detail(it, e.ptr, (size_t)(c1 - e.ptr),
				    c1 + 1, (size_t)(c2 - c1 - 1), v, vlen);
			} else if (c1 != NULL) {	/* name:value */
				v = c1 + 1;
				vlen = e.len - (size_t)(v - e.ptr);
				item_add_detail(it, "", 0, e.ptr,
				    (size_t)(c1 - e.ptr), v, vlen);
			}
			buf_reset(&e);
			i++;
			continue;
		}
		if (s[i] == '"') {
			if (q && i + 1 < len && s[i + 1] == '"') {
				buf_putc(&e, '"');
				i += 2;
				continue;
			}
			q = !q;
			i++;
			continue;
		}
		buf_putc(&e, s[i++]);
	}
	buf_free(&e);
}

const char *
feed_get(const struct feed_item *it, const char *name)
{
	size_t i;

	for (i = 0; i < it->nattrs; i++)
		if (strcmp(it->attrs[i].name, name) == 0)
			return it->attrs[i].value;
	return NULL;
}

void
feed_free(struct feed *fd)
{
	size_t i, j;

	for (i = 0; i < fd->nitems; i++) {
		for (j = 0; j < fd->items[i].nattrs; j++) {
			free(fd->items[i].attrs[j].name);
			free(fd->items[i].attrs[j].value);
		}
		free(fd->items[i].attrs);
		free(fd->items[i].error);
	}
	free(fd->items);
	memset(fd, 0, sizeof(*fd));
}

/* An attribute name as compared: lower case, no "g:" prefix. */
static void
norm_name(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strncmp(s, "g:", 2) == 0)
		memmove(s, s + 2, strlen(s + 2) + 1);
}

/* ---- Delimited text ---- */

struct text {
	const char	*p, *end;
	size_t		 line;		/* of p, from 1 */
	char		 delim;
};

/* One record's fields, reused from record to record. */
struct record {
	struct buf	*f;
	size_t		 n, cap;
	size_t		 line;		/* where it starts */
	size_t		 toolong;	/* 1 + index of a field over the limit */
	int		 unclosed;	/* a quote ran to the end of the feed */
	size_t		 quoted_line;
};

static struct buf *
rec_field(struct record *r)
{
	if (r->n == r->cap) {
		r->f = xreallocarray(r->f, r->cap + 16, sizeof(*r->f));
		for (size_t i = r->cap; i < r->cap + 16; i++)
			buf_init(&r->f[i]);
		r->cap += 16;
	}
	buf_reset(&r->f[r->n]);
	return &r->f[r->n];
}

static void
rec_putc(struct record *r, struct buf *b, char c)
{
	if (b->len < FEED_FIELD_MAX)
		buf_putc(b, c);
	else if (r->toolong == 0)
		r->toolong = r->n + 1;
}

/*
 * Read one record. 0 at the end of the input. Fields past
 * FEED_MAX_COLUMNS are counted (r->n) but not kept.
 */
static int
read_record(struct text *t, struct record *r)
{
	struct buf	 spill;
	struct buf	*b;
	char		 c;

	r->n = 0;
	r->toolong = 0;
	r->unclosed = 0;
	r->line = t->line;
	if (t->p >= t->end)
		return 0;
	buf_init(&spill);
	for (;;) {
		b = r->n < FEED_MAX_COLUMNS ? rec_field(r) : &spill;
		buf_reset(b);
		if (t->p < t->end && *t->p == '"') {
			/* RFC 4180 section 2, rules 5 to 7. */
			r->quoted_line = t->line;
			t->p++;
			for (;;) {
				if (t->p >= t->end) {
					r->unclosed = 1;
					break;
				}
				c = *t->p++;
				if (c == '"') {
					if (t->p < t->end && *t->p == '"') {
						t->p++;
						rec_putc(r, b, '"');
						continue;
					}
					break;
				}
				if (c == '\n')
					t->line++;
				rec_putc(r, b, c);
			}
		}
		/* Unquoted, or what follows a closing quote (kept). */
		while (t->p < t->end && *t->p != t->delim && *t->p != '\n' &&
		    *t->p != '\r')
			rec_putc(r, b, *t->p++);
		buf_putc(b, '\0');
		b->len--;
		r->n++;
		if (t->p >= t->end)
			break;
		c = *t->p++;
		if (c == t->delim)
			continue;
		if (c == '\r' && t->p < t->end && *t->p == '\n')
			t->p++;
		t->line++;
		break;
	}
	buf_free(&spill);
	return 1;
}

/* Tab if the first line has one, else the commonest of , | ~. */
static char
sniff_delim(const char *p, const char *end)
{
	size_t n[3] = { 0, 0, 0 };
	int q = 0;

	for (; p < end && (q || (*p != '\n' && *p != '\r')); p++) {
		if (*p == '"')
			q = !q;
		else if (q)
			continue;
		else if (*p == '\t')
			return '\t';
		else if (*p == ',')
			n[0]++;
		else if (*p == '|')
			n[1]++;
		else if (*p == '~')
			n[2]++;
	}
	if (n[1] > n[0] && n[1] >= n[2])
		return '|';
	if (n[2] > n[0] && n[2] > n[1])
		return '~';
	return ',';
}

static enum ff_err
parse_text(const char *p, const char *end, struct feed *fd, struct buf *why)
{
	static const char *const need[] = { "id", "title", "link", "price",
	    "brand" };
	struct text	 t = { p, end, 1, 0 };
	struct record	 r = { 0 };
	struct feed_item *it;
	char		**cols = NULL;
	size_t		 ncols = 0, i, k;
	enum ff_err	 er = FF_EINPUT;
	int		 found;

	t.delim = fd->delim = sniff_delim(p, end);
	/* The header: the first record that is not an empty line. */
	do {
		if (!read_record(&t, &r)) {
			buf_puts(why, "The feed is empty.");
			goto out;
		}
	} while (r.n == 1 && r.f[0].len == 0);
	if (r.n > FEED_MAX_COLUMNS || r.toolong || r.unclosed) {
		buf_printf(why, "The first row must name the attributes (id, "
		    "title, link, price, ...); this one is not a header row.");
		goto out;
	}
	ncols = r.n;
	cols = xcalloc(ncols, sizeof(*cols));
	for (i = 0; i < ncols; i++) {
		const char *s = r.f[i].ptr;
		size_t len = r.f[i].len;

		trim(&s, &len);
		cols[i] = xstrndup(s, len);
		norm_name(cols[i]);
	}
	for (k = 0; k < sizeof(need) / sizeof(need[0]); k++) {
		for (i = 0, found = 0; i < ncols && !found; i++)
			found = strcmp(cols[i], need[k]) == 0;
		if (!found) {
			buf_printf(why, "The first row must name the attributes"
			    " (id, title, link, price, brand, ...); there is "
			    "no %s column (the columns are separated by %s).",
			    need[k], fd->delim == '\t' ? "tabs" :
			    fd->delim == ',' ? "commas" : fd->delim == '|' ?
			    "pipes" : "tildes");
			goto out;
		}
	}
	while (read_record(&t, &r)) {
		if (r.n == 1 && r.f[0].len == 0 && !r.unclosed)
			continue;	/* an empty line */
		if (fd->nitems >= FEED_MAX_ITEMS) {
			buf_printf(why, "The feed has more than %u items (line "
			    "%zu is one too many); split it into smaller "
			    "feeds.", FEED_MAX_ITEMS, r.line);
			goto out;
		}
		it = item_new(fd, r.line, r.line);
		if (r.unclosed)
			item_fail(it, "A quoted value that starts on line %s%zu "
			    "is never closed: the rest of the feed is in it.",
			    "", r.quoted_line);
		else if (r.toolong)
			item_fail(it, "The value of %s is longer than %zu "
			    "bytes.", r.toolong - 1 < ncols ?
			    cols[r.toolong - 1] : "a column",
			    (size_t)FEED_FIELD_MAX);
		else if (r.n != ncols) {
			struct buf b;

			buf_init(&b);
			buf_printf(&b, "It has %zu values but the header row "
			    "has %zu columns (a separator too many or a quote "
			    "not closed?).", r.n, ncols);
			it->error = buf_steal(&b, NULL);
		}
		if (it->error != NULL)
			continue;
		for (i = 0; i < ncols; i++) {
			if (strcmp(cols[i], "product_detail") == 0)
				split_details(it, r.f[i].ptr, r.f[i].len);
			else if (cols[i][0] != '\0')
				item_add(it, cols[i], r.f[i].ptr, r.f[i].len);
		}
	}
	er = FF_OK;
out:
	for (i = 0; i < ncols; i++)
		free(cols[i]);
	free(cols);
	for (i = 0; i < r.cap; i++)
		buf_free(&r.f[i]);
	free(r.f);
	return er;
}

/* ---- XML (RSS 2.0, Atom 1.0) ---- */

struct xml_state {
	int		 line;		/* of the first error */
	char		 msg[200];
};

static void
xml_error(void *arg, xmlErrorPtr e)
{
	struct xml_state *s = arg;
	size_t n;

	if (e == NULL || e->level < XML_ERR_ERROR || s->msg[0] != '\0')
		return;
	s->line = e->line;
	snprintf(s->msg, sizeof(s->msg), "%s", e->message ? e->message :
	    "error");
	n = strlen(s->msg);
	while (n > 0 && isspace((unsigned char)s->msg[n - 1]))
		s->msg[--n] = '\0';
}

/* An element name we read inside an item: no namespace, Google's or
 * Atom's (RSS's own title and link have none). */
static int
ns_ok(const xmlChar *ns)
{
	return ns == NULL || strcmp((const char *)ns, GOOGLE_NS) == 0 ||
	    strcmp((const char *)ns, ATOM_NS) == 0;
}

static enum ff_err
parse_xml(const char *p, size_t len, struct feed *fd, struct buf *why)
{
	struct xml_state	 st = { 0, "" };
	xmlTextReaderPtr	 rd;
	struct feed_item	*it = NULL;
	struct buf		 val, det[3];
	char			 name[64];
	int			 rc, type, depth, idepth = -1, vdepth = -1;
	int			 ddepth = -1, dsub = -1, toolong = 0, k;
	enum ff_err		 er = FF_EINPUT;

	xmlInitParser();
	buf_init(&val);
	for (k = 0; k < 3; k++)
		buf_init(&det[k]);
	/* No network, no DTD loading, entities left as references: the
	 * feed is read as it is, at the cost of its size. */
	rd = xmlReaderForMemory(p, (int)len, NULL, NULL, XML_PARSE_NONET |
	    XML_PARSE_NOWARNING);
	if (rd == NULL) {
		buf_puts(why, "The feed could not be read as XML.");
		goto out;
	}
	xmlTextReaderSetStructuredErrorHandler(rd, xml_error, &st);
	while ((rc = xmlTextReaderRead(rd)) == 1) {
		const char *ln = (const char *)xmlTextReaderConstLocalName(rd);
		const xmlChar *ns = xmlTextReaderConstNamespaceUri(rd);
		int empty;

		type = xmlTextReaderNodeType(rd);
		depth = xmlTextReaderDepth(rd);
		if (type == XML_READER_TYPE_ELEMENT) {
			empty = xmlTextReaderIsEmptyElement(rd);
			if (it == NULL) {
				if (ln == NULL || (strcmp(ln, "item") != 0 &&
				    strcmp(ln, "entry") != 0))
					continue;
				if (fd->nitems >= FEED_MAX_ITEMS) {
					buf_printf(why, "The feed has more than "
					    "%u items (line %d is one too many)"
					    "; split it into smaller feeds.",
					    FEED_MAX_ITEMS,
					    xmlTextReaderGetParserLineNumber(rd));
					goto out;
				}
				/* The element's own line: the parser's
				 * position is ahead of the reader's. */
				it = item_new(fd, fd->nitems + 1, (size_t)
				    xmlGetLineNo(xmlTextReaderCurrentNode(rd)));
				idepth = depth;
				if (empty)
					it = NULL;
				continue;
			}
			if (depth == idepth + 1 && ln != NULL && ns_ok(ns) &&
			    strlen(ln) < sizeof(name)) {
				snprintf(name, sizeof(name), "%s", ln);
				norm_name(name);
				if (strcmp(name, "link") == 0 && ns != NULL &&
				    strcmp((const char *)ns, ATOM_NS) == 0) {
					/* Atom: <link rel="alternate"
					 * href="..."/>; rel defaults to it. */
					xmlChar *rel, *href;

					rel = xmlTextReaderGetAttribute(rd,
					    BAD_CAST "rel");
					href = xmlTextReaderGetAttribute(rd,
					    BAD_CAST "href");
					if (href != NULL && (rel == NULL ||
					    strcmp((char *)rel, "alternate") ==
					    0) && strlen((char *)href) <
					    FEED_FIELD_MAX)
						item_add(it, "link", (char *)href,
						    strlen((char *)href));
					xmlFree(rel);
					xmlFree(href);
				} else if (empty) {
					continue;
				} else if (strcmp(name, "product_detail") == 0) {
					ddepth = depth;
					for (k = 0; k < 3; k++)
						buf_reset(&det[k]);
				} else {
					vdepth = depth;
					buf_reset(&val);
				}
				continue;
			}
			if (ddepth >= 0 && depth == ddepth + 1 && ln != NULL &&
			    !empty) {
				dsub = strcmp(ln, "section_name") == 0 ? 0 :
				    strcmp(ln, "attribute_name") == 0 ? 1 :
				    strcmp(ln, "attribute_value") == 0 ? 2 : -1;
				if (dsub >= 0)
					buf_reset(&det[dsub]);
			}
			continue;
		}
		if (type == XML_READER_TYPE_TEXT ||
		    type == XML_READER_TYPE_CDATA ||
		    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) {
			const char *v = (const char *)xmlTextReaderConstValue(rd);
			struct buf *b = NULL;
			size_t vl = v != NULL ? strlen(v) : 0;

			if (it == NULL)
				continue;
			if (vdepth >= 0 && depth == vdepth + 1)
				b = &val;
			else if (ddepth >= 0 && dsub >= 0 &&
			    depth == ddepth + 2)
				b = &det[dsub];
			if (b == NULL)
				continue;
			if (b->len + vl > FEED_FIELD_MAX)
				toolong = 1;
			else
				buf_append(b, v, vl);
			continue;
		}
		if (type != XML_READER_TYPE_END_ELEMENT || it == NULL)
			continue;
		if (depth == vdepth) {
			if (toolong)
				item_fail(it, "The value of %s is longer than "
				    "%zu bytes.", name, (size_t)FEED_FIELD_MAX);
			else
				item_add(it, name, val.ptr ? val.ptr : "",
				    val.len);
			toolong = 0;
			vdepth = -1;
		} else if (ddepth >= 0 && depth == ddepth + 1)
			dsub = -1;
		else if (depth == ddepth) {
			if (toolong)
				item_fail(it, "The value of %s is longer than "
				    "%zu bytes.", "product_detail",
				    (size_t)FEED_FIELD_MAX);
			else
				item_add_detail(it, det[0].ptr ? det[0].ptr :
				    "", det[0].len, det[1].ptr ? det[1].ptr :
				    "", det[1].len, det[2].ptr ? det[2].ptr :
				    "", det[2].len);
			toolong = 0;
			ddepth = -1;
		} else if (depth == idepth) {
			it = NULL;
			idepth = -1;
		}
	}
	if (rc != 0 || st.msg[0] != '\0') {
		buf_printf(why, "The feed is not well-formed XML (line %d: %s); "
		    "nothing was imported.", st.line > 0 ? st.line :
		    xmlTextReaderGetParserLineNumber(rd),
		    st.msg[0] ? st.msg : "it stops early");
		goto out;
	}
	er = FF_OK;
out:
	if (rd != NULL)
		xmlFreeTextReader(rd);
	buf_free(&val);
	for (k = 0; k < 3; k++)
		buf_free(&det[k]);
	return er;
}

enum ff_err
feed_parse(const void *data, size_t len, struct feed *out, struct buf *why)
{
	const char	*p = data, *end = p + len, *q;
	enum ff_err	 er;

	memset(out, 0, sizeof(*out));
	if (len > FEED_MAX_BYTES) {
		buf_printf(why, "The feed is %zu bytes; the most this import "
		    "reads is %u MB.", len, FEED_MAX_BYTES / (1024 * 1024));
		return FF_ETOOBIG;
	}
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;		/* a UTF-8 byte order mark */
	for (q = p; q < end && isspace((unsigned char)*q); q++)
		;
	if (q == end) {
		buf_puts(why, "The feed is empty.");
		return FF_EINPUT;
	}
	if (memchr(p, '\0', (size_t)(end - p)) != NULL) {
		buf_puts(why, "The feed is not text (it holds NUL bytes); "
		    "export it as UTF-8 text or XML.");
		return FF_EINPUT;
	}
	if (*q == '<') {
		out->format = FEED_XML;
		er = parse_xml(q, (size_t)(end - q), out, why);
	} else {
		out->format = FEED_TEXT;
		er = parse_text(p, end, out, why);
	}
	if (er == FF_OK && out->nitems == 0) {
		buf_puts(why, out->format == FEED_XML ? "The feed has no "
		    "<item> or <entry> elements." : "The feed has a header "
		    "row but no items.");
		er = FF_EINPUT;
	}
	if (er != FF_OK)
		feed_free(out);
	return er;
}

/* ---- Values ---- */

/* A decimal number at s: digits with at most one '.'; the count of
 * bytes read, 0 if none. */
static size_t
read_num(const char *s, double *v, int *decimals)
{
	size_t	i = 0;
	int	dot = 0, digits = 0, dec = 0;

	while (s[i] != '\0') {
		if (s[i] >= '0' && s[i] <= '9') {
			digits++;
			dec += dot;
		} else if (s[i] == '.' && !dot)
			dot = 1;
		else
			break;
		i++;
		if (i > 12)
			return 0;	/* no price or size is that long */
	}
	if (digits == 0 || s[i - 1] == '.')
		return 0;
	*v = strtod(s, NULL);
	if (decimals != NULL)
		*decimals = dec;
	return i;
}

int
feed_boxing_size(const char *s, double *lens, double *bridge, double *temple)
{
	double	 v[3];
	size_t	 k;
	int	 n = 0;

	*lens = *bridge = *temple = 0;
	while (*s == ' ')
		s++;
	for (;;) {
		if (n == 3 || (k = read_num(s, &v[n], NULL)) == 0)
			return 0;
		s += k;
		n++;
		while (*s == ' ')
			s++;
		if (strncmp(s, "mm", 2) == 0 && n >= 2) {
			s += 2;
			while (*s == ' ')
				s++;
		}
		if (*s == '\0')
			break;
		/* The separators opticians print: - / x and the square
		 * (U+25A1, "box"); a space alone separates too. */
		if (*s == '-' || *s == '/' || *s == 'x' || *s == 'X')
			s++;
		else if (strncmp(s, "\xE2\x96\xA1", 3) == 0)
			s += 3;
		else if (s[-1] != ' ')
			return 0;
		while (*s == ' ')
			s++;
	}
	if (n < 2)
		return 0;
	*lens = v[0];
	*bridge = v[1];
	*temple = n == 3 ? v[2] : 0;
	return n;
}

static int
is_currency(const char *s)
{
	return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
	    s[2] >= 'A' && s[2] <= 'Z';
}

int
feed_price(const char *s, long long *cents, char cur[4])
{
	double	 v;
	size_t	 k;
	int	 dec;

	while (*s == ' ')
		s++;
	if (is_currency(s) && s[3] == ' ') {
		memcpy(cur, s, 3);
		s += 4;
		while (*s == ' ')
			s++;
		if ((k = read_num(s, &v, &dec)) == 0)
			return 0;
		s += k;
	} else {
		if ((k = read_num(s, &v, &dec)) == 0)
			return 0;
		s += k;
		if (*s++ != ' ')
			return 0;
		while (*s == ' ')
			s++;
		if (!is_currency(s))
			return 0;
		memcpy(cur, s, 3);
		s += 3;
	}
	while (*s == ' ')
		s++;
	if (*s != '\0' || dec > 2)
		return 0;
	cur[3] = '\0';
	*cents = llround(v * 100);
	return 1;
}

/* n digits at *s into *v; 0 if they are not there. */
static int
digits(const char **s, int n, int *v)
{
	int i;

	for (*v = 0, i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return 0;
		*v = *v * 10 + (*s)[i] - '0';
	}
	*s += n;
	return 1;
}

/*
 * One ISO 8601 date and time as the spec writes them, "2024-02-24T11:07",
 * with optional ":ss" and a zone "Z", "+0100" or "+01:00" (none: UTC), or
 * a date alone (its midnight, UTC). The Unix time into *t and the rest of
 * the string into *end; 0 if s does not start with one.
 */
static int
iso_time(const char *s, long long *t, const char **end)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	int	 y, mo, d, h = 0, mi = 0, sec = 0, zh = 0, zm = 0, sign = 0;

	if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) ||
	    *s++ != '-' || !digits(&s, 2, &d) || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] || (mo == 2 && d == 29 && (y % 4 != 0 ||
	    (y % 100 == 0 && y % 400 != 0))))
		return 0;
	if (*s == 'T' || *s == 't') {
		s++;
		if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi) ||
		    h > 23 || mi > 59)
			return 0;
		if (*s == ':') {
			s++;
			if (!digits(&s, 2, &sec) || sec > 59)
				return 0;
		}
		if (*s == 'Z' || *s == 'z')
			s++;
		else if (*s == '+' || *s == '-') {
			sign = *s++ == '-' ? -1 : 1;
			if (!digits(&s, 2, &zh))
				return 0;
			if (*s == ':')
				s++;
			if (!digits(&s, 2, &zm) || zh > 14 || zm > 59)
				return 0;
		}
	}
	*t = ff_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
	    mi * 60 + sec - sign * (zh * 3600 + zm * 60);
	*end = s;
	return 1;
}

int
feed_sale_window(const char *s, long long *from, long long *until)
{
	while (*s == ' ')
		s++;
	if (!iso_time(s, from, &s))
		return 0;
	while (*s == ' ')
		s++;
	if (*s++ != '/')
		return 0;
	while (*s == ' ')
		s++;
	if (!iso_time(s, until, &s))
		return 0;
	while (*s == ' ')
		s++;
	return *s == '\0' && *until > *from && *from > 0;
}

int
feed_availability(const char *s)
{
	char	 low[16];
	size_t	 i;

	if (strlen(s) >= sizeof(low))
		return -1;
	/* The spec's older spelling has spaces: "in stock". */
	for (i = 0; s[i] != '\0'; i++)
		low[i] = s[i] == ' ' ? '_' : (char)tolower((unsigned char)s[i]);
	low[i] = '\0';
	return frame_stock_parse(low);
}

/* ---- One item to a catalog row ---- */

/* Copy s, cut at a UTF-8 character boundary to fit cap; 1 if cut. */
static int
fit(char *dst, size_t cap, const char *s)
{
	size_t len = strlen(s);
	int cut = 0;

	if (len > cap - 1) {
		len = cap - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
		cut = 1;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
	return cut;
}

/* s in lower case, into out (cap bytes). */
static void
lower(char *out, size_t cap, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < cap && s[i] != '\0'; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[i] = '\0';
}

/* The shape words of eyewear, to the catalog's styles; near: a shape
 * the catalog does not have, drawn as the closest it has. */
static const struct {
	const char	*word;
	enum frame_style style;
	int		 near;
} shapes[] = {
	{ "round", FRAME_ROUND, 0 }, { "oval", FRAME_ROUND, 1 },
	{ "panto", FRAME_ROUND, 1 },
	{ "rectangle", FRAME_RECTANGLE, 0 },
	{ "rectangular", FRAME_RECTANGLE, 0 },
	{ "square", FRAME_RECTANGLE, 1 },
	{ "aviator", FRAME_AVIATOR, 0 }, { "pilot", FRAME_AVIATOR, 1 },
	{ "teardrop", FRAME_AVIATOR, 1 },
	{ "cat-eye", FRAME_CATEYE, 0 }, { "cateye", FRAME_CATEYE, 0 },
	{ "cat eye", FRAME_CATEYE, 0 },
	{ "browline", FRAME_BROWLINE, 0 }, { "clubmaster", FRAME_BROWLINE, 1 },
	{ "wayfarer", FRAME_BROWLINE, 1 },
	{ "rimless", FRAME_RIMLESS, 0 },
};

/* The first shape word in s (lower case) as a whole word, or -1; *near
 * (may be NULL) is 1 when the catalog has no such shape and the style
 * is the closest it has. */
static int
shape_in(const char *s, int *near)
{
	size_t i, n;
	const char *p;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		n = strlen(shapes[i].word);
		for (p = strstr(s, shapes[i].word); p != NULL;
		    p = strstr(p + 1, shapes[i].word))
			if ((p == s || !isalpha((unsigned char)p[-1])) &&
			    !isalpha((unsigned char)p[n])) {
				if (near != NULL)
					*near = shapes[i].near;
				return (int)shapes[i].style;
			}
	}
	return -1;
}

/* Common frame colour names (the first word of color, e.g.
 * "Tortoise/Gold"), as the rim's colour. */
static const struct {
	const char	*name;
	uint32_t	 rgb;
} colours[] = {
	{ "black", 0x1A1A1A }, { "tortoise", 0x6B4226 },
	{ "havana", 0x6B4226 }, { "brown", 0x5A3A22 },
	{ "gold", 0xC8A951 }, { "silver", 0xB8BCC0 },
	{ "gunmetal", 0x53565A }, { "grey", 0x808080 },
	{ "gray", 0x808080 }, { "navy", 0x1F2A44 }, { "blue", 0x2A4F8F },
	{ "red", 0x9E1B1B }, { "burgundy", 0x6D1A2A }, { "green", 0x2F5D3A },
	{ "pink", 0xD98FA6 }, { "white", 0xEDEDED }, { "clear", 0xDADDE0 },
	{ "crystal", 0xDADDE0 }, { "transparent", 0xDADDE0 },
	{ "bronze", 0x8C6A3F }, { "copper", 0xB06C49 },
};

static int
colour_of(const char *s, uint32_t *rgb)
{
	char	 w[32];
	size_t	 i, n;

	lower(w, sizeof(w), s);
	n = strcspn(w, "/,;& ");
	w[n] = '\0';
	for (i = 0; i < sizeof(colours) / sizeof(colours[0]); i++)
		if (strcmp(w, colours[i].name) == 0) {
			*rgb = colours[i].rgb;
			return 1;
		}
	return 0;
}

/* "52", "52 mm", "52mm", "5.2 cm": millimetres, rounded to the
 * catalog's 0.1 mm; 0 if it is not a length. */
static int
length_mm(const char *s, double *mm)
{
	double	 v;
	size_t	 k;

	while (*s == ' ')
		s++;
	if ((k = read_num(s, &v, NULL)) == 0)
		return 0;
	s += k;
	while (*s == ' ')
		s++;
	if (strcmp(s, "cm") == 0)
		v *= 10;
	else if (*s != '\0' && strcmp(s, "mm") != 0)
		return 0;
	*mm = round(v * 10) / 10;
	return 1;
}

/* The product_detail names of each size (lower case). */
static const struct {
	const char	*name;
	unsigned	 bit;
} size_names[] = {
	{ "lens width", CATALOG_HAS_LENS_WIDTH },
	{ "lens_width", CATALOG_HAS_LENS_WIDTH },
	{ "eye size", CATALOG_HAS_LENS_WIDTH },
	{ "lens size", CATALOG_HAS_LENS_WIDTH },
	{ "lens height", CATALOG_HAS_LENS_HEIGHT },
	{ "lens_height", CATALOG_HAS_LENS_HEIGHT },
	{ "bridge", CATALOG_HAS_BRIDGE },
	{ "bridge width", CATALOG_HAS_BRIDGE },
	{ "bridge size", CATALOG_HAS_BRIDGE },
	{ "temple", CATALOG_HAS_TEMPLE },
	{ "temple length", CATALOG_HAS_TEMPLE },
	{ "arm length", CATALOG_HAS_TEMPLE },
	{ "frame width", CATALOG_HAS_TOTAL_WIDTH },
	{ "total width", CATALOG_HAS_TOTAL_WIDTH },
	{ "total frame width", CATALOG_HAS_TOTAL_WIDTH },
	{ "front width", CATALOG_HAS_TOTAL_WIDTH },
};

static void
set_size(struct catalog_row *r, unsigned bit, double mm)
{
	switch (bit) {
	case CATALOG_HAS_LENS_WIDTH:
		r->f.lens_width_mm = mm;
		break;
	case CATALOG_HAS_LENS_HEIGHT:
		r->f.lens_height_mm = mm;
		break;
	case CATALOG_HAS_BRIDGE:
		r->f.bridge_mm = mm;
		break;
	case CATALOG_HAS_TOTAL_WIDTH:
		r->f.total_width_mm = mm;
		break;
	default:
		r->temple_mm = mm;
		break;
	}
	r->has |= bit;
}

/* The boxing size "52-18-140" of a size attribute or detail. 1 if s
 * is one (sizes set), 0 if not. */
static int
boxing(struct catalog_row *r, const char *s)
{
	double lens, bridge, temple;
	int n;

	if ((n = feed_boxing_size(s, &lens, &bridge, &temple)) == 0)
		return 0;
	set_size(r, CATALOG_HAS_LENS_WIDTH, round(lens * 10) / 10);
	set_size(r, CATALOG_HAS_BRIDGE, round(bridge * 10) / 10);
	if (n == 3)
		set_size(r, CATALOG_HAS_TEMPLE, round(temple * 10) / 10);
	return 1;
}

/* One product_detail "section\x1fname\x1fvalue". 0 with why for a size
 * whose value is not a length; a note for a shape the catalog does not
 * draw as such. */
static int
detail(struct catalog_row *r, const char *d, struct buf *why,
    struct buf *notes)
{
	const char	*v;
	char		 name[64], val[64];
	size_t		 i, n;
	double		 mm;
	int		 st, near = 0;
	uint32_t	 rgb;

	if ((d = strchr(d, FEED_DETAIL_SEP)) == NULL ||
	    (v = strchr(d + 1, FEED_DETAIL_SEP)) == NULL)
		return 1;
	n = (size_t)(v - d - 1);
	if (n >= sizeof(name))
		return 1;
	memcpy(name, d + 1, n);
	name[n] = '\0';
	lower(name, sizeof(name), name);
	v++;
	for (i = 0; i < sizeof(size_names) / sizeof(size_names[0]); i++)
		if (strcmp(name, size_names[i].name) == 0) {
			if (!length_mm(v, &mm)) {
				buf_printf(why, "The %s '%.40s' is not a length "
				    "such as '52 mm'.", name, v);
				return 0;
			}
			set_size(r, size_names[i].bit, mm);
			return 1;
		}
	if (strcmp(name, "size") == 0 || strcmp(name, "frame size") == 0 ||
	    strcmp(name, "boxing size") == 0) {
		(void)boxing(r, v);
		return 1;
	}
	lower(val, sizeof(val), v);
	if (strcmp(name, "shape") == 0 || strcmp(name, "frame shape") == 0 ||
	    strcmp(name, "style") == 0) {
		/* Staff see each approximation: the shop draws the frame in
		 * the style named here. */
		if ((st = shape_in(val, &near)) < 0)
			buf_printf(notes, "%sThe shape '%.40s' is not one the "
			    "catalog draws (round, rectangle, aviator, cat-eye, "
			    "browline, rimless): the style was not taken from "
			    "it.", notes->len ? " " : "", v);
		else {
			r->f.style = (enum frame_style)st;
			r->has |= CATALOG_HAS_STYLE;
			if (near)
				buf_printf(notes, "%sThe catalog has no '%.40s' "
				    "shape: the frame is drawn as %s, the nearest "
				    "it has.", notes->len ? " " : "", v,
				    frame_style_name(st));
		}
	} else if ((strcmp(name, "colour") == 0 || strcmp(name, "color") == 0
	    || strcmp(name, "frame colour") == 0 ||
	    strcmp(name, "frame color") == 0) && colour_of(v, &rgb)) {
		r->f.rim_rgb = rgb;
		r->has |= CATALOG_HAS_COLOUR;
	} else if (strcmp(name, "material") == 0 ||
	    strcmp(name, "frame material") == 0)
		r->f.rim_mm = strstr(val, "metal") || strstr(val, "titan") ||
		    strstr(val, "steel") ? 1.2 : r->f.rim_mm;
	return 1;
}

int
feed_item_row(const struct feed_item *it, struct catalog_row *r,
    struct buf *why, struct buf *notes)
{
	const char	*s;
	char		 low[256];
	size_t		 i;
	int		 st;
	uint32_t	 rgb;
	long long	 cents;

	memset(r, 0, sizeof(*r));
	/* A new frame's look until staff say otherwise: the admin form's
	 * defaults, a clear lens. */
	r->f.style = FRAME_RECTANGLE;
	r->f.rim_rgb = 0x1A1A1A;
	r->f.rim_mm = 4;
	r->f.tint_rgb = 0xFFFFFF;
	r->f.active = 1;
	if (it->error != NULL) {
		buf_puts(why, it->error);
		return 0;
	}
	if ((s = feed_get(it, "id")) == NULL) {
		buf_puts(why, "It has no id.");
		return 0;
	}
	if (strlen(s) >= sizeof(r->f.sku)) {
		buf_printf(why, "The id '%.40s...' is longer than the %zu "
		    "characters of a SKU.", s, sizeof(r->f.sku) - 1);
		return 0;
	}
	snprintf(r->f.sku, sizeof(r->f.sku), "%s", s);
	if ((s = feed_get(it, "title")) == NULL) {
		buf_puts(why, "It has no title.");
		return 0;
	}
	if (fit(r->f.name, sizeof(r->f.name), s))
		buf_printf(notes, "The title was shortened to the catalog's %zu "
		    "bytes.", sizeof(r->f.name) - 1);
	if ((s = feed_get(it, "brand")) == NULL) {
		buf_puts(why, "It has no brand; the catalog shows one on every "
		    "frame.");
		return 0;
	}
	if (fit(r->f.brand, sizeof(r->f.brand), s))
		buf_printf(notes, "%sThe brand was shortened to the catalog's "
		    "%zu bytes.", notes->len ? " " : "", sizeof(r->f.brand) - 1);
	if ((s = feed_get(it, "link")) == NULL) {
		buf_puts(why, "It has no link to the product's page.");
		return 0;
	}
	if (strlen(s) >= sizeof(r->f.product_url)) {
		buf_printf(why, "The link is longer than %zu characters.",
		    sizeof(r->f.product_url) - 1);
		return 0;
	}
	snprintf(r->f.product_url, sizeof(r->f.product_url), "%s", s);
	if ((s = feed_get(it, "image_link")) != NULL) {
		if (strlen(s) >= sizeof(r->image_url)) {
			buf_printf(why, "The image_link is longer than %zu "
			    "characters.", sizeof(r->image_url) - 1);
			return 0;
		}
		snprintf(r->image_url, sizeof(r->image_url), "%s", s);
	}
	if ((s = feed_get(it, "price")) == NULL) {
		buf_puts(why, "It has no price.");
		return 0;
	}
	if (!feed_price(s, &cents, r->f.currency) || cents > 100000000) {
		buf_printf(why, "The price '%.40s' is not an amount and a "
		    "currency such as '129.00 EUR' (at most 1000000.00).", s);
		return 0;
	}
	r->f.price_cents = (int)cents;
	if ((s = feed_get(it, "sale_price")) != NULL) {
		char cur[4];

		if (!feed_price(s, &cents, cur) || cents > 100000000) {
			buf_printf(why, "The sale_price '%.40s' is not an amount "
			    "and a currency such as '99.00 EUR'.", s);
			return 0;
		}
		if (strcmp(cur, r->f.currency) != 0) {
			buf_printf(why, "The sale_price is in %s, the price in "
			    "%s: both must be in the same currency.", cur,
			    r->f.currency);
			return 0;
		}
		r->f.sale_cents = (int)cents;
		if ((s = feed_get(it, "sale_price_effective_date")) != NULL &&
		    !feed_sale_window(s, &r->f.sale_from, &r->f.sale_until)) {
			buf_printf(why, "The sale_price_effective_date '%.60s' "
			    "is not a start and an end such as "
			    "'2025-02-24T00:00+0100/2025-03-01T23:59+0100'.", s);
			return 0;
		}
	}
	if ((s = feed_get(it, "availability")) != NULL) {
		if ((st = feed_availability(s)) < 0) {
			buf_printf(why, "The availability '%.40s' is not one of "
			    "in_stock, out_of_stock, preorder, backorder.", s);
			return 0;
		}
		r->f.stock = (enum frame_stock)st;
	}
	/* Sizes: the boxing size in size, then the named details, which
	 * win where both give one. */
	if ((s = feed_get(it, "size")) != NULL)
		(void)boxing(r, s);
	for (i = 0; i < it->nattrs; i++)
		if (strcmp(it->attrs[i].name, "product_detail") == 0 &&
		    !detail(r, it->attrs[i].value, why, notes))
			return 0;
	if (!(r->has & CATALOG_HAS_COLOUR) && (s = feed_get(it, "color")) !=
	    NULL && colour_of(s, &rgb)) {
		r->f.rim_rgb = rgb;
		r->has |= CATALOG_HAS_COLOUR;
	}
	if ((s = feed_get(it, "material")) != NULL) {
		lower(low, sizeof(low), s);
		if (strstr(low, "metal") || strstr(low, "titan") ||
		    strstr(low, "steel"))
			r->f.rim_mm = 1.2;
	}
	if (!(r->has & CATALOG_HAS_STYLE)) {
		/* A guess from the words of the title or the shop's own
		 * category; not a CATALOG_HAS_STYLE, so it names a new
		 * frame's style but never changes a stored one. */
		lower(low, sizeof(low), feed_get(it, "title"));
		if ((st = shape_in(low, NULL)) < 0 && (s = feed_get(it,
		    "product_type")) != NULL) {
			lower(low, sizeof(low), s);
			st = shape_in(low, NULL);
		}
		if (st >= 0)
			r->f.style = (enum frame_style)st;
	}
	if (r->f.style == FRAME_RIMLESS)
		r->f.rim_mm = 1.5;	/* rimless: the bridge's thickness */
	/* Sunglasses get a tinted lens. */
	for (i = 0; i < 3; i++) {
		static const char *const cat[] = { "google_product_category",
		    "product_type", "title" };

		if ((s = feed_get(it, cat[i])) == NULL)
			continue;
		lower(low, sizeof(low), s);
		if (strstr(low, "sunglass") != NULL) {
			r->f.tint_rgb = 0x3C3C3C;
			r->f.tint_opacity = 0.75;
			break;
		}
	}
	return 1;
}
