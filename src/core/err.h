/*
 * err.h: the one error type of framefit (kcgi's enum kcgi_err, in spirit).
 *
 * Every fallible call returns enum ff_err and callers pass it up with
 *     if ((er = f()) != FF_OK) return er;
 * The mapping to an HTTP status lives in ff_http_status() and nowhere else:
 * bad input is the client's error (4xx), a lost database is ours (503).
 */
#ifndef FF_ERR_H
#define FF_ERR_H

enum ff_err {
	FF_OK = 0,
	FF_ENOMEM,	/* allocation failed (only where we chose not to abort) */
	FF_ESYS,	/* a system call failed; errno says why (500) */
	FF_EIO,		/* a file could not be read or written (500) */
	FF_EINPUT,	/* malformed request or argument (400) */
	FF_EAUTH,	/* missing or bad credentials (401) */
	FF_EFORBIDDEN,	/* authenticated but not allowed, or bad CSRF token (403) */
	FF_ENOTFOUND,	/* no such token, SKU or route (404) */
	FF_EMETHOD,	/* method not allowed on this route (405) */
	FF_ETOOBIG,	/* request body over the limit (413) */
	FF_EMEDIATYPE,	/* not an image type we take (415) */
	FF_EIMAGE,	/* the image is corrupt or truncated (422) */
	FF_EPIXELS,	/* the image declares too many pixels (422) */
	FF_ENOFACE,	/* no face found in the photo (422) */
	FF_ERATE,	/* rate limit hit (429) */
	FF_EDB,		/* the database is unreachable or failed (503) */
	FF_EMODEL,	/* the model could not be loaded or run (503) */
	FF_EUNAVAIL,	/* some other dependency is down, e.g. disk full (503) */
	FF_ECONFIG,	/* bad configuration or model files (500 at run time) */
	FF_ECOST,	/* the image would cost too much to decode (422) */
	FF_ERR__MAX
};

/* A short, static, human-readable description; never NULL. */
const char	*ff_strerror(enum ff_err);

/* A stable machine-readable code for JSON errors, e.g. "image_corrupt". */
const char	*ff_errcode(enum ff_err);

/* The HTTP status an error is answered with. FF_OK maps to 200. */
int		 ff_http_status(enum ff_err);

#endif
