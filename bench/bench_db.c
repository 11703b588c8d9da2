/*
 * bench_db.c: how many try-ons a second MariaDB can record, through the
 * same store functions the web app, the API and the batch runner use.
 *
 *   bench_db [--mode tryon|detect|api|hot|spread] [--conns C] [--n N]
 *            [--blob BYTES]
 *
 * C processes (each with its own connection, like C FastCGI workers) run
 * N operations each, all at once; one line per run reports the
 * operations per second and the latency percentiles of one operation:
 *
 *   tryon   what one photo costs the DB on the web or API path: the
 *           photo row with its bytes (BYTES, default 200000: a 1600 px
 *           JPEG), its detection with one face, the try-on with its
 *           rollup: three transactions (plus 020_admin's triggers)
 *   detect  the detection alone (one face): what a batch photo costs
 *   api     the API's own bookkeeping per call: the key lookup, the rate
 *           limit's atomic increment and the per-key counts
 *   hot     one autocommitted bump of an hourly rollup, every connection
 *           the same row (as every upload bumps (hour, 'upload', 0)):
 *           the row lock is held until the commit is durable, so these
 *           serialise on it
 *   spread  the same bump, each connection its own row: commits of
 *           different rows can share one log flush (group commit)
 *
 * The database comes from FF_DB_* (src/store/db.h) and must be migrated;
 * bench/bench_db.sh sets one up. Rows are left behind for the caller to
 * drop (the script drops the whole database).
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "stats.h"
#include "app/apikey.h"
#include "core/clock.h"
#include "store/db.h"
#include "store/records.h"

enum mode { M_TRYON, M_DETECT, M_API, M_HOT, M_SPREAD };

static void
usage(void)
{
	fprintf(stderr, "usage: bench_db [--mode tryon|detect|api|hot|spread] "
	    "[--conns C] "
	    "[--n N] [--blob BYTES]\n");
	exit(2);
}

/* One worker: n operations on its own connection, latencies into lat. */
static int
worker(enum mode m, int n, size_t blob, long long frame_id, const char *key,
    int me, double *lat)
{
	struct det_face	 face = { 0.9f, { 480, 336, 640, 640 }, { 656, 552 },
			    { 944, 552 } };
	struct db	*db;
	enum ff_err	 er = FF_OK;
	unsigned char	*bytes = NULL, sha[32];
	unsigned int	 shalen = sizeof(sha);
	long long	 upload_id = 0, key_id, cnt;
	long		 rate;
	double		 t;
	int		 i;

	if ((db = db_open(NULL, NULL, &er)) == NULL) {
		fprintf(stderr, "bench_db: cannot connect\n");
		return 1;
	}
	if (m == M_TRYON || m == M_DETECT) {
		bytes = malloc(blob);
		for (size_t k = 0; k < blob; k++)
			bytes[k] = (unsigned char)(rand() >> 7);
		EVP_Digest(bytes, blob, sha, &shalen, EVP_sha256(), NULL);
	}
	if (m == M_DETECT) {
		/* One upload for all its detections. */
		struct upload_row u = { .source = UPLOAD_API, .width = 1600,
		    .height = 1200 };

		memcpy(u.sha256, sha, sizeof(sha));
		snprintf(u.mime, sizeof(u.mime), "image/jpeg");
		if ((er = db_upload_insert(db, &u, bytes, blob)) != FF_OK)
			goto out;
		upload_id = u.id;
	}
	for (i = 0; i < n && er == FF_OK; i++) {
		t = ff_now_ms();
		switch (m) {
		case M_TRYON: {
			struct upload_row u = { .source = UPLOAD_API,
			    .width = 1600, .height = 1200 };
			struct tryon_timing tm = { 5, 40, 20, 3 };

			memcpy(u.sha256, sha, sizeof(sha));
			snprintf(u.mime, sizeof(u.mime), "image/jpeg");
			if ((er = db_upload_insert(db, &u, bytes, blob)) == FF_OK &&
			    (er = db_detection_insert(db, u.id, 0, &face, 1, 40,
			    NULL)) == FF_OK)
				er = db_tryon_record(db, u.id, frame_id, &tm, NULL);
			break;
		}
		case M_DETECT:
			er = db_detection_insert(db, upload_id, 0, &face, 1, 40,
			    NULL);
			break;
		case M_API:
			if ((er = apikey_check(db, key, &key_id, &rate, NULL)) ==
			    FF_OK && (er = apikey_rate_hit(db, key_id,
			    (long long)time(NULL) / 60, &cnt)) == FF_OK)
				apikey_count(db, key_id, METRIC_API_DETECT, 0);
			break;
		case M_HOT:
		case M_SPREAD: {
			struct db_arg a = DB_INT(m == M_HOT ? 0 : me + 1);

			/* records.c's rollup_bump, outside any transaction. */
			er = db_exec(db, "INSERT INTO hourly_rollups (hour, metric, "
			    "frame_id, n) VALUES (DATE_FORMAT(UTC_TIMESTAMP(), "
			    "'%Y-%m-%d %H:00:00'), 'bench', ?, 1) ON DUPLICATE KEY "
			    "UPDATE n = n + 1", &a, 1, NULL, NULL);
			break;
		}
		}
		lat[i] = ff_now_ms() - t;
	}
out:
	if (er != FF_OK)
		fprintf(stderr, "bench_db: %s\n", ff_strerror(er));
	free(bytes);
	db_close(db);
	return er != FF_OK;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "conns", required_argument, NULL, 'c' },
		{ "n", required_argument, NULL, 'n' },
		{ "blob", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const names[] = { "tryon", "detect", "api", "hot",
	    "spread" };
	enum mode	 m = M_TRYON;
	struct db	*db;
	enum ff_err	 er;
	char		 key[API_KEY_LEN + 1] = "", kname[64];
	long long	 frame_id = 0;
	size_t		 blob = 200000, total;
	double		*lat, t, secs;
	int		 ch, c, conns = 1, n = 200, failed = 0, st;
	pid_t		 pid;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'm':
			for (m = 0; m <= M_SPREAD && strcmp(optarg, names[m]); m++)
				;
			if (m > M_SPREAD)
				usage();
			break;
		case 'c': conns = atoi(optarg); break;
		case 'n': n = atoi(optarg); break;
		case 'b': blob = (size_t)atol(optarg); break;
		default: usage();
		}
	}
	if (optind != argc || conns < 1 || conns > 64 || n < 1 ||
	    n > 1000000 || blob < 1 || blob > (32u << 20))
		usage();
	if (db_global_init() != FF_OK || (db = db_open(NULL, NULL, &er)) == NULL) {
		fprintf(stderr, "bench_db: cannot reach the database\n");
		return 1;
	}
	if (db_query_int(db, "SELECT MIN(id) FROM frames", NULL, 0, &frame_id) !=
	    FF_OK || frame_id <= 0) {
		fprintf(stderr, "bench_db: no frames: migrate the database\n");
		return 1;
	}
	if (m == M_API) {
		snprintf(kname, sizeof(kname), "bench-%d", (int)getpid());
		if (apikey_create(db, kname, 1000000, key, NULL) != FF_OK) {
			fprintf(stderr, "bench_db: cannot create a key\n");
			return 1;
		}
	}
	db_close(db);

	total = (size_t)conns * (size_t)n;
	lat = mmap(NULL, total * sizeof(double), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (lat == MAP_FAILED) {
		perror("bench_db: mmap");
		return 1;
	}
	t = ff_now_ms();
	for (c = 0; c < conns; c++) {
		if ((pid = fork()) < 0) {
			perror("bench_db: fork");
			return 1;
		}
		if (pid == 0) {
			srand((unsigned)getpid());
			_exit(worker(m, n, blob, frame_id, key, c,
			    lat + (size_t)c * n));
		}
	}
	for (c = 0; c < conns; c++)
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
	secs = (ff_now_ms() - t) / 1000;
	qsort(lat, total, sizeof(double), bench_cmp_double);
	printf("mode=%s conns=%d n=%d blob=%zu ops=%zu secs=%.2f ops_per_s=%.0f "
	    "p50_ms=%.2f p99_ms=%.2f failed=%d\n", names[m], conns, n,
	    m == M_TRYON ? blob : 0, total, secs, total / secs,
	    lat[total / 2], lat[(total * 99) / 100], failed);
	return failed != 0;
}
