/*
 * prefork.c: the master that keeps the workers running (see prefork.h).
 *
 * The master blocks its signals and waits for them in sigsuspend(), so a
 * SIGCHLD that arrives between a check and the wait is never lost. A
 * worker that keeps failing to start is restarted after a second
 * (SIGALRM), not in a tight loop.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "http/prefork.h"
#include "http/request.h"

static volatile sig_atomic_t	got_stop, got_hup, got_chld, got_alrm;
static char			 worker_name[17];	/* the comm we were started with */

static const int	 handled[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGALRM };
#define NHANDLED	 (sizeof(handled) / sizeof(handled[0]))

struct slot {
	pid_t	 pid;		/* 0: not running */
	time_t	 started;
	int	 due;		/* to be started at the next SIGALRM */
};

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:	got_stop = 1; break;
	case SIGHUP:	got_hup = 1; break;
	case SIGCHLD:	got_chld = 1; break;
	case SIGALRM:	got_alrm = 1; break;
	}
}

const char *
prefork_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended with status %#x", status);
	return buf;
}

/* In the child: the dispositions and mask the master started with, death
 * with the master, then the worker's life. Never returns. */
static void
worker(const struct prefork_opts *o, const sigset_t *mask, pid_t master)
{
	size_t i;

	prctl(PR_SET_NAME, worker_name);
	for (i = 0; i < NHANDLED; i++)
		signal(handled[i], SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != master)
		_exit(1);	/* the master is already gone */
	exit(o->work(o->arg));
}

static void
start(const struct prefork_opts *o, struct slot *s, const sigset_t *mask)
{
	pid_t master = getpid(), pid;

	s->due = 0;
	if ((pid = fork()) == 0)
		worker(o, mask, master);
	if (pid == -1) {
		req_log(NULL, "master: cannot start a worker: %s; trying again "
		    "in 1 s", strerror(errno));
		s->due = 1;
		alarm(1);
		return;
	}
	s->pid = pid;
	s->started = time(NULL);
}

static void
forward(struct slot *s, int n, int sig)
{
	int i;

	for (i = 0; i < n; i++)
		if (s[i].pid > 0)
			kill(s[i].pid, sig);
}

enum ff_err
prefork_run(const struct prefork_opts *o)
{
	struct sigaction	 sa;
	struct slot		*s;
	sigset_t		 block, old, wait_mask;
	enum ff_err		 er = FF_OK;
	char			 why[64];
	pid_t			 pid;
	size_t			 k;
	int			 i, n = o->workers, status, quick = 0;
	int			 stopping = 0, live, ok_end;

	if (n < 1)
		return FF_EINPUT;
	sigemptyset(&block);
	for (k = 0; k < NHANDLED; k++)
		sigaddset(&block, handled[k]);
	sigprocmask(SIG_BLOCK, &block, &old);
	wait_mask = old;
	for (k = 0; k < NHANDLED; k++)
		sigdelset(&wait_mask, handled[k]);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	for (k = 0; k < NHANDLED; k++)
		sigaction(handled[k], &sa, NULL);
	/* "ps" and the tests tell the master from its workers by name; the
	 * workers take back the one we were started with. */
	prctl(PR_GET_NAME, worker_name);
	prctl(PR_SET_NAME, "framefit-master");

	s = xcalloc((size_t)n, sizeof(*s));
	for (i = 0; i < n; i++)
		start(o, &s[i], &old);
	for (;;) {
		while (!got_stop && !got_hup && !got_chld && !got_alrm)
			sigsuspend(&wait_mask);
		/* A stop is handled once and then forgotten: were the flag
		 * left set, the wait above would return at once and the
		 * master spin on waitpid() until the last worker ended. A
		 * second stop, or a worker that outlives the grace time,
		 * gets SIGKILL. */
		if (got_stop) {
			got_stop = 0;
			if (!stopping) {
				stopping = 1;
				forward(s, n, SIGTERM);
				alarm(PREFORK_STOP_S);
			} else
				forward(s, n, SIGKILL);
		}
		if (got_hup) {
			got_hup = 0;
			forward(s, n, SIGHUP);
		}
		if (got_alrm) {
			got_alrm = 0;
			if (stopping) {
				for (i = 0; i < n; i++)
					if (s[i].pid > 0)
						req_log(NULL, "master: worker %d "
						    "still running %d s after the "
						    "stop; killing it",
						    (int)s[i].pid, PREFORK_STOP_S);
				forward(s, n, SIGKILL);
			}
			for (i = 0; i < n && !stopping; i++)
				if (s[i].due)
					start(o, &s[i], &old);
		}
		got_chld = 0;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < n && s[i].pid != pid; i++)
				continue;
			if (i == n)
				continue;
			s[i].pid = 0;
			if (stopping)
				continue;
			/* Exit 0 unasked is FF_MAX_REQUESTS recycling: quiet. */
			ok_end = WIFEXITED(status) && WEXITSTATUS(status) == 0;
			if (!ok_end && !(WIFEXITED(status) && WEXITSTATUS(status) ==
			    PREFORK_EXIT_DELIBERATE) &&
			    time(NULL) - s[i].started < PREFORK_QUICK_S)
				quick++;
			else
				quick = 0;
			if (quick >= PREFORK_QUICK_MAX) {
				req_log(NULL, "master: worker %d %s, %d failed "
				    "starts in a row: giving up", (int)pid,
				    prefork_status(status, why, sizeof(why)),
				    quick);
				er = FF_ESYS;
				stopping = 1;
				forward(s, n, SIGTERM);
				alarm(PREFORK_STOP_S);
				continue;
			}
			if (!ok_end)
				req_log(NULL, "master: worker %d %s; starting "
				    "another%s", (int)pid,
				    prefork_status(status, why, sizeof(why)),
				    quick ? " in 1 s" : "");
			if (quick) {
				s[i].due = 1;
				alarm(1);
			} else
				start(o, &s[i], &old);
		}
		for (live = 0, i = 0; i < n; i++)
			live += s[i].pid > 0;
		if (stopping && live == 0)
			break;
	}
	free(s);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return er;
}
