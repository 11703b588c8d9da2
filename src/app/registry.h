/*
 * registry.h: the model registry, and how a running worker follows it.
 *
 * Layout of the models directory (FF_MODELS_DIR, default <datadir>/models):
 *
 *   models/                     the shipped model: face|eyes|refine .cfg
 *                               and .weights, plus an optional metrics.json
 *   models/<name>/              any other model, same files; by convention
 *                               <name> is its version, e.g. ff-0123456789ab
 *
 * A model's version is det_version() of its files ("ff-" and 12 hex digits
 * of the SHA-256 of the three weights files); the models table keeps the
 * full SHA-256, the training date (the newest weights file's mtime), the
 * metrics (metrics.json, as written by `framefit evaluate --json FILE`)
 * and the directory relative to the models directory (models.dir: '' for
 * the directory itself). registry_scan() registers what it finds there;
 * the rows themselves (struct model_row) are store/models.h's.
 *
 * One model is active (models.active = 1). Each worker follows it without
 * a restart: registry_sync(), called at the start of every request, reads
 * the change counters of sql/020_admin.sql at most every
 * REGISTRY_CHECK_S seconds (FF_MODEL_CHECK_S overrides; one indexed
 * read of two rows), and when the models count moved, or its detector
 * is not the active version, it reads the active row and loads that
 * model's directory: models.dir if set, else models/<version>/, else
 * models/ itself, taking the first whose det_version() is the one wanted.
 * The old detector is closed only once the new one is loaded, so a model
 * that fails to load leaves the worker on the one it had (logged; retried
 * after REGISTRY_RETRY_S). While no model is active the worker keeps what
 * app_det() loaded from models/. The same poll reloads the catalog cache
 * when the catalog count moved (an edit in any worker, or by SQL).
 *
 * The detections a worker records carry its model's models.id
 * (tryon_app.model_id), which registry_sync() sets on every switch.
 */
#ifndef FF_APP_REGISTRY_H
#define FF_APP_REGISTRY_H
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/models.h"

struct db;
struct detector;
struct tryon_app;

/* Seconds between two looks at the change counters, and before a model
 * that failed to load is tried again. */
#define REGISTRY_CHECK_S	2
#define REGISTRY_RETRY_S	60
/* Largest metrics.json read, bytes. */
#define REGISTRY_METRICS_MAX	(64 * 1024)

/*
 * Register every model under root (the directory itself and each
 * subdirectory named [A-Za-z0-9._-] that holds the six files) that is
 * not registered yet, by the SHA-256 of its weights. A registered model
 * without a directory gets the one it was found in. *added (may be NULL)
 * counts the new rows; log (may be NULL) gets one line per directory
 * looked at, for the admin page.
 */
enum ff_err	 registry_scan(struct db *, const char *root, int *added,
		    struct buf *log);

/*
 * Open model m's detector from root (the lookup order above). FF_EMODEL
 * when no candidate directory holds that version. The caller closes
 * *out with det_close().
 */
enum ff_err	 registry_open(const char *root, const struct model_row *m,
		    struct detector **out);

/* Follow the registry (see above); cheap when nothing changed. */
void		 registry_sync(struct tryon_app *);
/* Make the next registry_sync() look at once (after a switch made by
 * this worker). */
void		 registry_poke(void);

/* 1 if name may be a model subdirectory: [A-Za-z0-9._-]{1,64}, not "."
 * or "..". */
int		 registry_dir_valid(const char *name);

#endif
