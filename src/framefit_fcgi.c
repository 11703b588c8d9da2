/*
 * framefit.fcgi: the FastCGI worker. The web server starts it with the
 * listening socket on fd 0 (lighttpd bin-path, mod_fcgid, spawn-fcgi);
 * each process sets up its long-lived state once (app_open) and then
 * serves requests one at a time until SIGTERM.
 *
 *   framefit.fcgi                 serve on fd 0 (started by a web server)
 *   framefit.fcgi --listen ADDR   serve on a Unix socket path (the way
 *                                 to give the web server alone access:
 *                                 its mode and group), host:port, or
 *                                 :port, which is 127.0.0.1:port; any
 *                                 peer of the socket is trusted as the
 *                                 web server (docs/ADMIN.md)
 *   framefit.fcgi --workers N     a master keeping N worker processes on
 *                                 the one socket (src/http/prefork.h);
 *                                 lighttpd runs it so, with max-procs 1
 *   framefit.fcgi --migrate       apply sql/ migrations and exit
 *   framefit.fcgi --check         check the settings read at start
 *                                 (FF_EMBED_ORIGINS, FF_DB_*) and exit: 0 when
 *                                 a worker would start (scripts/web.sh
 *                                 runs it before it starts a server)
 *
 * The environment names its resources (see src/app/app.h and
 * src/store/db.h): FF_DB_SOCKET or FF_DB_HOST, FF_DB_PORT and FF_DB_SSL*,
 * FF_DB_NAME, FF_DB_USER, FF_DB_PASSWORD,
 * FF_MODELS_DIR, FF_TEMPLATES, FF_STATIC, FF_SQL_DIR, FF_SECRET_FILE,
 * FF_MIGRATE, FF_MAX_REQUESTS (recycle the process after so many) and
 * FF_EMBED_ORIGINS (the shop's origins that may frame its pages,
 * src/app/embed.h; checked before any worker starts).
 *
 * Each worker also bounds what one request may cost it:
 *   FF_REQUEST_CPU_S   CPU seconds per request (REQUEST_CPU_S_DEFAULT;
 *                      0: none). Over it, the worker ends (fcgi.h).
 *   FF_REQUEST_MEM_MB  megabytes of data a worker may add to what it
 *                      holds once set up (REQUEST_MEM_MB_DEFAULT; 0:
 *                      none): RLIMIT_DATA, set after app_open(). Past
 *                      it an allocation fails: libgd and libjpeg answer
 *                      that as a bad image, xalloc ends the worker.
 * Why the defaults: docs/RELIABILITY.md, "Per-request ceilings".
 */
#include <sys/resource.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/embed.h"
#include "app/router.h"
#include "core/err.h"
#include "core/setting.h"
#include "http/fcgi.h"
#include "http/prefork.h"
#include "http/request.h"
#include "store/db.h"
#include "vision/blas.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: framefit.fcgi                (started by a FastCGI server)\n"
	    "       framefit.fcgi --listen ADDR  (a Unix socket path, host:port,\n"
	    "                                    or :port for 127.0.0.1:port)\n"
	    "       framefit.fcgi [--listen ADDR] --workers N\n"
	    "       framefit.fcgi --migrate\n"
	    "       framefit.fcgi --check\n");
	exit(2);
}

/* The ceilings' defaults: many times what a try-on of a 12 MP phone
 * photo costs a worker, OpenBLAS's buffer (allocated at the first
 * request) included (docs/RELIABILITY.md has the measurements). The CPU
 * time is also no shorter than PREFORK_QUICK_S: a worker ended sooner
 * after its start counts as failing to start, and a few in a row would
 * make the master give up. The memory must also hold two more networks
 * for the admin's model comparison: RLIMIT_DATA counts the address
 * space libdarknet reserves for a network, far more than it touches.
 * The decode budget (image/decode.h), not this backstop, is what keeps
 * a costly photo small. */
#define REQUEST_CPU_S_DEFAULT	2.0
#define REQUEST_MEM_MB_DEFAULT	2048

/* Bytes of the process's data segment now (VmData: what RLIMIT_DATA
 * counts, Linux 4.7 and later); -1 when unknown. */
