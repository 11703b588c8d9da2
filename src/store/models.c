/*
 * models.c: the model registry's rows and the change counters (see
 * models.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/db.h"
#include "store/models.h"

static void
copy_col(const struct db_rows *r, unsigned col, char *out, size_t size)
{
	const char	*s;
	size_t		 len;

	out[0] = '\0';
	if ((s = db_col_text(r, col, &len)) != NULL && len < size)
		memcpy(out, s, len + 1);
}

static enum ff_err
list_rows(struct db_rows *r, struct model_row **out, size_t *n)
{
	struct model_row	*m = NULL;
	const char		*s;
	size_t			 cap = 0, len, i;
	int			 rc;

	*out = NULL;
	*n = 0;
	while ((rc = db_rows_next(r)) == 1) {
		struct model_row *x;

		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			m = xreallocarray(m, cap, sizeof(*m));
		}
		x = &m[(*n)++];
		memset(x, 0, sizeof(*x));
		x->id = db_col_int(r, 0);
		copy_col(r, 1, x->version, sizeof(x->version));
		x->has_dir = !db_col_null(r, 2);
		copy_col(r, 2, x->dir, sizeof(x->dir));
		copy_col(r, 3, x->sha256, sizeof(x->sha256));
		for (i = 0; x->sha256[i] != '\0'; i++)
			if (x->sha256[i] >= 'A' && x->sha256[i] <= 'F')
				x->sha256[i] += 'a' - 'A';
		x->trained_at = db_col_int(r, 4);
		x->created = db_col_int(r, 5);
		x->active = db_col_int(r, 6) == 1;
		if ((s = db_col_text(r, 7, &len)) != NULL)
			x->metrics = xstrndup(s, len);
		x->detections = db_col_int(r, 8);
	}
	if (rc < 0) {
		db_models_free(m, *n);
		*n = 0;
		return FF_EDB;
	}
	*out = m;
	return FF_OK;
}

#define MODEL_COLS "id, version, dir, HEX(sha256), UNIX_TIMESTAMP(trained_at), " \
	"UNIX_TIMESTAMP(created), COALESCE(active, 0), metrics, (SELECT " \
	"COUNT(*) FROM detections d WHERE d.model_id = models.id)"

enum ff_err
db_models_list(struct db *db, struct model_row **out, size_t *n)
{
	struct db_rows	*r;
	enum ff_err	 er;

	*out = NULL;
	*n = 0;
	if ((er = db_query(db, "SELECT " MODEL_COLS " FROM models ORDER BY id "
	    "DESC", NULL, 0, &r)) != FF_OK)
		return er;
	er = list_rows(r, out, n);
	db_rows_free(r);
	return er;
}

enum ff_err
db_model_get(struct db *db, long long id, struct model_row **out)
{
	struct db_arg	 a = DB_INT(id);
	struct db_rows	*r;
	enum ff_err	 er;
	size_t		 n;

	*out = NULL;
	if ((er = db_query(db, "SELECT " MODEL_COLS " FROM models WHERE id = ?",
	    &a, 1, &r)) != FF_OK)
		return er;
	er = list_rows(r, out, &n);
	db_rows_free(r);
	if (er == FF_OK && n == 0)
		er = FF_ENOTFOUND;
	return er;
}

void
db_models_free(struct model_row *m, size_t n)
{
	size_t i;

	for (i = 0; m != NULL && i < n; i++)
		free(m[i].metrics);
	free(m);
}

enum ff_err
db_model_by_sha(struct db *db, const unsigned char sha256[32], long long *id,
    int *nodir, char version[65])
{
	struct db_arg	 a = DB_BLOB(sha256, 32);
	struct db_rows	*r;
	enum ff_err	 er;
	int		 rc;

	*id = 0;
	*nodir = 0;
	version[0] = '\0';
	if ((er = db_query(db, "SELECT id, dir IS NULL, version FROM models "
	    "WHERE sha256 = ?", &a, 1, &r)) != FF_OK)
		return er;
	if ((rc = db_rows_next(r)) == 1) {
		*id = db_col_int(r, 0);
		*nodir = db_col_int(r, 1) != 0;
		copy_col(r, 2, version, 65);
	}
	db_rows_free(r);
	if (rc < 0)
		return FF_EDB;
	return rc == 1 ? FF_OK : FF_ENOTFOUND;
}

enum ff_err
db_model_set_dir(struct db *db, long long id, const char *dir)
{
	struct db_arg a[2] = { DB_TEXT(dir), DB_INT(id) };

	return db_exec(db, "UPDATE models SET dir = ? WHERE id = ?", a, 2,
	    NULL, NULL);
}

enum ff_err
db_change_counts(struct db *db, long long *catalog, long long *models)
{
	struct db_rows	*r;
	const char	*name;
	enum ff_err	 er;
	int		 rc;

	*catalog = *models = -1;
	if ((er = db_query(db, "SELECT name, n FROM change_counters", NULL, 0,
	    &r)) != FF_OK)
		return er;
	while ((rc = db_rows_next(r)) == 1) {
		if ((name = db_col_text(r, 0, NULL)) == NULL)
			continue;
		if (strcmp(name, "catalog") == 0)
			*catalog = db_col_int(r, 1);
		else if (strcmp(name, "models") == 0)
			*models = db_col_int(r, 1);
	}
	db_rows_free(r);
	return rc < 0 ? FF_EDB : FF_OK;
}
