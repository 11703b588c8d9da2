/*
 * multipart.c: streaming multipart/form-data parser, RFC 7578 over the
 * framing of RFC 2046 §5.1.1.
 *
 * Framing (RFC 2046 §5.1.1):
 *	body      := [preamble CRLF] dash-boundary padding CRLF part
 *		     *(CRLF "--" boundary padding CRLF part)
 *		     CRLF "--" boundary "--" [epilogue]
 *	padding   := *(SP / HTAB)		; "transport-padding"
 *	part      := headers CRLF data
 * The CRLF before each "--boundary" belongs to the delimiter, not to the
 * data before it. We scan for the delimiter CRLF "--" boundary and start
 * as if a CRLF had already been seen, so a body that opens with
 * "--boundary" needs no special case.
 *
 * Streaming: all state lives in struct mp_parser, so a chunk may end on
 * any byte. The only bytes held back between chunks are a partial match
 * of the delimiter, and those are always a prefix of the delimiter
 * itself, so we never need to remember them: on a mismatch we emit
 * delim[0..k) as data. Because the delimiter starts with CR and a
 * boundary cannot contain CR, no proper suffix of a partial match can
 * start another match, so restarting at the mismatching byte is exact
 * (no KMP table needed).
 *
 * "\r\n--boundary" followed by anything other than "--", padding or CRLF
 * is not a delimiter line (RFC 2046 requires one of those) and is kept
 * as data; padding followed by anything but CRLF is an error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "http/multipart.h"

#define MP_BOUNDARY_MAX	70	/* RFC 2046 §5.1.1 */

enum mp_state {
	ST_PREAMBLE,	/* before the first delimiter; bytes are dropped */
	ST_DATA,	/* in a part's data */
	ST_AFTER,	/* matched CRLF "--" boundary; what follows? */
	ST_DASH,	/* ... then one "-" */
	ST_PAD,		/* ... then transport padding */
	ST_CR,		/* ... then the CR of the line's CRLF */
	ST_HEADERS,	/* in a part's header block */
	ST_EPILOGUE,	/* after the close delimiter; bytes are dropped */
	ST_ERROR	/* p->er and p->msg say why; sticky */
};

struct mp_parser {
	struct mp_limits lim;
	char		 delim[4 + MP_BOUNDARY_MAX + 1]; /* CRLF "--" boundary */
	size_t		 dlen;		/* bytes in delim */
	enum mp_state	 st;
	enum mp_state	 body;		/* ST_PREAMBLE or ST_DATA: where bytes
					   before the next delimiter go */
	size_t		 k;		/* delimiter bytes matched so far */
	size_t		 total;		/* body bytes fed, <= lim.max_body */
	struct mp_part	*parts;		/* completed parts; we own all strings */
	size_t		 nparts;
	size_t		 partcap;
	/* The part being read: headers are parsed, data still arriving. */
	char		*name;
	char		*filename;
	char		*ctype;
	struct buf	 data;
	/* The header block of the part being read, CRLFs included. */
	struct buf	 hdr;
	size_t		 linelen;	/* bytes in the current header line,
					   without CR/LF */
	enum ff_err	 er;
	char		 msg[160];
};

static const struct mp_limits mp_defaults = {
	.max_body = 15 * 1024 * 1024,
	.max_parts = 16,
	.max_line = 1024,
	.max_header = 4096,
	.max_name = 64,
};

/* RFC 2045 §5.1 token: any CHAR except SPACE, CTLs and tspecials. */
static int
is_token(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* RFC 2046 §5.1.1 bcharsnospace. */
static int
is_bchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("'()+_,-./:=?", c) != NULL;
}

