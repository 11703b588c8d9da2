/*
 * json.h: a small JSON writer onto a struct buf.
 *
 * Strings are escaped per RFC 8259 §7; bytes that are not valid UTF-8 are
 * replaced by U+FFFD so the output is always valid JSON. Numbers are
 * printed with a fixed number of decimals so output is reproducible.
 */
#ifndef FF_JSON_H
#define FF_JSON_H
#include <stddef.h>
#include "core/buf.h"

void	json_str(struct buf *, const char *);
void	json_strn(struct buf *, const char *, size_t);
/* A number with at most `prec` decimals, trailing zeros trimmed. */
void	json_num(struct buf *, double, int prec);

#endif
