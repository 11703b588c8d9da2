/*
 * batch.c: `framefit batch`, the detector over whole photo libraries
 * (see batch.h for the command and its guarantees): the options and the
 * runner. The job and the loader are in batch_load.c, a worker in
 * batch_work.c, the queue's statements in store/batchq.c.
 *
 * Processes: the runner (the process batch_main() runs in) opens the job,
 * forks the workers, loads the input into the queue while they start, and
 * shows the progress; each worker claims, detects and stores. The runner
 * closes its database connection before forking and opens a new one after,
 * so no session is ever shared across a fork; each worker opens its own
 * detector and connection after the fork.
 */
#define _GNU_SOURCE	/* getopt_long(3), MAP_ANONYMOUS */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/batch.h"
#include "app/batch_internal.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "store/batchq.h"
#include "store/db.h"
#include "store/migrate.h"
#include "vision/blas.h"

#ifndef FF_DATADIR
#define FF_DATADIR "."
#endif

/* Progress every this many ms: on a terminal, and as log lines. */
#define BATCH_BAR_MS		500
#define BATCH_LOG_MS		5000
/* Progress queries may use at most 1/this of the runner's time. */
#define BATCH_COUNT_SHARE	20

/* Workers killed by a signal (a crash on some file) that a run replaces;
 * the file itself is failed as worker_lost after --max-attempts. */
#define BATCH_RESPAWNS		10

/* Set by SIGINT and SIGTERM, in the runner and in every worker. */
volatile sig_atomic_t batch_stop;

struct progress {
	int		 tty;
	double		 start_ms;
	double		 next_ms;
	long long	 start_finished;	/* -1 until the first count */
	long long	 loading;	/* paths our loader has queued */
	int		 drawn;		/* a bar is on the terminal */
	struct batchq_counts c;
};

struct runner {
	const struct opts *o;
	struct batchq_job *job;
	struct db	*db;
	pid_t		*pids;		/* 0 once reaped */
	int		 live;
	int		 failed;	/* workers that exited in error */
	int		 signalled;	/* stop forwarded to the workers */
	int		 respawns;	/* workers replaced so far */
	pid_t		 self;		/* the runner's pid */
	struct wstats	*ws;		/* o->jobs slots, shared */
	struct progress	 pg;
	double		 next_load_ms;
};

#define USAGE \
	"usage: framefit batch [--job NAME] [--jobs N] [--models DIR] [--size N]\n" \
	"                      [--frame SKU --out DIR] [--lease SECONDS] [--claim N]\n" \
	"                      [--max-attempts N] [--retry-failed] [--max-rate N]\n" \
	"                      [--no-yield] [--progress | --no-progress] [DIR | LIST]\n" \
	"       framefit batch --job NAME --frame SKU --out DIR [--jobs N] ...\n" \
	"       framefit batch --delete NAME\n"

static void
usage(void)
{
	fputs(USAGE, stderr);
}

/* --help: what the operator needs at the terminal; batch.h has it all. */
static void
help(void)
{
	fputs(USAGE
	    "\n"
	    "Runs the face detector over a DIR (walked) or a LIST (one path a line,\n"
	    "or NUL-separated as from find -print0) as a resumable job in MariaDB.\n"
	    "  --job NAME        the job (default: the input's absolute path)\n"
	    "  --jobs N          worker processes on this host (default 1; 0: load only)\n"
	    "  --max-rate N      at most N photos/s across this run's workers (default:\n"
	    "                    no cap); N may be a fraction, e.g. 0.5\n"
	    "  --no-yield        workers at normal priority. By default they yield to the\n"
	    "                    shop on the same host: nice 19 and I/O class best-effort 7\n"
	    "  --retry-failed    queue the job's failed items again\n"
	    "  --delete NAME     remove a finished (or abandoned) job with its items and\n"
	    "                    detections, in small transactions; the anonymous report\n"
	    "                    counts (hourly_rollups) stay. Finished jobs older than\n"
	    "                    FF_BATCH_RETENTION_DAYS (default 90) go with `framefit purge`.\n"
	    "  --frame SKU --out DIR   also write try-on JPEGs under DIR; with no\n"
	    "                    DIR or LIST, draw SKU on every photo kept with the\n"
	    "                    shopper's consent (the newsletter) into DIR/TOKEN.jpg\n"
	    "  --lease S, --claim N, --max-attempts N, --size N, --models DIR: see docs\n"
	    "The database: FF_DB_* settings; on another host FF_DB_HOST, FF_DB_PORT and\n"
	    "FF_DB_SSL_CA (TLS), docs/DEPLOY.md. Every host running the same --job\n"
	    "shares its work.\n"
	    "Entries that cannot be photos never stop a job: the summary counts each\n"
	    "kind (failed items by reason, entries skipped at loading by kind).\n"
	    "Exit: 0 job finished, 1 not finished, 2 usage or settings.\n", stdout);
}

