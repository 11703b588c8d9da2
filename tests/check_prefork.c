/*
 * check_prefork.c: the master of src/http/prefork.c with real processes.
 * Each test forks a master; its workers tell the test their pids through
 * a pipe, and the test kills, signals and stops them as a web server and
 * a crash would.
 */
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/fcgi.h"
#include "http/prefork.h"
#include "http/request.h"

static int	 pids[2];	/* workers write their pid here */
static int	 hups[2];	/* and a byte for each SIGHUP they get */

/* Read one pid from the workers, or -1 after ms without one. */
static pid_t
next_pid(int ms)
{
	struct pollfd	 p = { pids[0], POLLIN, 0 };
	pid_t		 pid;

	if (poll(&p, 1, ms) != 1 || read(pids[0], &pid, sizeof(pid)) !=
	    (ssize_t)sizeof(pid))
		return -1;
	return pid;
}

static void
on_hup(int sig)
{
	char c = 'H';

	(void)sig;
	(void)write(hups[1], &c, 1);
}

static void
tell(void)
{
	pid_t p = getpid();

	(void)write(pids[1], &p, sizeof(p));
}

/* A worker that serves until it is stopped (default SIGTERM). */
static int
work_wait(void *arg)
{
	(void)arg;
	signal(SIGHUP, on_hup);
	tell();
	for (;;)
		pause();
	return 0;	/* not reached */
}

/* One that cannot start. */
static int
work_fail(void *arg)
{
	(void)arg;
	tell();
	return 4;	/* not PREFORK_EXIT_DELIBERATE */
}

/* One that ends by itself after its requests (FF_MAX_REQUESTS). */
static int
work_recycle(void *arg)
{
	(void)arg;
	tell();
	usleep(20000);
	return 0;
}

/* One that ends itself on purpose at once, as after a request over its
 * CPU time (fcgi.h). */
static int
work_deliberate(void *arg)
{
	(void)arg;
	tell();
	usleep(20000);
	return PREFORK_EXIT_DELIBERATE;
}

/* One that ignores SIGTERM, as a worker stuck in a request would. */
static int
work_stuck(void *arg)
{
	(void)arg;
	signal(SIGTERM, SIG_IGN);
	tell();
	for (;;)
		pause();
	return 0;	/* not reached */
}

/* A real FastCGI worker: fcgi_run() accepting on the socket the master
 * opened (as framefit.fcgi --workers does), answering nothing useful. */
static struct fcgi_opts	 fcgi_o;

static void
serve_none(void *arg, struct http_req *r)
{
	(void)arg;
	(void)r;
}

static int
work_fcgi(void *arg)
{
	struct fcgi_handler h = { serve_none, NULL, NULL };

	(void)arg;
	tell();
	return fcgi_run(&fcgi_o, &h) == FF_OK ? 0 : 1;
}

/* The CPU time a process has used, in clock ticks (/proc/PID/stat). */
static long
cpu_ticks(pid_t pid)
{
	char	 path[64], buf[1024], *p;
	long	 ut, st;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld",
	    &ut, &st) != 2)
		return -1;
	return ut + st;
}

static pid_t
master(int (*work)(void *), int n)
{
	struct prefork_opts	 o = { n, work, NULL };
	pid_t			 m;

	ck_assert_int_eq(pipe(pids), 0);
	ck_assert_int_eq(pipe(hups), 0);
	if ((m = fork()) == 0) {
		/* A process group of its own, as under a web server, so the
		 * tests can signal it all as a terminal's Ctrl-C does. */
		setpgid(0, 0);
		_exit(prefork_run(&o) == FF_OK ? 0 : 1);
	}
	ck_assert_int_gt(m, 0);
	return m;
}

/* The master's exit status, waiting at most s seconds; -1 if it runs on. */
static int
master_end(pid_t m, int s)
{
	int i, st;

	for (i = 0; i < s * 20; i++) {
		if (waitpid(m, &st, WNOHANG) == m)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(50000);
	}
	kill(m, SIGKILL);
	waitpid(m, &st, 0);
	return -1;
}

START_TEST(test_replaces_killed_worker)
{
	pid_t	 m, a, b, c;
	char	 buf[4];

	m = master(work_wait, 2);
	a = next_pid(5000);
	b = next_pid(5000);
	ck_assert(a > 0 && b > 0 && a != b);
	ck_assert_int_eq(kill(a, SIGKILL), 0);
	c = next_pid(5000);
	ck_assert_msg(c > 0 && c != a && c != b, "no new worker after a kill");
	ck_assert_int_eq(kill(b, 0), 0);	/* the other one untouched */
	/* SIGHUP reaches every worker. */
	ck_assert_int_eq(kill(m, SIGHUP), 0);
	usleep(200000);
	ck_assert_int_eq(read(hups[0], buf, sizeof(buf)), 2);
	/* SIGTERM: every worker ends, then the master, with 0. */
	ck_assert_int_eq(kill(m, SIGTERM), 0);
	ck_assert_int_eq(master_end(m, 5), 0);
	ck_assert(kill(b, 0) == -1 && errno == ESRCH);
	ck_assert(kill(c, 0) == -1 && errno == ESRCH);
	ck_assert_int_eq(next_pid(100), -1);	/* none started while stopping */
}
END_TEST

