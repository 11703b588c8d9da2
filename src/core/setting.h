/*
 * setting.h: a number from the environment, with a default and bounds;
 * a switch (FF_NEWSLETTER); a list of web origins (FF_EMBED_ORIGINS).
 *
 * The workers read their limits (FF_UPLOAD_RATE, FF_REQUEST_CPU_S, ...)
 * once at start. A value that is not a number within the bounds is
 * reported on stderr, naming the variable and the value used instead,
 * and the default is used: a typo must not turn a limit off.
 */
#ifndef FF_CORE_SETTING_H
#define FF_CORE_SETTING_H
#include <stddef.h>

#include "core/err.h"

/*
 * The value of environment variable name as a decimal number in
 * [lo, hi]; def when it is unset or empty, and (logged) when it is not
 * such a number.
 */
double	 setting_num(const char *name, double def, double lo, double hi);

/*
 * The value of environment variable name as a switch: 1 for "1", "on",
 * "yes" or "true", 0 for "0", "off", "no" or "false" (any case); def
 * when it is unset or empty, and (logged) when it is anything else.
 */
int	 setting_flag(const char *name, int def);

/* The longest origin taken, bytes (RFC 1035 names are at most 253). */
#define SETTING_ORIGIN_MAX	300

/*
 * The origin (RFC 6454 §4) at the start of s: "http" or "https", "://",
 * a host name ([A-Za-z0-9.-], not starting or ending with '.' or '-') or
 * a bracketed IPv6 address, and an optional ":port" (1-65535). It is
 * written to out in the form browsers serialise it (RFC 6454 §6.2):
 * lower case, without the scheme's default port, so it compares equal to
 * window.origin, location.ancestorOrigins and the Origin header.
 * Returns 1 with *rest (may be NULL) pointing after it, 0 when s does not
 * start with one. Userinfo ("user@host") is refused: the '@' ends the
 * host, and no origin is followed by it.
 */
int	 setting_origin(const char *s, char out[SETTING_ORIGIN_MAX + 1],
	    const char **rest);

/*
 * The origins of environment variable name, separated by spaces or tabs
 * (each one whole: no path, not even a trailing '/'), serialised as
 * setting_origin() does and joined by one space into out (len bytes);
 * "" when the variable is unset or blank. FF_ECONFIG, with a line on
 * stderr naming the variable and the entry, for anything else or a list
 * longer than len - 1: a typo must not open framing to a stranger, nor
 * silently close it.
 */
enum ff_err	 setting_origins(const char *name, char *out, size_t len);

#endif