/* A path for a person: bytes that are not printable, or not UTF-8, as
 * \xNN, and a backslash as \\, so an odd name is visible and copyable. */
static void
put_path(struct buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n, i;

	while (*p != '\0') {
		n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 :
		    (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		for (i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				n = 0;
		if (n == 1 && *p >= 0x20 && *p < 0x7f && *p != '\\')
			buf_putc(b, (char)*p);
		else if (n > 1 && *p >= 0xc2)
			buf_append(b, (const char *)p, n);
		else {
			buf_printf(b, *p == '\\' ? "\\\\" : "\\x%02x", *p);
			n = 1;
		}
		p += n;
	}
}

static void
on_stop(int sig)
{
	(void)sig;
	batch_stop = 1;
}

void
batch_nap_ms(double ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - ts.tv_sec * 1000.0) * 1e6);
	/* A signal cuts it short, which is what a stop wants. */
	nanosleep(&ts, NULL);
}

/* A whole decimal number in lo..hi; -1 for anything else. */
static int
parse_int(const char *s, int lo, int hi, int *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* "1h02m", "4m10s", "12s"; "?" when unknown. */
static void
fmt_duration(double s, char *out, size_t len)
{
	long long t;

	if (!isfinite(s) || s < 0 || s > 1e9) {
		snprintf(out, len, "?");
		return;
	}
	t = (long long)(s + 0.5);
	if (t >= 3600)
		snprintf(out, len, "%lldh%02lldm", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(out, len, "%lldm%02llds", t / 60, t % 60);
	else
		snprintf(out, len, "%llds", t);
}

int
batch_mkdir_p(const char *dir)
{
	struct stat	 st;
	char		*p, *s;
	int		 rc = -1;

	s = xstrdup(dir);
	for (p = s + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(s, 0777) == -1 && errno != EEXIST)
			goto out;
		*p = '/';
	}
	if (mkdir(s, 0777) == -1 && errno != EEXIST)
		goto out;
	if (stat(s, &st) == -1)
		goto out;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto out;
	}
	rc = 0;
out:
	free(s);
	return rc;
}

/* ---- The runner: workers, progress, summary ---- */

/*
 * Start worker `slot`. The child inherits the runner's database handle
 * (if open) but never uses or closes it: it leaves with _exit(2), so no
 * COM_QUIT goes out on the runner's session.
 */
static pid_t
worker_spawn(struct runner *r, int slot)
{
	pid_t	pid;
	int	rc;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		perror("framefit batch: fork");
		return -1;
	}
	if (pid == 0) {
		rc = batch_worker_main(r->o, r->job, &r->ws[slot], r->self);
		fflush(NULL);
		_exit(rc);
	}
	r->pids[slot] = pid;
	r->live++;
	return pid;
}

static void
runner_reap(struct runner *r)
{
	pid_t	pid;
	int	status, i, ok;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < r->o->jobs; i++)
			if (r->pids[i] == pid)
				break;
		if (i == r->o->jobs)
			continue;
		r->pids[i] = 0;
		r->live--;
		ok = WIFEXITED(status) && (WEXITSTATUS(status) == WORKER_DONE ||
		    (WEXITSTATUS(status) == WORKER_STOPPED && batch_stop));
		if (ok)
			continue;
		if (WIFSIGNALED(status)) {
			fprintf(stderr, "framefit batch: worker %ld killed by "
			    "signal %d\n", (long)pid, WTERMSIG(status));
			/* Its claims come back after their lease. */
			if (!batch_stop && r->respawns < BATCH_RESPAWNS &&
			    worker_spawn(r, i) > 0) {
				r->respawns++;
				fprintf(stderr, "framefit batch: started worker "
				    "%ld in its place\n", (long)r->pids[i]);
				continue;
			}
		} else
			fprintf(stderr, "framefit batch: worker %ld failed\n",
			    (long)pid);
		r->failed++;
	}
}

