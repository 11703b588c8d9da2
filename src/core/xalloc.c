#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static void
oom(size_t n)
{
	fprintf(stderr, "framefit: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t nm, size_t sz)
{
	void *p = calloc(nm ? nm : 1, sz ? sz : 1);

	if (p == NULL)
		oom(nm * sz);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		oom(n);
	return p;
}

void *
xreallocarray(void *p, size_t nm, size_t sz)
{
	if (sz && nm > SIZE_MAX / sz)
		oom(SIZE_MAX);
	return xrealloc(p, nm * sz);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