static const char *
skip_ows(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/*
 * Read one ";" name "=" value parameter of a Content-Type or
 * Content-Disposition value (RFC 2045 §5.1, RFC 2183 §2), where value is
 * a token or a quoted-string with quoted-pairs (RFC 5322 §3.2.4).
 * *sp points after the previous item. Fills name and value (decoded).
 * Returns 1 for a parameter, 0 at the end, -1 on a syntax error.
 * A trailing ";" is tolerated.
 */
static int
param_next(const char **sp, struct buf *name, struct buf *value)
{
	const char *s = skip_ows(*sp);
	size_t n;

	/* Appending nothing makes both "" even if never allocated. */
	buf_reset(name);
	buf_append(name, "", 0);
	buf_reset(value);
	buf_append(value, "", 0);
	if (*s == '\0')
		return 0;
	if (*s != ';')
		return -1;
	s = skip_ows(s + 1);
	if (*s == '\0') {
		*sp = s;
		return 0;
	}
	for (n = 0; is_token((unsigned char)s[n]); n++)
		continue;
	if (n == 0)
		return -1;
	buf_append(name, s, n);
	s = skip_ows(s + n);
	if (*s != '=')
		return -1;
	s = skip_ows(s + 1);
	if (*s == '"') {
		for (s++; *s != '"'; s++) {
			if (*s == '\0')
				return -1;	/* unterminated */
			if (*s == '\\' && *++s == '\0')
				return -1;
			buf_putc(value, *s);
		}
		s++;
	} else {
		for (n = 0; is_token((unsigned char)s[n]); n++)
			continue;
		if (n == 0)
			return -1;
		buf_append(value, s, n);
		s += n;
	}
	*sp = s;
	return 1;
}

static void
fail(struct mp_parser *p, enum ff_err er, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fail(struct mp_parser *p, enum ff_err er, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
	p->er = er;
	p->st = ST_ERROR;
}

/*
 * Parse the Content-Type header: "multipart/form-data" then parameters,
 * of which boundary is required (RFC 7578 §4.1). Returns a static reason
 * on failure, NULL on success with the boundary in *bnd.
 */
static const char *
parse_ctype(const char *ct, struct buf *bnd)
{
	struct buf pname, pval;
	const char *s, *why = NULL;
	size_t n, i;
	int rc, seen = 0;

	buf_init(&pname);
	buf_init(&pval);
	if (ct == NULL) {
		why = "the request has no Content-Type header";
		goto out;
	}
	s = skip_ows(ct);
	for (n = 0; is_token((unsigned char)s[n]) || s[n] == '/'; n++)
		continue;
	if (n != strlen("multipart/form-data") ||
	    strncasecmp(s, "multipart/form-data", n) != 0) {
		why = "the request is not multipart/form-data";
		goto out;
	}
	s += n;
	while ((rc = param_next(&s, &pname, &pval)) == 1) {
		if (strcasecmp(pname.ptr, "boundary") != 0)
			continue;
		if (seen++) {
			why = "the Content-Type header names two boundaries";
			goto out;
		}
		buf_reset(bnd);
		buf_append(bnd, pval.ptr, pval.len);
	}
	if (rc < 0) {
		why = "the Content-Type header is malformed";
		goto out;
	}
	if (!seen) {
		why = "the Content-Type header has no boundary";
		goto out;
	}
	/* RFC 2046 §5.1.1: 0*69<bchars> bcharsnospace, bchars adds SP. */
	if (bnd->len == 0 || bnd->len > MP_BOUNDARY_MAX ||
	    bnd->ptr[bnd->len - 1] == ' ') {
		why = "the form boundary must be 1 to 70 characters and not "
		    "end in a space";
		goto out;
	}
	for (i = 0; i < bnd->len; i++)
		if (bnd->ptr[i] != ' ' && !is_bchar((unsigned char)bnd->ptr[i])) {
			why = "the form boundary contains a character RFC 2046 "
			    "does not allow";
			goto out;
		}
out:
	buf_free(&pname);
	buf_free(&pval);
	return why;
}

struct mp_parser *
mp_new(const char *ct, const struct mp_limits *lim, enum ff_err *er,
    const char **why)
{
	struct mp_parser *p = NULL;
	struct buf bnd;
	const char *reason;

	buf_init(&bnd);
	if ((reason = parse_ctype(ct, &bnd)) != NULL) {
		*er = FF_EINPUT;
		if (why != NULL)
			*why = reason;
		goto out;
	}
	p = xcalloc(1, sizeof(*p));
	p->lim = mp_defaults;
	if (lim != NULL) {
		if (lim->max_body)
			p->lim.max_body = lim->max_body;
		if (lim->max_parts)
			p->lim.max_parts = lim->max_parts;
		if (lim->max_line)
			p->lim.max_line = lim->max_line;
		if (lim->max_header)
			p->lim.max_header = lim->max_header;
		if (lim->max_name)
			p->lim.max_name = lim->max_name;
	}
	memcpy(p->delim, "\r\n--", 4);
	memcpy(p->delim + 4, bnd.ptr, bnd.len);
	p->dlen = 4 + bnd.len;
	p->st = p->body = ST_PREAMBLE;
	p->k = 2;		/* as if the body began with CRLF */
	buf_init(&p->data);
	buf_init(&p->hdr);
	*er = FF_OK;
	if (why != NULL)
		*why = "";
out:
	buf_free(&bnd);
	return p;
}

/* Bytes before a delimiter: part data, or preamble to drop. */
static void
emit(struct mp_parser *p, const void *s, size_t n)
{
	if (p->body == ST_DATA)
		buf_append(&p->data, s, n);
}

/* The delimiter after a part's data came: the part is complete. */
static void
end_part(struct mp_parser *p)
{
	struct mp_part *pt;
	size_t len;

	if (p->nparts == p->partcap) {
		p->partcap = p->partcap ? 2 * p->partcap : 4;
		p->parts = xreallocarray(p->parts, p->partcap,
		    sizeof(*p->parts));
	}
	pt = &p->parts[p->nparts++];
	pt->name = p->name;
	pt->filename = p->filename;
	pt->content_type = p->ctype;
	buf_append(&p->data, "", 0);	/* NUL-terminated even if empty */
	pt->data = buf_steal(&p->data, &len);
	pt->len = len;
	p->name = p->filename = p->ctype = NULL;
}

/* The part being read, 1-based, for messages. */
static size_t
partno(const struct mp_parser *p)
{
	return p->nparts + 1;
}

/*
 * Content-Disposition: form-data; name="field"[; filename="x.jpg"]
 * (RFC 7578 §4.2). filename* and unknown parameters are ignored.
 * Returns 0, or -1 after fail().
 */
static int
parse_disposition(struct mp_parser *p, const char *v)
{
	struct buf pname, pval;
	const char *s;
	size_t n;
	int rc, ret = -1;

	buf_init(&pname);
	buf_init(&pval);
	s = skip_ows(v);
	for (n = 0; is_token((unsigned char)s[n]); n++)
		continue;
	if (n != strlen("form-data") || strncasecmp(s, "form-data", n) != 0) {
		fail(p, FF_EINPUT, "part %zu of the form is not form-data "
		    "(its Content-Disposition must start with form-data)",
		    partno(p));
		goto out;
	}
	s += n;
	while ((rc = param_next(&s, &pname, &pval)) == 1) {
		if (strcasecmp(pname.ptr, "name") == 0) {
			if (p->name != NULL) {
				fail(p, FF_EINPUT, "part %zu of the form has "
				    "two names", partno(p));
				goto out;
			}
			if (pval.len == 0) {
				fail(p, FF_EINPUT, "part %zu of the form has "
				    "an empty name", partno(p));
				goto out;
			}
			if (pval.len > p->lim.max_name) {
				fail(p, FF_EINPUT, "part %zu of the form has a "
				    "name longer than %zu bytes", partno(p),
				    p->lim.max_name);
				goto out;
			}
			p->name = xstrndup(pval.ptr, pval.len);
		} else if (strcasecmp(pname.ptr, "filename") == 0) {
			if (p->filename != NULL) {
				fail(p, FF_EINPUT, "part %zu of the form has "
				    "two file names", partno(p));
				goto out;
			}
			p->filename = xstrndup(pval.ptr, pval.len);
		}
	}
	if (rc < 0) {
		fail(p, FF_EINPUT, "part %zu of the form has a malformed "
		    "Content-Disposition header", partno(p));
		goto out;
	}
	if (p->name == NULL) {
		fail(p, FF_EINPUT, "part %zu of the form has no field name "
		    "(name=\"...\" in its Content-Disposition)", partno(p));
		goto out;
	}
	ret = 0;
out:
	buf_free(&pname);
	buf_free(&pval);
	return ret;
}

/* One unfolded header. Returns 0, or -1 after fail(). */
static int
one_header(struct mp_parser *p, const char *name, const char *value)
{
	if (strcasecmp(name, "Content-Disposition") == 0) {
		if (p->name != NULL) {
			fail(p, FF_EINPUT, "part %zu of the form has two "
			    "Content-Disposition headers", partno(p));
			return -1;
		}
		return parse_disposition(p, value);
	}
	if (strcasecmp(name, "Content-Type") == 0) {
		if (p->ctype != NULL) {
			fail(p, FF_EINPUT, "part %zu of the form has two "
			    "Content-Type headers", partno(p));
			return -1;
		}
		p->ctype = xstrdup(value);
	}
	/* Others, e.g. Content-Transfer-Encoding (RFC 7578 §4.7), ignored. */
	return 0;
}

/*
 * The header block of a part is complete (hdr holds its lines, each
 * ending in CRLF, the last one empty; no NUL, no bare CR or LF: checked
 * while reading). Lines starting with SP or HTAB continue the previous
 * header (obsolete folding, RFC 5322 §2.2.3). Returns 0, or -1 after
 * fail().
 */
static int
end_headers(struct mp_parser *p)
{
	struct buf name, value;
	char *line, *eol, *colon;
	const char *v;
	size_t n, vlen;
	int ret = -1;

	buf_init(&name);
	buf_init(&value);
	for (line = p->hdr.ptr; ; line = eol + 2) {
		eol = strstr(line, "\r\n");
		*eol = '\0';
		if (*line == ' ' || *line == '\t') {
			if (name.len == 0) {
				fail(p, FF_EINPUT, "part %zu of the form has a "
				    "header line starting with a space",
				    partno(p));
				goto out;
			}
			v = skip_ows(line);
			vlen = strlen(v);
			while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen) {
				buf_putc(&value, ' ');
				buf_append(&value, v, vlen);
			}
			continue;
		}
		if (name.len > 0 && one_header(p, name.ptr, value.ptr) < 0)
			goto out;
		buf_reset(&name);
		buf_reset(&value);
		if (*line == '\0')
			break;
		if (strncmp(line, p->delim + 2, p->dlen - 2) == 0) {
			fail(p, FF_EINPUT, "part %zu of the form is empty: "
			    "a boundary line follows another", partno(p));
			goto out;
		}
		if ((colon = strchr(line, ':')) == NULL) {
			fail(p, FF_EINPUT, "part %zu of the form has a header "
			    "line without a colon", partno(p));
			goto out;
		}
		for (n = 0; line + n < colon; n++)
			if (!is_token((unsigned char)line[n]))
				break;
		if (n == 0 || line + n != colon) {
			fail(p, FF_EINPUT, "part %zu of the form has a header "
			    "with a malformed name", partno(p));
			goto out;
		}
		buf_append(&name, line, n);
		v = skip_ows(colon + 1);
		vlen = strlen(v);
		while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		buf_append(&value, v, vlen);
	}
	if (p->name == NULL) {
		fail(p, FF_EINPUT, "part %zu of the form has no "
		    "Content-Disposition header", partno(p));
		goto out;
	}
	ret = 0;
out:
	buf_free(&name);
	buf_free(&value);
	buf_reset(&p->hdr);
	return ret;
}

/* One byte of a part's header block (RFC 7578 §4.8, RFC 5322 syntax). */
static void
header_byte(struct mp_parser *p, unsigned char c)
{
	int prevcr = p->hdr.len > 0 && p->hdr.ptr[p->hdr.len - 1] == '\r';

	if (c == '\0') {
		fail(p, FF_EINPUT, "part %zu of the form has a NUL byte in "
		    "its headers", partno(p));
		return;
	}
	if ((prevcr && c != '\n') || (!prevcr && c == '\n')) {
		fail(p, FF_EINPUT, "part %zu of the form has a header line "
		    "that does not end in CRLF", partno(p));
		return;
	}
	if (p->hdr.len >= p->lim.max_header) {
		fail(p, FF_EINPUT, "the headers of part %zu of the form are "
		    "longer than %zu bytes", partno(p), p->lim.max_header);
		return;
	}
	buf_putc(&p->hdr, (char)c);
	if (c == '\n') {
		if (p->linelen == 0) {
			if (end_headers(p) == 0) {
				p->st = p->body = ST_DATA;
				p->k = 0;
			}
			return;
		}
		p->linelen = 0;
	} else if (c != '\r' && ++p->linelen > p->lim.max_line) {
		fail(p, FF_EINPUT, "part %zu of the form has a header line "
		    "longer than %zu bytes", partno(p), p->lim.max_line);
	}
}

/* A full delimiter line came: close the current part, open the next. */
static void
next_part(struct mp_parser *p)
{
	if (p->body == ST_DATA)
		end_part(p);
	if (p->nparts >= p->lim.max_parts) {
		fail(p, FF_EINPUT, "the form has more than %zu fields",
		    p->lim.max_parts);
		return;
	}
	p->st = ST_HEADERS;
	p->body = ST_PREAMBLE;	/* until the headers are complete */
	p->linelen = 0;
	buf_reset(&p->hdr);
}

/*
 * Bytes before a delimiter (preamble or part data). Returns where it
 * stopped: the end, or just after a complete delimiter match.
 */
static const unsigned char *
scan(struct mp_parser *p, const unsigned char *s, const unsigned char *end)
{
	const unsigned char *cr;

	while (s < end) {
		if (p->k == 0) {
			if ((cr = memchr(s, '\r', (size_t)(end - s))) == NULL) {
				emit(p, s, (size_t)(end - s));
				return end;
			}
			emit(p, s, (size_t)(cr - s));
			s = cr + 1;
			p->k = 1;
			continue;
		}
		if (*s == (unsigned char)p->delim[p->k]) {
			s++;
			if (++p->k == p->dlen) {
				p->st = ST_AFTER;
				return s;
			}
			continue;
		}
		/* Mismatch: what matched was data; retry *s from scratch. */
		emit(p, p->delim, p->k);
		p->k = 0;
	}
	return s;
}

/* Not a delimiter after all: give back what we took and rescan. */
static void
not_delim(struct mp_parser *p, const char *extra)
{
	emit(p, p->delim, p->dlen);
	emit(p, extra, strlen(extra));
	p->st = p->body;
	p->k = 0;
}

enum ff_err
mp_feed(struct mp_parser *p, const void *chunk, size_t len)
{
	const unsigned char *s = chunk, *end = s + len;
	unsigned char c;

	if (p->st == ST_ERROR)
		return p->er;
	if (len == 0)
		return FF_OK;
	if (len > p->lim.max_body - p->total) {
		fail(p, FF_ETOOBIG, "the form is larger than the limit of "
		    "%zu bytes", p->lim.max_body);
		return p->er;
	}
	p->total += len;
	while (s < end) {
		switch (p->st) {
		case ST_PREAMBLE:
		case ST_DATA:
			s = scan(p, s, end);
			continue;
		case ST_EPILOGUE:
			s = end;	/* RFC 2046: ignored */
			continue;
		case ST_ERROR:
			return p->er;
		default:
			break;
		}
		c = *s;
		switch (p->st) {
		case ST_AFTER:
			if (c == '-')
				p->st = ST_DASH;
			else if (c == ' ' || c == '\t')
				p->st = ST_PAD;
			else if (c == '\r')
				p->st = ST_CR;
			else {
				not_delim(p, "");
				continue;	/* c again, as data */
			}
			break;
		case ST_DASH:
			if (c != '-') {
				not_delim(p, "-");
				continue;
			}
			/* The close delimiter. */
			if (p->body == ST_DATA)
				end_part(p);
			p->st = ST_EPILOGUE;
			break;
		case ST_PAD:
			if (c == '\r')
				p->st = ST_CR;
			else if (c != ' ' && c != '\t')
				fail(p, FF_EINPUT, "a boundary line of the form "
				    "has extra characters after the boundary");
			break;
		case ST_CR:
			if (c == '\n')
				next_part(p);
			else
				fail(p, FF_EINPUT, "a boundary line of the form "
				    "does not end in CRLF");
			break;
		case ST_HEADERS:
			header_byte(p, c);
			break;
		default:
			abort();	/* handled above */
		}
		s++;
	}
	return p->st == ST_ERROR ? p->er : FF_OK;
}

enum ff_err
mp_finish(struct mp_parser *p)
{
	switch (p->st) {
	case ST_ERROR:
		return p->er;
	case ST_EPILOGUE:
		return FF_OK;
	case ST_HEADERS:
		fail(p, FF_EINPUT, "the form ends inside the headers of "
		    "part %zu", partno(p));
		break;
	default:
		if (p->total == 0)
			fail(p, FF_EINPUT, "the form is empty");
		else if (p->st == ST_PREAMBLE)
			fail(p, FF_EINPUT, "the form does not contain the "
			    "boundary given in its Content-Type header");
		else
			fail(p, FF_EINPUT, "the form is missing its closing "
			    "boundary (it may have been cut off)");
		break;
	}
	return p->er;
}

const char *
mp_errmsg(const struct mp_parser *p)
{
	return p->msg;
}

size_t
mp_count(const struct mp_parser *p)
{
	return p->nparts;
}

const struct mp_part *
mp_part_at(const struct mp_parser *p, size_t i)
{
	return i < p->nparts ? &p->parts[i] : NULL;
}

const struct mp_part *
mp_get(const struct mp_parser *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nparts; i++)
		if (strcmp(p->parts[i].name, name) == 0)
			return &p->parts[i];
	return NULL;
}

void
mp_free(struct mp_parser *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nparts; i++) {
		free((void *)p->parts[i].name);
		free((void *)p->parts[i].filename);
		free((void *)p->parts[i].content_type);
		free((void *)p->parts[i].data);
	}
	free(p->parts);
	free(p->name);
	free(p->filename);
	free(p->ctype);
	buf_free(&p->data);
	buf_free(&p->hdr);
	free(p);
}