/*
 * The progress text: a bar for a terminal, else a log line. rate is
 * photos per second (< 0: not known yet), loading the paths this runner
 * has queued so far while the job is not loaded.
 */
static void
progress_text(const struct batchq_counts *c, long long loading, double rate,
    int bar, struct buf *out)
{
	long long	 fin = c->done + c->noface + c->failed;
	long long	 total = fin + c->queued + c->claimed;
	double		 pct = total > 0 ? 100.0 * fin / total : 0;
	char		 eta[32], r[32];
	int		 i, w = 24, fill;

	if (rate >= 0)
		snprintf(r, sizeof(r), "%.1f", rate);
	else
		snprintf(r, sizeof(r), "--");
	fmt_duration(c->loaded && rate > 0 ? (total - fin) / rate : -1, eta,
	    sizeof(eta));
	if (!c->loaded) {
		buf_printf(out, "%sloading: %lld paths queued, %lld processed; "
		    "%s photos/s", bar ? "" : "framefit batch: ",
		    loading > total ? loading : total, fin, r);
		return;
	}
	if (bar) {
		fill = total > 0 ? (int)(w * fin / total) : 0;
		buf_putc(out, '[');
		for (i = 0; i < w; i++)
			buf_putc(out, i < fill ? '#' : '.');
		buf_printf(out, "] %5.1f%% %lld/%lld  done %lld  noface %lld  "
		    "failed %lld  %s photos/s  ETA %s", pct, fin, total,
		    c->done, c->noface, c->failed, r, eta);
	} else
		buf_printf(out, "framefit batch: %lld/%lld (%.1f%%): %lld done, "
		    "%lld no face, %lld failed; %s photos/s; ETA %s", fin,
		    total, pct, c->done, c->noface, c->failed, r, eta);
}

static void
progress_show(struct runner *r, int force)
{
	struct progress	*p = &r->pg;
	struct buf	 line;
	double		 t0 = ff_now_ms(), q, rate = -1;
	long long	 fin;

	if (r->db == NULL || (!force && t0 < p->next_ms))
		return;
	if (batchq_job_counts(r->db, r->job->id, &p->c) != FF_OK) {
		p->next_ms = t0 + BATCH_LOG_MS;
		return;
	}
	q = ff_now_ms() - t0;
	if (p->c.loaded)
		r->job->loaded = 1;
	fin = p->c.done + p->c.noface + p->c.failed;
	if (p->start_finished < 0) {
		p->start_finished = fin;
		p->start_ms = t0;
	} else if (t0 - p->start_ms >= 1000)
		rate = (fin - p->start_finished) / ((t0 - p->start_ms) / 1000);
	/* Counting a huge job takes a while: never spend more than
	 * 1/BATCH_COUNT_SHARE of the time on it. */
	p->next_ms = t0 + fmax(p->tty ? BATCH_BAR_MS : BATCH_LOG_MS,
	    BATCH_COUNT_SHARE * q);
	if (force && !p->tty)
		return;
	buf_init(&line);
	progress_text(&p->c, p->loading, rate, p->tty, &line);
	if (p->tty) {
		/* \r and erase to the end of the line (ECMA-48 EL). */
		fprintf(stderr, "\r%s\033[K", line.ptr);
		p->drawn = 1;
	} else
		fprintf(stderr, "%s\n", line.ptr);
	fflush(stderr);
	buf_free(&line);
}

static void
runner_tick(struct runner *r, int force)
{
	int i;

	runner_reap(r);
	if (batch_stop && !r->signalled) {
		for (i = 0; i < r->o->jobs; i++)
			if (r->pids[i] > 0)
				kill(r->pids[i], SIGTERM);
		r->signalled = 1;
	}
	progress_show(r, force);
}

/* The loader's progress: the paths it has queued so far. */
static void
load_tick(void *arg, long long queued)
{
	struct runner *r = arg;

	r->pg.loading = queued;
	runner_tick(r, 0);
}

