/*
 * fcgi.h: the FastCGI worker loop, over libfcgi's fcgiapp.h.
 *
 * One process serves one request at a time with one FCGX_Request (the
 * web server runs several processes: lighttpd's max-procs, mod_fcgid's
 * process pool, spawn-fcgi -F). For each request the loop builds a
 * struct http_req (request.h) over the FastCGI streams, calls the
 * handler, completes the response and frees the request before
 * FCGX_Finish_r(), after which libfcgi's parameter pointers are dead.
 *
 * Signals:
 *   SIGTERM, SIGINT  graceful stop: the request in progress completes,
 *                    then fcgi_run() returns (FCGX_ShutdownPending()).
 *                    lighttpd, mod_fcgid and spawn-fcgi users stop
 *                    workers this way.
 *   SIGHUP           the reload hook runs between two requests (e.g. to
 *                    reread templates and the catalog).
 *   SIGPIPE          ignored: a client that went away is an error return
 *                    from a write, not the death of the worker.
 *   SIGXCPU          a request over its CPU time (fcgi_opts.cpu_limit_s):
 *                    the worker logs it and ends (FCGI_EXIT_CPU).
 * The accept is interrupted by these signals (FCGI_FAIL_ACCEPT_ON_INTR),
 * so an idle worker reacts at once.
 */
#ifndef FF_HTTP_FCGI_H
#define FF_HTTP_FCGI_H

#include "core/err.h"
#include "http/prefork.h"

struct http_req;

struct fcgi_opts {
	/*
	 * Where to accept. NULL or "": the listening socket the web server
	 * passed as fd 0 (FastCGI spec §2.2, FCGI_LISTENSOCK_FILENO), as
	 * lighttpd's bin-path, mod_fcgid and spawn-fcgi do. Otherwise a
	 * Unix socket path or ":port" / "host:port" for FCGX_OpenSocket().
	 */
	const char	*listen;
	int		 backlog;	/* for listen; 0 = 64 */
	/* The socket fcgi_listen() opened for listen (0: none yet). */
	int		 sock;
	/* Return after this many requests (0 = never), so a supervisor
	 * can recycle the process. */
	long		 max_requests;
	/*
	 * The CPU time one request may take, seconds (0 = no limit). A
	 * request that takes more ends the worker: it logs the request and
	 * exits with FCGI_EXIT_CPU from the timer's signal. Ending is the
	 * one safe answer: the request may be anywhere, inside libjpeg, libgd
	 * or a database call, and no state it left half-changed can be
	 * trusted; the process holds nothing that must be saved. The web
	 * server sees the connection close without an answer, and its error
	 * handler has another worker answer with framefit's 503 (router.h);
	 * the prefork master (prefork.h) starts a new worker.
	 */
	double		 cpu_limit_s;
};

/* A worker's exit status after a request over its CPU time: the prefork
 * master's deliberate end, restarted at once (prefork.h). */
#define FCGI_EXIT_CPU		PREFORK_EXIT_DELIBERATE

struct fcgi_handler {
	/* Answer one request. Must not keep any pointer into it. */
	void	(*handle)(void *arg, struct http_req *);
	/* Called between requests after a SIGHUP; may be NULL. */
	void	(*reload)(void *arg);
	void	 *arg;
};

/*
 * Serve requests until a graceful stop, max_requests, or a listening
 * socket that keeps failing. Returns FF_OK after a stop, FF_ESYS when the
 * socket could not be opened or accept failed persistently (logged).
 */
enum ff_err	 fcgi_run(const struct fcgi_opts *, const struct fcgi_handler *);

/* Open o->listen into o->sock now, so that processes forked after it
 * all accept on it (prefork.h). FF_ESYS when it cannot (logged). */
enum ff_err	 fcgi_listen(struct fcgi_opts *);

/*
 * Ask fcgi_run() to stop after the current request (async-signal-safe).
 * SIGTERM and SIGINT do the same, and more: a worker waiting for a
 * connection ends at once (_exit(0): it holds nothing that needs saving),
 * and one with a request in hand gets FCGI_STOP_GRACE_S seconds to finish
 * it before SIGALRM ends it.
 */
#define FCGI_STOP_GRACE_S	10
void		 fcgi_stop(void);

/* 1 if fd 0 is a socket a FastCGI server gave us, 0 if we were started
 * from a shell (or as plain CGI). */
int		 fcgi_is_fastcgi(void);

#endif
