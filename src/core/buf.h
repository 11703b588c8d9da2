/*
 * buf.h: a growable byte buffer, always NUL-terminated.
 *
 * The struct owns ptr; buf_free() releases it. Appends cannot fail
 * (see xalloc.h).
 */
#ifndef FF_BUF_H
#define FF_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*ptr;
	size_t	 len;
	size_t	 cap;
};

void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_append(struct buf *, const void *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_putc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...)
		__attribute__((format(printf, 2, 3)));
void	 buf_vprintf(struct buf *, const char *, va_list);
/* Hand the bytes to the caller (who frees them with free()); buf is reset. */
char	*buf_steal(struct buf *, size_t *len);

#endif
