/*
 * check_fcgi.c: the FastCGI loop (src/http/fcgi.c) over a real Unix
 * socket, with this file as the web server: it speaks the records of the
 * FastCGI specification 1.0 (§3.3 record header, §3.4 name-value pairs,
 * §5.1 FCGI_BEGIN_REQUEST, §5.2 FCGI_PARAMS and FCGI_STDIN, §5.3
 * FCGI_STDOUT and FCGI_END_REQUEST) to a forked worker running
 * fcgi_run() on the listening socket it was given (fcgi_opts.sock, as a
 * prefork master hands it over).
 *
 * The worker's handler answers "<method> <path> <body> reloads=<n>", so
 * each exchange checks the parameters and the body arriving, the
 * response leaving as FCGI_STDOUT and the request ending with
 * FCGI_REQUEST_COMPLETE; SIGHUP between two requests runs the reload
 * hook once; a handler that sends nothing still gets req_finish()'s 500;
 * max_requests ends the loop with FF_OK (exit status 0).
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "http/fcgi.h"
#include "http/request.h"

/* Record types and the role of the FastCGI specification (§8). */
#define FCGI_BEGIN_REQUEST	1
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_RESPONDER		1
#define FCGI_REQUEST_COMPLETE	0

static int	 reloads;

static void
on_reload(void *arg)
{
	(void)arg;
	reloads++;
}

static void
on_request(void *arg, struct http_req *r)
{
	struct buf	 b;
	char		 chunk[256];
	long		 n;

	(void)arg;
	/* The path /silent: a handler that answers nothing. */
	if (strcmp(r->path, "/silent") == 0)
		return;
	buf_init(&b);
	buf_printf(&b, "%s %s ", r->method, r->path);
	while ((n = r->io->read(r->io->ctx, chunk, sizeof(chunk))) > 0)
		buf_append(&b, chunk, (size_t)n);
	buf_printf(&b, " reloads=%d", reloads);
	req_send(r, 200, "text/plain", b.ptr, b.len);
	buf_free(&b);
}

/* One record: header (§3.3) and content, no padding. */
static void
record(struct buf *out, int type, int id, const void *p, size_t len)
{
	unsigned char h[8] = { 1, (unsigned char)type, (unsigned char)(id >> 8),
	    (unsigned char)id, (unsigned char)(len >> 8), (unsigned char)len,
	    0, 0 };

	buf_append(out, h, sizeof(h));
	buf_append(out, p, len);
}

/* A name-value pair (§3.4), both lengths under 128 here. */
static void
pair(struct buf *b, const char *name, const char *value)
{
	unsigned char l[2] = { (unsigned char)strlen(name),
	    (unsigned char)strlen(value) };

	buf_append(b, l, 2);
	buf_puts(b, name);
	buf_puts(b, value);
}

static void
read_full(int fd, void *p, size_t len)
{
	char	*c = p;
	ssize_t	 n;

	while (len > 0) {
		n = read(fd, c, len);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_msg(n > 0, "the worker closed the connection early");
		c += n;
		len -= (size_t)n;
	}
}

/*
 * Send one request (request id 1) to the socket at path and return what
 * came back on FCGI_STDOUT in out; *app_status and *proto get the
 * FCGI_END_REQUEST body's fields.
 */
