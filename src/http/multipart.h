/*
 * multipart.h: a streaming multipart/form-data parser (RFC 7578, with the
 * body framing and boundary grammar of RFC 2046 §5.1.1).
 *
 * Push design: the FastCGI layer reads the request body in chunks of any
 * size (e.g. 8 KB from FCGX_GetStr) and hands each one to mp_feed(). A
 * boundary, a CRLF or a header line may be split anywhere between two
 * chunks; the result does not depend on where the splits fall.
 *
 *	struct mp_parser *mp;
 *	enum ff_err er;
 *
 *	if ((mp = mp_new(getenv("CONTENT_TYPE"), NULL, &er, &why)) == NULL)
 *		return er;
 *	while ((n = FCGX_GetStr(chunk, sizeof(chunk), in)) > 0)
 *		if ((er = mp_feed(mp, chunk, n)) != FF_OK)
 *			goto fail;
 *	if ((er = mp_finish(mp)) != FF_OK)
 *		goto fail;
 *	photo = mp_get(mp, "photo");
 *	...
 * fail:
 *	log mp_errmsg(mp); mp_free(mp);
 *
 * The parser owns every part and every byte in it; mp_free() releases all
 * of it in one call, and no pointer from the accessors outlives it.
 */
#ifndef FF_HTTP_MULTIPART_H
#define FF_HTTP_MULTIPART_H
#include <stddef.h>

#include "core/err.h"

/*
 * Bounds on what a client may make us hold. A field left 0 takes the
 * default shown; passing NULL for the whole struct takes all defaults.
 */
struct mp_limits {
	size_t	 max_body;	/* bytes of body fed in total (15 MiB) -> FF_ETOOBIG */
	size_t	 max_parts;	/* parts in the form (16) -> FF_EINPUT */
	size_t	 max_line;	/* bytes in one header line, without CRLF (1024) */
	size_t	 max_header;	/* bytes of one part's header block (4096) */
	size_t	 max_name;	/* bytes of a field name (64) */
};

/*
 * One part of the form. Strings are NUL-terminated and owned by the
 * parser. data is contiguous and len bytes long; data[len] is always
 * '\0', so a text field can be read as a C string, but a file may itself
 * contain NUL bytes, so use len for binary content.
 */
struct mp_part {
	const char	*name;		/* the name= parameter, never NULL, not empty */
	const char	*filename;	/* the filename= parameter, NULL if absent
					   ("" when a browser sends no file) */
	const char	*content_type;	/* the part's Content-Type value, NULL if
					   absent (RFC 7578 §4.4: text/plain) */
	const char	*data;		/* the part's body, never NULL */
	size_t		 len;		/* bytes in data */
};

struct mp_parser;

/*
 * Start a parser for a body whose Content-Type header is ct (the whole
 * header value, e.g. "multipart/form-data; boundary=xyz"). lim may be
 * NULL for the defaults; it is copied.
 * Returns NULL and sets *er to FF_EINPUT if ct is NULL, is not
 * multipart/form-data or has no valid boundary (1..70 bchars, not ending
 * in a space, RFC 2046 §5.1.1). If why is not NULL, *why then points to
 * a static human-readable reason. The caller frees the result with
 * mp_free().
 */
struct mp_parser	*mp_new(const char *ct, const struct mp_limits *lim,
			    enum ff_err *er, const char **why);

/*
 * Parse the next len bytes of the body. Returns FF_OK, FF_ETOOBIG when
 * the body exceeds max_body, or FF_EINPUT for a malformed body. Errors
 * are sticky: once one is returned, every later mp_feed() and
 * mp_finish() returns it again.
 */
enum ff_err	 mp_feed(struct mp_parser *, const void *chunk, size_t len);

/*
 * Declare the end of the body. Returns FF_EINPUT if the closing
 * delimiter ("--boundary--") never came, or the earlier error if any.
 */
enum ff_err	 mp_finish(struct mp_parser *);

/*
 * Why the last error happened, in words a person can act on (e.g. "the
 * form is missing its closing boundary"); "" if there was none. Owned by
 * the parser.
 */
const char	*mp_errmsg(const struct mp_parser *);

/* Completed parts so far (all of them after a successful mp_finish()). */
size_t		 mp_count(const struct mp_parser *);

/* The i-th part in body order, or NULL if i >= mp_count(). */
const struct mp_part	*mp_part_at(const struct mp_parser *, size_t i);

/*
 * The first part whose name is exactly name (case-sensitive, as in
 * HTML), or NULL. Later parts with the same name are kept and reachable
 * through mp_part_at().
 */
const struct mp_part	*mp_get(const struct mp_parser *, const char *name);

/* Free the parser and everything it holds. NULL is a no-op. */
void		 mp_free(struct mp_parser *);

#endif
