/*
 * fcgi.c: the FastCGI accept loop (see fcgi.h).
 *
 * libfcgi's contract (fcgiapp.h): pointers from FCGX_GetParam() die at
 * FCGX_Finish_r(); a negative return of FCGX_Accept_r() is -errno.
 */
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
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

/* The request in hand, for the CPU timer's log line (written before the
 * handler runs: the signal handler may only read it). */
static char			cpu_note[200];
static size_t			cpu_note_len;

static void
on_cpu(int sig)
{
	(void)sig;
	/* write(2) and _exit(2) only: the request may be inside malloc. */
	if (write(STDERR_FILENO, cpu_note, cpu_note_len) < 0)
		(void)0;
	_exit(FCGI_EXIT_CPU);
}

/* A CPU-time timer of the process (a worker does its request work in
 * one thread), firing SIGXCPU. Returns 1 when made, in *t. */
static int
cpu_timer_create(double limit_s, timer_t *t)
{
	struct sigevent		 ev;
	struct sigaction	 sa;

	if (limit_s <= 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_cpu;
	sigaction(SIGXCPU, &sa, NULL);
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGXCPU;
	if (timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, t) != 0) {
		req_log(NULL, "no CPU-time limit per request: timer_create: %s",
		    strerror(errno));
		return 0;
	}
	return 1;
}

/* Arm (limit_s > 0) or disarm (0) the timer, relative to the CPU time
 * spent so far: each request gets the whole limit. */
static void
cpu_timer_set(timer_t t, double limit_s)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)limit_s;
	its.it_value.tv_nsec = (long)((limit_s - (double)its.it_value.tv_sec) *
	    1e9);
	if (limit_s > 0 && its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	timer_settime(t, 0, &its, NULL);
}

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
	char		 lo[64];
	const char	*path = o->listen;

	if (FCGX_Init() != 0) {
		req_log(NULL, "FCGX_Init failed");
		return FF_ESYS;
	}
	/* FCGX_OpenSocket() binds ":port" to every interface, and whoever
	 * reaches a FastCGI socket is trusted like the web server (it sets
	 * REMOTE_USER, which opens /admin/: docs/ADMIN.md). A port alone
	 * means loopback; another interface must be named. */
	if (path[0] == ':') {
		if ((size_t)snprintf(lo, sizeof(lo), "127.0.0.1%s", path) >=
		    sizeof(lo)) {
			req_log(NULL, "cannot listen on %s: too long", path);
			return FF_EINPUT;
		}
		path = lo;
	}
	o->sock = FCGX_OpenSocket(path, o->backlog > 0 ? o->backlog : 64);
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
	timer_t		 cpu_timer;
	long		 served = 0;
	int		 rc, fails = 0, cpu_limited;

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
	cpu_limited = cpu_timer_create(lo.cpu_limit_s, &cpu_timer);
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
		if (cpu_limited) {
			rc = snprintf(cpu_note, sizeof(cpu_note), "framefit[%d] "
			    "%s: %.16s %.80s: over its CPU time of %g s "
			    "(FF_REQUEST_CPU_S); ending this worker\n",
			    (int)getpid(), req.id, req.method, req.path,
			    lo.cpu_limit_s);
			cpu_note_len = rc < 0 ? 0 : (size_t)rc >= sizeof(cpu_note) ?
			    sizeof(cpu_note) - 1 : (size_t)rc;
			cpu_timer_set(cpu_timer, lo.cpu_limit_s);
		}
		h->handle(h->arg, &req);
		req_finish(&req);
		if (cpu_limited)
			cpu_timer_set(cpu_timer, 0);
		req_free(&req);
		FCGX_Finish_r(&fr);
		install_signals(0);
		if (lo.max_requests > 0 && ++served >= lo.max_requests)
			break;
	}
	if (cpu_limited)
		timer_delete(cpu_timer);
	FCGX_Free(&fr, 1);
	return FF_OK;
}