static void
exchange(const char *path, const char *method, const char *uri,
    const char *body, struct buf *out, unsigned *app_status, int *proto)
{
	static const unsigned char begin[8] = { 0, FCGI_RESPONDER, 0 };
	struct sockaddr_un	 sa;
	struct buf		 req, params;
	unsigned char		 h[8], c[65536 + 256];
	size_t			 len;
	int			 fd, done = 0;
	char			 clen[24];

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ck_assert_int_ge(fd = socket(AF_UNIX, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);

	buf_init(&req);
	buf_init(&params);
	snprintf(clen, sizeof(clen), "%zu", strlen(body));
	pair(&params, "REQUEST_METHOD", method);
	pair(&params, "REQUEST_URI", uri);
	pair(&params, "CONTENT_LENGTH", clen);
	pair(&params, "CONTENT_TYPE", "text/plain");
	record(&req, FCGI_BEGIN_REQUEST, 1, begin, sizeof(begin));
	record(&req, FCGI_PARAMS, 1, params.ptr, params.len);
	record(&req, FCGI_PARAMS, 1, "", 0);
	if (*body != '\0')
		record(&req, FCGI_STDIN, 1, body, strlen(body));
	record(&req, FCGI_STDIN, 1, "", 0);
	ck_assert_int_eq(write(fd, req.ptr, req.len), (ssize_t)req.len);
	buf_free(&req);
	buf_free(&params);

	buf_reset(out);
	while (!done) {
		read_full(fd, h, sizeof(h));
		ck_assert_int_eq(h[0], 1);
		ck_assert_int_eq(h[2] << 8 | h[3], 1);
		len = (size_t)(h[4] << 8 | h[5]) + h[6];
		read_full(fd, c, len);
		len -= h[6];
		if (h[1] == FCGI_STDOUT)
			buf_append(out, c, len);
		else if (h[1] == FCGI_END_REQUEST) {
			ck_assert_uint_eq(len, 8);
			*app_status = (unsigned)c[0] << 24 | c[1] << 16 |
			    c[2] << 8 | c[3];
			*proto = c[4];
			done = 1;
		} else
			ck_abort_msg("unexpected record type %d", h[1]);
	}
	close(fd);
	buf_append(out, "", 0);
}

/* The body after the head. */
static const char *
body_of(const struct buf *b)
{
	const char *p = strstr(b->ptr, "\r\n\r\n");

	ck_assert_ptr_nonnull(p);
	return p + 4;
}

START_TEST(test_loop)
{
	struct fcgi_handler	 h = { on_request, on_reload, NULL };
	struct sockaddr_un	 sa;
	struct buf		 out;
	char			 dir[] = "/tmp/check_fcgi.XXXXXX", path[64];
	unsigned		 app_status;
	pid_t			 pid;
	int			 fd, proto, st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock", dir);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ck_assert_int_ge(fd = socket(AF_UNIX, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);

	if ((pid = fork()) == 0) {
		struct fcgi_opts o = { .sock = fd, .max_requests = 3 };

		_exit(fcgi_run(&o, &h) == FF_OK ? 0 : 1);
	}
	ck_assert_int_gt(pid, 0);
	close(fd);
	buf_init(&out);

	/* Parameters and body in, the response out, request complete. */
	exchange(path, "POST", "/echo?x=1", "hello", &out, &app_status, &proto);
	ck_assert_int_eq(proto, FCGI_REQUEST_COMPLETE);
	ck_assert_uint_eq(app_status, 0);
	ck_assert_msg(strncmp(out.ptr, "Status: 200 OK\r\n", 16) == 0, "%s",
	    out.ptr);
	ck_assert_ptr_nonnull(strstr(out.ptr, "\r\nContent-Type: text/plain\r\n"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "\r\nContent-Length: 26\r\n"));
	ck_assert_str_eq(body_of(&out), "POST /echo hello reloads=0");

	/* SIGHUP while the worker waits: the reload hook runs once before
	 * the next request. Let it reach its accept() first. */
	usleep(300 * 1000);
	ck_assert_int_eq(kill(pid, SIGHUP), 0);
	usleep(100 * 1000);
	exchange(path, "GET", "/again", "", &out, &app_status, &proto);
	ck_assert_int_eq(proto, FCGI_REQUEST_COMPLETE);
	ck_assert_str_eq(body_of(&out), "GET /again  reloads=1");

	/* A handler that sends nothing: the transport's bare 500. */
	exchange(path, "GET", "/silent", "", &out, &app_status, &proto);
	ck_assert_int_eq(proto, FCGI_REQUEST_COMPLETE);
	ck_assert_msg(strncmp(out.ptr, "Status: 500 Internal Server Error\r\n",
	    35) == 0, "%s", out.ptr);
	ck_assert_str_eq(body_of(&out), "500 Internal Server Error\n");

	/* max_requests: the loop ends by itself, with FF_OK. */
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	buf_free(&out);
	unlink(path);
	rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("fcgi");
	TCase	*tc = tcase_create("loop");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_loop);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
