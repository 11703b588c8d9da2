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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/prefork.h"

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
	return 3;
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

static pid_t
master(int (*work)(void *), int n)
{
	struct prefork_opts	 o = { n, work, NULL };
	pid_t			 m;

	ck_assert_int_eq(pipe(pids), 0);
	ck_assert_int_eq(pipe(hups), 0);
	if ((m = fork()) == 0)
		_exit(prefork_run(&o) == FF_OK ? 0 : 1);
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
	tcase_add_test(tc, test_status_text);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