/* The failure reasons of an uploads job's items that are not failures:
 * the photo may no longer be used (batch_work.c, upload_process()). */
static int
skip_reason(const char *reason)
{
	return reason != NULL && (strcmp(reason, "consent_withdrawn") == 0 ||
	    strcmp(reason, "consent_expired") == 0 ||
	    strcmp(reason, "photo_gone") == 0);
}

/*
 * An uploads job (the newsletter): "3 written, 1 no face, 1 skipped: 1
 * consent_withdrawn, 0 failed", the skipped ones apart from the failed;
 * an example token is no use to anyone and is not shown.
 */
static void
summary_uploads(const struct batchq_counts *c,
    const struct batchq_failure *fails, size_t nfails)
{
	long long	 skipped = 0;
	size_t		 k;
	int		 pass, first;

	for (k = 0; k < nfails; k++)
		if (!fails[k].at_load && skip_reason(fails[k].reason))
			skipped += fails[k].n;
	printf("%lld written, %lld no face, %lld skipped", c->done, c->noface,
	    skipped);
	for (pass = 0; pass < 2; pass++) {
		first = 1;
		if (pass == 1)
			printf(", %lld failed", c->failed - skipped);
		for (k = 0; k < nfails; k++) {
			if (fails[k].at_load || skip_reason(fails[k].reason) ==
			    pass)
				continue;
			printf("%s%lld %s", first ? ": " : ", ", fails[k].n,
			    fails[k].reason ? fails[k].reason : "?");
			first = 0;
		}
	}
}

/* "6 failed: 4 image_corrupt, 2 unsupported_media_type" and one example
 * path per reason. */
static void
summary(struct runner *r, double secs)
{
	const struct batchq_counts *c = &r->pg.c;
	struct batchq_failure *fails = NULL;
	struct buf	 ex;
	struct buf	 name;
	long long	 stored = 0, lost = 0, present = 0, total;
	const char	*s;
	size_t		 nfails = 0, k;
	int		 i, pass, first;

	total = c->queued + c->claimed + c->done + c->noface + c->failed;
	buf_init(&name);
	put_path(&name, r->job->name);
	printf("job %s: %s: %lld items: ", name.ptr, r->job->finished ?
	    "finished" : "not finished", total);
	buf_free(&name);
	buf_init(&ex);
	if ((c->failed > 0 || c->skipped > 0) && batchq_job_failures(r->db,
	    r->job->id, &fails, &nfails) != FF_OK)
		nfails = 0;
	if (r->job->kind == BATCHQ_UPLOADS) {
		summary_uploads(c, fails, nfails);
		batchq_failures_free(fails, nfails);
		nfails = 0;
		fails = NULL;
	} else
		printf("%lld done, %lld no face, %lld failed", c->done,
		    c->noface, c->failed);
	/* The failed items by reason, then the entries skipped at loading
	 * by kind. */
	for (pass = 0; pass < 2; pass++) {
		first = 1;
		if (pass == 1 && c->skipped > 0)
			printf("; %lld skipped at loading", c->skipped);
		for (k = 0; k < nfails; k++) {
			if (fails[k].at_load != pass)
				continue;
			s = fails[k].reason;
			printf("%s%lld %s", first ? ": " : ", ", fails[k].n,
			    s ? s : "?");
			first = 0;
			buf_printf(&ex, "  %s%s: e.g. ", s ? s : "?",
			    pass ? " (skipped)" : "");
			put_path(&ex, fails[k].example ? fails[k].example : "?");
			buf_putc(&ex, '\n');
		}
	}
	batchq_failures_free(fails, nfails);
	if (c->queued + c->claimed > 0)
		printf("; %lld queued, %lld claimed", c->queued, c->claimed);
	printf("\n");
	for (i = 0; i < r->o->jobs; i++) {
		stored += r->ws[i].stored;
		lost += r->ws[i].lost;
		present += r->ws[i].present;
	}
	printf("this run: %lld photos in %.1f s, %.1f photos/s, %d worker%s",
	    stored, secs, secs > 0 ? stored / secs : 0, r->o->jobs,
	    r->o->jobs == 1 ? "" : "s");
	/* Slower than --lease: another worker took the photos over. */
	if (lost > 0)
		printf("; %lld result%s dropped, the lease had passed", lost,
		    lost == 1 ? "" : "s");
	/* Written by an attempt that then lost its claim: not redone. */
	if (present > 0)
		printf("; %lld JPEG%s found written already, not rewritten",
		    present, present == 1 ? "" : "s");
	printf("\n");
	if (ex.len > 0)
		fputs(ex.ptr, stdout);
	fflush(stdout);
	buf_free(&ex);
}