START_TEST(test_gives_up_on_failing_starts)
{
	pid_t	m;
	int	starts = 0;

	m = master(work_fail, 2);
	ck_assert_int_eq(master_end(m, 15), 1);
	while (next_pid(0) > 0)
		starts++;
	/* Both at once, then one second apart: not a tight loop. */
	ck_assert_int_ge(starts, PREFORK_QUICK_MAX);
	ck_assert_int_le(starts, PREFORK_QUICK_MAX + 2);
}
END_TEST

START_TEST(test_recycling_is_not_failing)
{
	pid_t	m;
	int	i;

	m = master(work_recycle, 1);
	for (i = 0; i < 3 * PREFORK_QUICK_MAX; i++)
		ck_assert_msg(next_pid(5000) > 0, "worker %d not started", i);
	ck_assert_int_eq(kill(m, SIGTERM), 0);
	ck_assert_int_eq(master_end(m, 5), 0);
}
END_TEST

/* Ctrl-C: SIGINT to the master and its real FastCGI workers at once,
 * whatever each is doing (starting, entering accept(), waiting in it).
 * Every process must end within a few seconds, every time. */
START_TEST(test_group_stop_with_fastcgi_workers)
{
	char	 path[] = "/tmp/ff-prefork-XXXXXX";
	char	 sock[64];
	pid_t	 m, a, b;
	int	 round;

	ck_assert_ptr_nonnull(mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/s", path);
	memset(&fcgi_o, 0, sizeof(fcgi_o));
	fcgi_o.listen = sock;
	ck_assert_int_eq(fcgi_listen(&fcgi_o), FF_OK);
	for (round = 0; round < 40; round++) {
		m = master(work_fcgi, 2);
		a = next_pid(5000);
		b = next_pid(5000);
		ck_assert(a > 0 && b > 0);
		/* 0 to ~4 ms: from "just forked" to "blocked in accept()". */
		usleep((useconds_t)(round % 8) * 500);
		ck_assert_int_eq(kill(-m, SIGINT), 0);
		ck_assert_msg(master_end(m, 5) == 0, "round %d: master left "
		    "running or failed", round);
		usleep(20000);
		ck_assert_msg(kill(a, 0) == -1 && kill(b, 0) == -1,
		    "round %d: a worker outlived its master", round);
		close(pids[0]); close(pids[1]); close(hups[0]); close(hups[1]);
	}
	close(fcgi_o.sock);
	unlink(sock);
	rmdir(path);
}
END_TEST

/* A worker that does not end when asked: the master waits for it
 * without spinning, and a second stop kills it. */
START_TEST(test_stop_waits_without_spinning)
{
	pid_t	 m, a, b;
	long	 t0, t1;

	m = master(work_stuck, 2);
	a = next_pid(5000);
	b = next_pid(5000);
	ck_assert(a > 0 && b > 0);
	ck_assert_int_eq(kill(m, SIGTERM), 0);
	usleep(100000);
	t0 = cpu_ticks(m);
	sleep(1);
	t1 = cpu_ticks(m);
	ck_assert(t0 >= 0 && t1 >= 0);
	ck_assert_msg(t1 - t0 <= 5, "master used %ld ticks of CPU in 1 s "
	    "while waiting for its workers", t1 - t0);
	ck_assert_int_eq(kill(a, 0), 0);	/* still waiting for them */
	ck_assert_int_eq(kill(m, SIGTERM), 0);
	ck_assert_int_eq(master_end(m, 5), 0);
	ck_assert(kill(a, 0) == -1 && kill(b, 0) == -1);
}
END_TEST

/* Costly requests that each end a fresh worker must not make the master
 * give up: a deliberate end is not a failing start. */
START_TEST(test_deliberate_end_is_not_failing)
{
	pid_t	m;
	int	i;

	m = master(work_deliberate, 1);
	for (i = 0; i < 3 * PREFORK_QUICK_MAX; i++)
		ck_assert_msg(next_pid(5000) > 0, "worker %d not started", i);
	ck_assert_int_eq(kill(m, SIGTERM), 0);
	ck_assert_int_eq(master_end(m, 5), 0);
}
END_TEST

START_TEST(test_status_text)
{
	char b[64];

	ck_assert_str_eq(prefork_status(3 << 8, b, sizeof(b)), "exited with 3");
	ck_assert_str_eq(prefork_status(SIGKILL, b, sizeof(b)),
	    "killed by signal 9 (Killed)");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("prefork");
	TCase	*tc = tcase_create("master");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_replaces_killed_worker);
	tcase_add_test(tc, test_gives_up_on_failing_starts);
	tcase_add_test(tc, test_recycling_is_not_failing);
	tcase_add_test(tc, test_group_stop_with_fastcgi_workers);
	tcase_add_test(tc, test_stop_waits_without_spinning);
	tcase_add_test(tc, test_deliberate_end_is_not_failing);
	tcase_add_test(tc, test_status_text);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
