/*
 * xalloc.h: allocation that cannot fail (lighttpd's ck_malloc).
 *
 * Running out of memory is fatal: these abort with a message, so callers
 * never check for NULL. Memory a request allocates is bounded by the
 * upload limits, so an abort here means the host is in real trouble.
 */
#ifndef FF_XALLOC_H
#define FF_XALLOC_H
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

#endif
