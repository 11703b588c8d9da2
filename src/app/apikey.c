/*
 * apikey.c: API keys, their rate limit and counts, and `framefit apikey`
 * (see apikey.h).
 */
#include <sys/random.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "app/apikey.h"
#include "store/apikeys.h"
#include "store/db.h"

static void
key_hash(const char *key, unsigned char out[32])
{
	unsigned int len = 32;

	EVP_Digest(key, strlen(key), out, &len, EVP_sha256(), NULL);
}

static int
all_digits(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* The store's columns hold what apiparse.h allows. */
_Static_assert(API_NAME_MAX == DB_APIKEY_NAME_MAX, "api_keys.name");
_Static_assert(API_KEY_SHOWN <= DB_APIKEY_PREFIX_MAX, "api_keys.key_prefix");

enum ff_err
apikey_create(struct db *db, const char *name, long rate,
    char key[API_KEY_LEN + 1], long long *id)
{
	unsigned char	 raw[24], h[32];
	long long	 active = 0, tmp;
	enum ff_err	 er;

	key[0] = '\0';
	if (id == NULL)
		id = &tmp;
	*id = 0;
	if (!api_name_valid(name) || rate < -1 || rate > 1000000)
		return FF_EINPUT;
	if ((er = db_apikey_active_count(db, name, &active)) != FF_OK)
		return er;
	if (active > 0)
		return FF_EINPUT;
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return FF_ESYS;
	api_key_format(raw, key);
	OPENSSL_cleanse(raw, sizeof(raw));
	key_hash(key, h);
	if ((er = db_apikey_insert(db, name, h, key, API_KEY_SHOWN, rate,
	    id)) != FF_OK) {
		OPENSSL_cleanse(key, API_KEY_LEN + 1);
		key[0] = '\0';
	}
	return er;
}

enum ff_err
apikey_revoke(struct db *db, const char *which, int *n)
{
	long long	 affected = 0, id;
	enum ff_err	 er;
	int		 tmp;

	if (n == NULL)
		n = &tmp;
	*n = 0;
	if (which == NULL || *which == '\0')
		return FF_EINPUT;
	if (all_digits(which)) {
		errno = 0;
		id = strtoll(which, NULL, 10);
		if (errno != 0)
			return FF_ENOTFOUND;
		er = db_apikey_revoke_id(db, id, &affected);
	} else
		er = db_apikey_revoke_name(db, which, &affected);
	if (er != FF_OK)
		return er;
	*n = (int)affected;
	return affected > 0 ? FF_OK : FF_ENOTFOUND;
}

enum ff_err
apikey_check(struct db *db, const char *key, long long *id, long *rate,
    int *revoked)
{
	unsigned char	 h[32];
	enum ff_err	 er;
	int		 rv = 0;

	*id = 0;
	*rate = -1;
	if (revoked != NULL)
		*revoked = 0;
	if (!api_key_shape(key))
		return FF_EAUTH;
	/* An equality lookup of a hash of 192 secret bits: its timing tells
	 * an attacker nothing about any stored key. */
	key_hash(key, h);
	er = db_apikey_find(db, h, id, &rv, rate);
	if (er != FF_OK && er != FF_ENOTFOUND)
		return er;
	if (er == FF_ENOTFOUND || rv) {
		if (revoked != NULL)
			*revoked = rv;
		*id = 0;
		return FF_EAUTH;
	}
	return FF_OK;
}

enum ff_err
apikey_rate_hit(struct db *db, long long id, long long win, long long *n)
{
	enum ff_err er;

	if ((er = db_api_rate_bump(db, id, win, n)) != FF_OK)
		return er;
	if (*n == 1 && db_api_rate_prune(db, id, win) != FF_OK)
		fprintf(stderr, "framefit: old rate windows of key %lld not "
		    "deleted\n", id);
	return FF_OK;
}

void
apikey_count(struct db *db, long long id, const char *metric,
    long long frame_id)
{
	/* One autocommitted statement each: the call is the event, there
	 * is no other row to be consistent with. */
	if (db_api_rollup_bump(db, id, metric, frame_id) != FF_OK)
		fprintf(stderr, "framefit: rollup %s of key %lld not bumped\n",
		    metric, id);
	if (db_api_live_bump(db, id, metric, frame_id) != FF_OK)
		fprintf(stderr, "framefit: live counter %s of key %lld not "
		    "bumped\n", metric, id);
}

/* ---- framefit apikey ---- */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: framefit apikey create NAME [--rate N]\n"
	    "       framefit apikey revoke NAME|ID\n"
	    "       framefit apikey list\n");
}

