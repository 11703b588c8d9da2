/*
 * fcgi.c: the FastCGI accept loop (see fcgi.h).
 *
 * libfcgi's contract (fcgiapp.h): pointers from FCGX_GetParam() die at
 * FCGX_Finish_r(); a negative return of FCGX_Accept_r() is -errno.
 */
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "http/fcgi.h"
#include "http/request.h"

/* Accept failures in a row before the worker gives up. Under
 * descriptor exhaustion (EMFILE) it waits a second each time, as
 * OpenBSD's slowcgi does, so this is ~30 s of trouble. */
#define ACCEPT_FAILS_MAX	30

static volatile sig_atomic_t	stopping;
static volatile sig_atomic_t	reloading;
/* Set around FCGX_Accept_r(). A stop signal that lands after the loop's
 * last look at `stopping` but before accept() blocks would otherwise
 * leave the worker waiting for a connection forever (orphaned on a dead
 * web server's socket); with nothing in hand it can simply end. */
static volatile sig_atomic_t	in_accept;

void
fcgi_stop(void)
{
	stopping = 1;
	/* Makes libfcgi's accept loop give up instead of retrying. */
	FCGX_ShutdownPending();
}

static void
on_stop(int sig)
{
	int saved = errno;

	(void)sig;
	if (in_accept)
		_exit(0);
	fcgi_stop();
	/* Finish the request in hand, but not forever: a request stuck on a
	 * dead peer or a database that does not answer must not keep a
	 * stopping worker alive (SIGALRM's default action ends it). */
	alarm(FCGI_STOP_GRACE_S);
	errno = saved;
}

static void
on_hup(int sig)
{
	(void)sig;
	reloading = 1;
}

/*
 * While waiting in accept() the handlers run without SA_RESTART, so a
 * signal interrupts the wait at once. While a request is served they run
 * with SA_RESTART: a signal then only sets its flag, and the reads and
 * writes of the request in hand go on undisturbed (libfcgi does not
 * retry a read that fails with EINTR).
 */
static void
install_signals(int restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = restart ? SA_RESTART : 0;
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int
fcgi_is_fastcgi(void)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	/* What FCGX_IsCGI() decides, without its side effects: fd 0 is a
	 * listening socket exactly when getpeername fails with ENOTCONN. */
	return getpeername(0, (struct sockaddr *)&ss, &len) != 0 &&
	    errno == ENOTCONN;
}

/* ---- struct req_io over one FCGX_Request ---- */

static const char *
io_param(void *ctx, const char *name)
{
	FCGX_Request *fr = ctx;

	return FCGX_GetParam(name, fr->envp);
}

static long
io_read(void *ctx, void *p, size_t len)
{
	FCGX_Request	*fr = ctx;
	int		 n;

	if (len > 1u << 30)
		len = 1u << 30;
	n = FCGX_GetStr(p, (int)len, fr->in);
	if (n < 0 || (n == 0 && FCGX_GetError(fr->in) != 0))
		return -1;
	return n;
}

static int
io_write(void *ctx, const void *p, size_t len)
{
	FCGX_Request	*fr = ctx;
	const char	*c = p;
	int		 n, part;

	while (len > 0) {
		part = len > 1u << 30 ? 1 << 30 : (int)len;
		if ((n = FCGX_PutStr(c, part, fr->out)) != part)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

enum ff_err
fcgi_listen(struct fcgi_opts *o)
{
	if (FCGX_Init() != 0) {
		req_log(NULL, "FCGX_Init failed");
		return FF_ESYS;
	}
	o->sock = FCGX_OpenSocket(o->listen, o->backlog > 0 ? o->backlog : 64);
	if (o->sock < 0) {
		req_log(NULL, "cannot listen on %s: %s", o->listen,
		    strerror(errno));
		o->sock = 0;
		return FF_ESYS;
	}
	return FF_OK;
}

enum ff_err
fcgi_run(const struct fcgi_opts *o, const struct fcgi_handler *h)
{
	FCGX_Request	 fr;
	struct req_io	 io = { io_param, io_read, io_write, &fr };
	struct http_req	 req;
	struct fcgi_opts lo = { 0 };
	long		 served = 0;
	int		 rc, fails = 0;

	if (o != NULL)
		lo = *o;
	/* A socket the caller opened (a prefork master) or --listen's now;
	 * fcgi_listen() also initialises libfcgi. */
	if (lo.sock == 0 && lo.listen != NULL && lo.listen[0] != '\0') {
		if (fcgi_listen(&lo) != FF_OK)
			return FF_ESYS;
	} else if (FCGX_Init() != 0) {
		req_log(NULL, "FCGX_Init failed");
		return FF_ESYS;
	}
	/* After FCGX_Init, which installs libfcgi's own SIGPIPE handler. */
	install_signals(0);
	if (FCGX_InitRequest(&fr, lo.sock, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		req_log(NULL, "FCGX_InitRequest failed");
		return FF_ESYS;
	}
	while (!stopping) {
		if (reloading) {
			reloading = 0;
			if (h->reload != NULL)
				h->reload(h->arg);
		}
		in_accept = 1;
		rc = stopping ? -EINTR : FCGX_Accept_r(&fr);
		in_accept = 0;
		install_signals(1);
		if (rc < 0) {
			install_signals(0);
			if (stopping)
				break;
			if (rc == -EINTR)
				continue;
			if (++fails > ACCEPT_FAILS_MAX) {
				req_log(NULL, "accept keeps failing (%s); "
				    "giving up", strerror(-rc));
				FCGX_Free(&fr, 1);
				return FF_ESYS;
			}
			req_log(NULL, "accept: %s; retrying in 1 s",
			    rc > -10000 ? strerror(-rc) : "libfcgi error");
			sleep(1);
			continue;
		}
		fails = 0;
		req_init(&req, &io);
		h->handle(h->arg, &req);
		req_finish(&req);
		req_free(&req);
		FCGX_Finish_r(&fr);
		install_signals(0);
		if (lo.max_requests > 0 && ++served >= lo.max_requests)
			break;
	}
	FCGX_Free(&fr, 1);
	return FF_OK;
}
