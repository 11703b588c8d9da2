/*
 * prefork.h: one master process keeping N workers on one listening socket.
 *
 * Why: lighttpd's bin-path gives each process it spawns a socket of its
 * own. When such a process dies, its socket dies with it, and lighttpd
 * loses the requests queued on it; worse, its server.error-handler may
 * send the failed request's error page to that same dying socket, so the
 * shopper gets lighttpd's bare 500 instead of framefit's 503 page. With
 * one socket shared by all workers, as php-fpm and spawn-fcgi -F do, the
 * socket lives as long as the master: a killed worker loses only the
 * request in its hands, and that request's error page is served by a
 * living worker. The master also restarts workers at once, which the
 * web server would do only on its next request.
 *
 * The master does no request work and holds no database connection or
 * network: each worker sets itself up after the fork (prefork_opts.work),
 * so nothing is shared by accident.
 *
 * Signals to the master:
 *   SIGTERM, SIGINT  forwarded; the master waits for every worker (each
 *                    finishes the request in hand) and returns. A worker
 *                    still running PREFORK_STOP_S seconds later, or at a
 *                    second stop signal, is killed (SIGKILL).
 *   SIGHUP           forwarded (the workers' reload hook).
 * Each worker asks the kernel for SIGTERM when the master dies, so no
 * worker is left on a socket nobody supervises. The master does not ask
 * it of its own parent: spawn-fcgi, which starts it for Apache's
 * mod_proxy_fcgi, exits at once by design.
 */
#ifndef FF_HTTP_PREFORK_H
#define FF_HTTP_PREFORK_H

#include <sys/types.h>

#include "core/err.h"

/* A worker that ends within this many seconds of its start without
 * being asked to counts as failing to start. */
#define PREFORK_QUICK_S		2
/* Failing starts in a row after which the master gives up: a worker that
 * cannot start (no database, no model) is the web server's to report,
 * not a loop of the master's. */
#define PREFORK_QUICK_MAX	5
/* A worker that ends itself on purpose with this status (fcgi.h's
 * FCGI_EXIT_CPU: a request over its ceiling) is restarted at once and
 * never counts as a failing start: otherwise a few costly requests in a
 * row, each ending a fresh worker, would make the master give up and
 * take the shop down. */
#define PREFORK_EXIT_DELIBERATE	3
/* After a stop, the seconds the master gives its workers before SIGKILL:
 * longer than a worker's own grace for the request in hand (fcgi.h). */
#define PREFORK_STOP_S		15

struct prefork_opts {
	int	  workers;	/* processes to keep running, >= 1 */
	/* The worker's life, in the child after the fork; its return value
	 * is the child's exit status. */
	int	(*work)(void *arg);
	void	 *arg;
};

/*
 * Run as the master until SIGTERM/SIGINT (FF_OK once every worker has
 * ended) or until workers keep failing to start (FF_ESYS, logged).
 * Each worker's end is logged on stderr with its pid and why (exit
 * status or signal) unless the master asked for it.
 */
enum ff_err	 prefork_run(const struct prefork_opts *);

/* How a waitpid status reads in the log: "exited with 1", "killed by
 * signal 9 (Killed)". Returns buf. */
const char	*prefork_status(int status, char *buf, size_t len);

#endif