static const char *
env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : dflt;
}

/* Options into o; -1 after a usage message. */
static int
opts_parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "job", required_argument, NULL, 'j' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "models", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },
		{ "frame", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "lease", required_argument, NULL, 'l' },
		{ "claim", required_argument, NULL, 'c' },
		{ "max-attempts", required_argument, NULL, 'a' },
		{ "retry-failed", no_argument, NULL, 'r' },
		{ "progress", no_argument, NULL, 'p' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "max-rate", required_argument, NULL, 'R' },
		{ "no-yield", no_argument, NULL, 'Y' },
		{ "delete", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*m;
	char		*end;
	int		 ch, bad = 0;

	memset(o, 0, sizeof(*o));
	o->jobs = 1;
	o->lease_s = BATCH_LEASE_S;
	o->claim = BATCH_CLAIM;
	o->max_attempts = BATCH_MAX_ATTEMPTS;
	o->progress = -1;
	o->yield = 1;
	o->models = env_or("FF_MODELS_DIR", FF_DATADIR "/models");
	o->sqldir = env_or("FF_SQL_DIR", FF_DATADIR "/sql");
	m = getenv("FF_MIGRATE");
	o->migrate = !(m != NULL && strcmp(m, "0") == 0);
	optind = 0;	/* glibc: start afresh (batch_main may run twice) */
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'j': o->job = optarg; break;
		case 'J': bad |= parse_int(optarg, 0, 256, &o->jobs); break;
		case 'm': o->models = optarg; break;
		case 's': bad |= parse_int(optarg, 32, 4096, &o->face_size); break;
		case 'f': o->frame_sku = optarg; break;
		case 'o': o->out_dir = optarg; break;
		case 'l': bad |= parse_int(optarg, 1, 86400, &o->lease_s); break;
		case 'c': bad |= parse_int(optarg, 1, 1000, &o->claim); break;
		case 'a': bad |= parse_int(optarg, 1, 1000, &o->max_attempts); break;
		case 'r': o->retry_failed = 1; break;
		case 'p': o->progress = 1; break;
		case 'P': o->progress = 0; break;
		case 'R':
			errno = 0;
			o->max_rate = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(o->max_rate > 0 && o->max_rate <= 1e6))
				bad = -1;
			break;
		case 'Y': o->yield = 0; break;
		case 'D': o->delete_job = optarg; break;
		case 'h':
			help();
			return 1;
		default: bad = -1; break;
		}
	}
	if (optind < argc)
		o->input = argv[optind++];
	if (o->delete_job != NULL && (o->input != NULL || o->job != NULL)) {
		fprintf(stderr, "framefit batch: --delete NAME takes no input "
		    "and no --job\n");
		bad = -1;
	}
	if (optind < argc || bad != 0 ||
	    (o->frame_sku != NULL) != (o->out_dir != NULL)) {
		if ((o->frame_sku != NULL) != (o->out_dir != NULL))
			fprintf(stderr, "framefit batch: --frame and --out go "
			    "together\n");
		usage();
		return -1;
	}
	return 0;
}

