/*
 * accept.c: the Accept header (see accept.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/accept.h"

int
accept_q(const char *a, const char *type, const char *sub, int exact_only)
{
	int	 best_spec = -1, best_q = -1;
	size_t	 tl = strlen(type), sl = strlen(sub);

	if (a == NULL)
		return -1;
	while (*a != '\0') {
		const char	*start, *slash, *end, *p;
		size_t		 len;
		int		 spec = -1, q = 1000;

		while (*a == ' ' || *a == '\t' || *a == ',')
			a++;
		start = a;
		while (*a != '\0' && *a != ',')
			a++;
		len = (size_t)(a - start);
		if (len == 0)
			continue;
		end = memchr(start, ';', len);
		if (end == NULL)
			end = start + len;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		slash = memchr(start, '/', (size_t)(end - start));
		if (slash == NULL)
			continue;
		if ((size_t)(slash - start) == tl &&
		    strncasecmp(start, type, tl) == 0) {
			if ((size_t)(end - slash - 1) == sl &&
			    strncasecmp(slash + 1, sub, sl) == 0)
				spec = 2;
			else if (end - slash - 1 == 1 && slash[1] == '*')
				spec = 1;
		} else if (slash - start == 1 && start[0] == '*' &&
		    end - slash - 1 == 1 && slash[1] == '*')
			spec = 0;
		if (spec < 0 || (exact_only && spec < 2))
			continue;
		/* A parameter "q=" (RFC 9110 §12.4.2), 0..1, 3 decimals. */
		for (p = start; p < start + len; p++) {
			if (*p != ';')
				continue;
			p++;
			while (p < start + len && (*p == ' ' || *p == '\t'))
				p++;
			if (start + len - p >= 2 && (p[0] == 'q' || p[0] == 'Q') &&
			    p[1] == '=') {
				char	 num[8];
				size_t	 k = 0;
				double	 d;

				p += 2;
				while (p < start + len && k < sizeof(num) - 1 &&
				    strchr("0123456789.", *p) != NULL)
					num[k++] = *p++;
				num[k] = '\0';
				d = k > 0 ? atof(num) : 0;
				q = d >= 1 ? 1000 : d > 0 ? (int)(d * 1000 + 0.5) : 0;
				break;
			}
		}
		if (spec > best_spec) {
			best_spec = spec;
			best_q = q;
		}
	}
	return best_q;
}