static void
utc(long long t, char out[24])
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 24, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, 24, "-");
}

static int
cmd_create(struct db *db, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	char		 key[API_KEY_LEN + 1], *end;
	long long	 id;
	long		 rate = -1;
	enum ff_err	 er;
	int		 ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'r':
			errno = 0;
			rate = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    rate < 0 || rate > 1000000) {
				fprintf(stderr, "framefit apikey: --rate must be "
				    "0..1000000 calls per minute (0: no limit)\n");
				return 2;
			}
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage();
		return 2;
	}
	if (!api_name_valid(argv[optind])) {
		fprintf(stderr, "framefit apikey: a name is 1 to %d printable "
		    "ASCII characters, not only digits, without leading or "
		    "trailing spaces\n", API_NAME_MAX);
		return 2;
	}
	if ((er = apikey_create(db, argv[optind], rate, key, &id)) != FF_OK) {
		if (er == FF_EINPUT)
			fprintf(stderr, "framefit apikey: \"%s\" already has an "
			    "active key; revoke it first\n", argv[optind]);
		else
			fprintf(stderr, "framefit apikey: create: %s\n",
			    ff_strerror(er));
		return 1;
	}
	/* The key alone on stdout, for key=$(framefit apikey create x). */
	printf("%s\n", key);
	fflush(stdout);
	OPENSSL_cleanse(key, sizeof(key));
	fprintf(stderr, "framefit apikey: key %lld \"%s\" created; it is shown "
	    "only this once\n", id, argv[optind]);
	return 0;
}

static int
cmd_revoke(struct db *db, int argc, char **argv)
{
	enum ff_err	 er;
	int		 n;

	if (argc != 2) {
		usage();
		return 2;
	}
	if ((er = apikey_revoke(db, argv[1], &n)) != FF_OK) {
		if (er == FF_ENOTFOUND)
			fprintf(stderr, "framefit apikey: no active key %s\n",
			    argv[1]);
		else
			fprintf(stderr, "framefit apikey: revoke: %s\n",
			    ff_strerror(er));
		return 1;
	}
	fprintf(stderr, "framefit apikey: %d key(s) revoked\n", n);
	return 0;
}

static int
cmd_list(struct db *db, int argc)
{
	struct apikey_row	*v;
	enum ff_err		 er;
	size_t			 i, n;
	char			 c[24], r[24], rate[24];

	if (argc != 1) {
		usage();
		return 2;
	}
	if ((er = db_apikey_list(db, &v, &n)) != FF_OK) {
		fprintf(stderr, "framefit apikey: list: %s\n", ff_strerror(er));
		return 1;
	}
	printf("%-5s %-24s %-12s %-16s %-16s %-8s %s\n", "ID", "NAME", "KEY",
	    "CREATED (UTC)", "REVOKED (UTC)", "RATE/MIN", "CALLS 24H");
	for (i = 0; i < n; i++) {
		utc(v[i].created, c);
		utc(v[i].revoked, r);
		if (v[i].rate < 0)
			snprintf(rate, sizeof(rate), "default");
		else if (v[i].rate == 0)
			snprintf(rate, sizeof(rate), "none");
		else
			snprintf(rate, sizeof(rate), "%ld", v[i].rate);
		printf("%-5lld %-24s %-12s %-16s %-16s %-8s %lld\n", v[i].id,
		    v[i].name, v[i].prefix[0] ? v[i].prefix : "-", c, r, rate,
		    v[i].calls_24h);
	}
	free(v);
	return 0;
}

int
apikey_main(int argc, char **argv)
{
	struct db	*db;
	enum ff_err	 er;
	int		 rc;

	if (argc < 2) {
		usage();
		return 2;
	}
	if (strcmp(argv[1], "create") != 0 && strcmp(argv[1], "revoke") != 0 &&
	    strcmp(argv[1], "list") != 0) {
		usage();
		return 2;
	}
	if (db_global_init() != FF_OK || (db = db_open(NULL, NULL, &er)) ==
	    NULL) {
		fprintf(stderr, "framefit apikey: cannot reach the database "
		    "(FF_DB_SOCKET, FF_DB_NAME)\n");
		return 1;
	}
	if (strcmp(argv[1], "create") == 0)
		rc = cmd_create(db, argc - 1, argv + 1);
	else if (strcmp(argv[1], "revoke") == 0)
		rc = cmd_revoke(db, argc - 1, argv + 1);
	else
		rc = cmd_list(db, argc - 1);
	db_close(db);
	return rc;
}
