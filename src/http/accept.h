/*
 * accept.h: the Accept request header (RFC 9110 §12.5.1), the one parser
 * of it: the error writer asks whether a client prefers JSON to HTML
 * (req_wants_json(), request.h), the API whether it prefers PNG to JPEG
 * (api_wants_png(), app/apiparse.h).
 *
 * Pure: no allocation, untrusted bytes in, a number out.
 */
#ifndef FF_HTTP_ACCEPT_H
#define FF_HTTP_ACCEPT_H

/*
 * The q, in thousandths (0..1000), that the Accept value accept gives
 * the media type type/sub: the most specific matching range wins
 * ("type/sub", then "type/ *", then "* / *"); with exact_only only
 * "type/sub" itself counts. Type and subtype compare case-insensitively.
 * A q parameter (RFC 9110 §12.4.2) is read to three decimals and clamped
 * to 0..1; anything that is not a number is 0. -1 when no range matches
 * or accept is NULL.
 */
int	accept_q(const char *accept, const char *type, const char *sub,
	    int exact_only);

#endif
