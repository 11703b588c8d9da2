/*
 * mem_req.h: an in-memory FastCGI transport for unit tests of request
 * handlers (check_request.c, check_api.c, check_admin.c): the CGI
 * parameters come from a NULL-terminated name/value array, the body from a
 * byte string (handed out at most `step` bytes per read when step is set),
 * and the response goes into a struct buf (or every write fails, with
 * fail_write set). Wire it up with
 *     struct req_io io = { m_param, m_read, m_write, &m };
 * m_body() and m_has_line() read the response back.
 */
#ifndef FF_TESTS_MEM_REQ_H
#define FF_TESTS_MEM_REQ_H
#include <string.h>

#include "core/buf.h"

struct mem {
	const char	*env[32];	/* name, value, ..., NULL */
	const char	*body;		/* NULL when there is none */
	size_t		 body_len, pos;
	size_t		 step;		/* 0: as much as asked for */
	size_t		 reads;		/* calls to m_read */
	struct buf	 out;
	int		 fail_write;
};

static const char *
m_param(void *ctx, const char *name)
{
	struct mem	*m = ctx;
	size_t		 i;

	for (i = 0; m->env[i] != NULL; i += 2)
		if (strcmp(m->env[i], name) == 0)
			return m->env[i + 1];
	return NULL;
}

static long
m_read(void *ctx, void *p, size_t len)
{
	struct mem	*m = ctx;
	size_t		 n = m->body_len - m->pos;

	if (n > len)
		n = len;
	if (m->step > 0 && n > m->step)
		n = m->step;
	if (n > 0)	/* memcpy from a NULL body is undefined even for 0 bytes */
		memcpy(p, m->body + m->pos, n);
	m->pos += n;
	m->reads++;
	return (long)n;
}

static int
m_write(void *ctx, const void *p, size_t len)
{
	struct mem *m = ctx;

	if (m->fail_write)
		return -1;
	buf_append(&m->out, p, len);
	return 0;
}

/* The body of a response (after the blank line), or NULL. */
static inline const char *
m_body(const struct buf *b)
{
	const char *p = b->ptr ? strstr(b->ptr, "\r\n\r\n") : NULL;

	return p ? p + 4 : NULL;
}

/* 1 if the head of a response has the exact line. */
static inline int
m_has_line(const struct buf *b, const char *line)
{
	const char	*end = m_body(b), *p = b->ptr;
	size_t		 len = strlen(line);

	while (p != NULL && p < end) {
		if (strncmp(p, line, len) == 0 && p[len] == '\r')
			return 1;
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return 0;
}

#endif
