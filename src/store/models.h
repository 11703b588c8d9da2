/*
 * models.h: the model registry's rows (table models, sql/001 and
 * sql/020) and the change counters the workers poll.
 *
 * Registering and activating a model are in records.h
 * (db_model_register(), db_model_activate(), db_model_active()); this
 * file lists and looks models up, and keeps their directory. What a
 * registry is for, and how workers follow it: src/app/registry.h.
 */
#ifndef FF_STORE_MODELS_H
#define FF_STORE_MODELS_H
#include <stddef.h>
#include "core/err.h"

struct db;

/* One registered model. */
struct model_row {
	long long	 id;
	char		 version[65];
	char		 dir[256];	/* relative to the models directory */
	int		 has_dir;	/* 0: models.dir is NULL */
	char		 sha256[65];	/* hex, lower case */
	long long	 trained_at;	/* Unix s */
	long long	 created;	/* registered, Unix s */
	int		 active;
	char		*metrics;	/* JSON text or NULL; owned */
	long long	 detections;	/* recorded with this model */
};

/* Every registered model, newest first. The caller frees the list with
 * db_models_free(). */
enum ff_err	 db_models_list(struct db *, struct model_row **, size_t *n);
/* One model by id; FF_ENOTFOUND if none. Free with db_models_free(m, 1). */
enum ff_err	 db_model_get(struct db *, long long id, struct model_row **);
void		 db_models_free(struct model_row *, size_t n);

/*
 * The model whose three weights files have this SHA-256: its id, whether
 * models.dir is NULL (*nodir) and its version. FF_ENOTFOUND if none.
 */
enum ff_err	 db_model_by_sha(struct db *, const unsigned char sha256[32],
		    long long *id, int *nodir, char version[65]);
/* Set models.dir of model id (relative to the models directory). */
enum ff_err	 db_model_set_dir(struct db *, long long id, const char *dir);

/*
 * The change counters of sql/020_admin.sql, bumped by triggers on every
 * change to the catalog and to the models; -1 for a counter that has no
 * row. FF_EDB also before sql/020 (no such table).
 */
enum ff_err	 db_change_counts(struct db *, long long *catalog,
		    long long *models);

#endif