static long long
data_bytes(void)
{
	FILE		*f = fopen("/proc/self/status", "r");
	char		 line[128];
	long long	 kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmData: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/* The memory ceiling: what the worker holds once set up, and the margin
 * one request may add. */
static void
memory_ceiling(void)
{
	struct rlimit	 rl;
	double		 mb = setting_num("FF_REQUEST_MEM_MB",
			    REQUEST_MEM_MB_DEFAULT, 0, 1024 * 1024);
	long long	 now = data_bytes();

	if (mb <= 0)
		return;
	if (now < 0) {
		fprintf(stderr, "framefit.fcgi: no memory ceiling: cannot read "
		    "VmData from /proc/self/status\n");
		return;
	}
	if (getrlimit(RLIMIT_DATA, &rl) != 0)
		return;
	rl.rlim_cur = (rlim_t)(now + (long long)(mb * 1024 * 1024));
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_DATA, &rl) != 0)
		perror("framefit.fcgi: setrlimit(RLIMIT_DATA)");
}

struct serve_args {
	struct app_opts		*to;
	struct fcgi_opts	*fo;
};

/* One worker's life: its own BLAS, model, database session and accept
 * loop. Returns the exit status. */
static int
serve(void *arg)
{
	struct serve_args	*sa = arg;
	struct fcgi_handler	 h = { router_handle, app_reload, NULL };
	struct tryon_app	*app;
	enum ff_err		 er;

	/* One forward pass per process: parallelism comes from processes. */
	blas_init(1);
	req_log(NULL, "OpenBLAS kernels %s", blas_kernels());
	if ((er = app_open(sa->to, &app)) != FF_OK) {
		fprintf(stderr, "framefit.fcgi: cannot start: %s\n",
		    ff_strerror(er));
		return 1;
	}
	h.arg = app;
	/* After the model and the catalog are loaded: what the worker holds
	 * for good is its own, the margin is for one request. */
	memory_ceiling();
	er = fcgi_run(sa->fo, &h);
	app_close(app);
	return er == FF_OK ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "migrate", no_argument, NULL, 'm' },
		{ "workers", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct app_opts		 to = { .migrate = 1 };
	struct fcgi_opts	 fo = { 0 };
	struct serve_args	 sa = { &to, &fo };
	struct prefork_opts	 po = { 0, serve, &sa };
	enum ff_err		 er;
	const char		*s;
	char			*end;
	long			 n;
	int			 ch, migrate_only = 0, check_only = 0, applied;

	/* Keep blas.o (darknet's fast gemm) in the executable. */
	(void)blas_linked;
	blas_pick_kernels(argv);
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': check_only = 1; break;
		case 'l': fo.listen = optarg; break;
		case 'm': migrate_only = 1; break;
		case 'w':
			n = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || n < 1 || n > 256) {
				fprintf(stderr, "framefit.fcgi: --workers takes "
				    "a number from 1 to 256\n");
				usage();
			}
			po.workers = (int)n;
			break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	/* Before the fork, so a bad list stops the start, once, on the
	 * server's console (src/app/embed.h). */
	if (embed_init() != FF_OK) {
		fprintf(stderr, "framefit.fcgi: cannot start: FF_EMBED_ORIGINS "
		    "is not a list of origins\n");
		return 1;
	}
	/* The same for the database's settings (a port that is not a
	 * number, a CA file that cannot be read): db.c says which. */
	if (db_check_settings() != FF_OK) {
		fprintf(stderr, "framefit.fcgi: cannot start: the FF_DB_* "
		    "settings above cannot work (src/store/db.h)\n");
		return 1;
	}
	if (check_only)
		return 0;
	if (migrate_only) {
		if ((er = app_migrate(&to, &applied)) != FF_OK) {
			fprintf(stderr, "framefit.fcgi: migrate: %s\n",
			    ff_strerror(er));
			return 1;
		}
		printf("framefit.fcgi: %d migration(s) applied\n", applied);
		return 0;
	}
	if (fo.listen == NULL && !fcgi_is_fastcgi()) {
		fprintf(stderr, "framefit.fcgi: fd 0 is not a FastCGI socket; "
		    "start me from a web server or with --listen\n");
		usage();
	}
	if ((s = getenv("FF_MAX_REQUESTS")) != NULL)
		fo.max_requests = atol(s);
	fo.cpu_limit_s = setting_num("FF_REQUEST_CPU_S", REQUEST_CPU_S_DEFAULT,
	    0, 3600);
	if (po.workers == 0)
		return serve(&sa);
	/* The master opens the --listen socket once, before the fork, so
	 * every worker accepts on it. */
	if (fo.listen != NULL && (er = fcgi_listen(&fo)) != FF_OK)
		return 1;
	return prefork_run(&po) == FF_OK ? 0 : 1;
}