int
batch_main(int argc, char **argv)
{
	struct sigaction sa;
	struct opts	 o;
	struct batchq_job job;
	struct runner	 r;
	struct db	*db = NULL;
	enum ff_err	 er;
	double		 t0 = ff_now_ms();
	long long	 n;

	int		 i, applied, busy, rc = 1, load_failed = 0;

	/* Link blas.o: darknet's hot loops go to OpenBLAS (vision/blas.h). */
	(void)blas_linked;
	memset(&job, 0, sizeof(job));
	memset(&r, 0, sizeof(r));
	if ((rc = opts_parse(argc, argv, &o)) != 0)
		return rc == 1 ? 0 : 2;
	rc = 1;
	if (db_global_init() != FF_OK)
		return 1;
	if ((db = db_open(NULL, NULL, &er)) == NULL) {
		fprintf(stderr, "framefit batch: database: %s\n", ff_strerror(er));
		/* Settings that cannot work are mended by a person, not by
		 * a restart (systemd's RestartPreventExitStatus=2). */
		return er == FF_ECONFIG ? 2 : 1;
	}
	if (o.migrate && (er = db_migrate(db, o.sqldir, &applied)) != FF_OK) {
		fprintf(stderr, "framefit batch: migrations in %s: %s\n",
		    o.sqldir, ff_strerror(er));
		goto out;
	}
	if (o.delete_job != NULL) {
		er = batch_job_delete(db, o.delete_job);
		rc = er == FF_OK ? 0 : er == FF_EINPUT ? 2 : 1;
		goto out;
	}
	if ((er = batch_job_open(db, &o, &job)) != FF_OK) {
		rc = er == FF_EINPUT ? 2 : 1;
		goto out;
	}
	if (o.retry_failed) {
		if ((er = batchq_job_retry_failed(db, &job, &n)) != FF_OK)
			goto out;
		fprintf(stderr, "framefit batch: %lld failed item(s) queued "
		    "again\n", n);
	}

	r.o = &o;
	r.job = &job;
	r.self = getpid();
	r.pg.tty = o.progress >= 0 ? o.progress : isatty(STDERR_FILENO);
	r.pg.start_finished = -1;
	r.pids = xcalloc((size_t)o.jobs + 1, sizeof(*r.pids));
	r.ws = mmap(NULL, sizeof(*r.ws) * ((size_t)o.jobs + 1),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r.ws == MAP_FAILED) {
		perror("framefit batch: mmap");
		r.ws = NULL;
		goto out;
	}
	memset(r.ws, 0, sizeof(*r.ws) * ((size_t)o.jobs + 1));
	if (job.finished)
		goto done;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a stop should cut sleeps short. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* No database session may cross the fork. */
	db_close(db);
	db = NULL;
	fflush(NULL);
	for (i = 0; i < o.jobs && !batch_stop; i++)
		if (worker_spawn(&r, i) == -1)
			batch_stop = 1;
	if ((r.db = db_open(NULL, NULL, &er)) == NULL)
		fprintf(stderr, "framefit batch: database: %s\n", ff_strerror(er));

	while (r.live > 0 || (o.jobs == 0 && !job.loaded && !batch_stop &&
	    !load_failed && r.db != NULL)) {
		if (!job.loaded && !load_failed && !batch_stop && r.db != NULL &&
		    ff_now_ms() >= r.next_load_ms) {
			if ((er = batch_job_load(r.db, &job, load_tick, &r,
			    &busy)) != FF_OK) {
				fprintf(stderr, "framefit batch: loading %s: %s\n",
				    job.source, ff_strerror(er));
				load_failed = 1;
				batch_stop = 1;
			} else if (busy)
				r.next_load_ms = ff_now_ms() + 1000;
		}
		runner_tick(&r, 0);
		if (r.live > 0)
			batch_nap_ms(100);
	}
	runner_reap(&r);

done:
	db = r.db != NULL ? r.db : db;
	r.db = db;
	if (db == NULL || (er = batchq_job_counts(db, job.id, &r.pg.c)) != FF_OK)
		goto out;
	if (r.pg.drawn) {
		/* The bar's last state, then leave its line. */
		progress_show(&r, 1);
		r.pg.drawn = 0;
		fputc('\n', stderr);
	}
	if ((er = batchq_job_finish(db, &job, &r.pg.c)) != FF_OK)
		goto out;
	summary(&r, (ff_now_ms() - t0) / 1000);
	if (o.jobs == 0)
		rc = job.loaded && !load_failed ? 0 : 1;
	else
		rc = job.finished ? 0 : 1;
	if (r.failed > 0)
		fprintf(stderr, "framefit batch: %d worker(s) failed\n", r.failed);
out:
	if (r.pg.drawn)
		fputc('\n', stderr);
	db_close(db);
	if (r.ws != NULL)
		munmap(r.ws, sizeof(*r.ws) * ((size_t)o.jobs + 1));
	free(r.pids);
	batchq_job_clear(&job);
	return rc;
}
