#include "core/err.h"

/* One table: order follows enum ff_err, checked by tests/check_err.c. */
static const struct {
	const char	*code;
	const char	*text;
	int		 status;
} errtab[FF_ERR__MAX] = {
	[FF_OK]		= { "ok", "success", 200 },
	[FF_ENOMEM]	= { "internal", "out of memory", 500 },
	[FF_ESYS]	= { "internal", "system error", 500 },
	[FF_EIO]	= { "internal", "file input/output error", 500 },
	[FF_EINPUT]	= { "bad_request", "the request is malformed", 400 },
	[FF_EAUTH]	= { "unauthorized", "a valid API key is required", 401 },
	[FF_EFORBIDDEN]	= { "forbidden", "this action is not allowed", 403 },
	[FF_ENOTFOUND]	= { "not_found", "no such resource", 404 },
	[FF_EMETHOD]	= { "method_not_allowed", "method not allowed here", 405 },
	[FF_ETOOBIG]	= { "too_large", "the upload is larger than 15 MB", 413 },
	[FF_EMEDIATYPE]	= { "unsupported_media_type", "only JPEG, PNG, WebP and GIF images are accepted", 415 },
	[FF_EIMAGE]	= { "image_corrupt", "the image is damaged or truncated", 422 },
	[FF_EPIXELS]	= { "image_too_large", "the image has more than 50 megapixels", 422 },
	[FF_ENOFACE]	= { "no_face", "no face was found in the photo", 422 },
	[FF_ERATE]	= { "rate_limited", "too many requests; slow down", 429 },
	[FF_EDB]	= { "unavailable", "the database is unavailable; try again shortly", 503 },
	[FF_EMODEL]	= { "unavailable", "the face model is unavailable", 503 },
	[FF_EUNAVAIL]	= { "unavailable", "the service is temporarily unavailable", 503 },
	[FF_ECONFIG]	= { "internal", "configuration error", 500 },
	[FF_ECOST]	= { "image_too_costly", "the image would take too long to read: it has too many pixels for its format, or too many progressive scans", 422 },
};

const char *
ff_strerror(enum ff_err er)
{
	if ((unsigned)er >= FF_ERR__MAX)
		return "unknown error";
	return errtab[er].text;
}

const char *
ff_errcode(enum ff_err er)
{
	if ((unsigned)er >= FF_ERR__MAX)
		return "internal";
	return errtab[er].code;
}

int
ff_http_status(enum ff_err er)
{
	if ((unsigned)er >= FF_ERR__MAX)
		return 500;
	return errtab[er].status;
}
