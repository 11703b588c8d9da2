/*
 * batch.h: `framefit batch`, the detector over whole photo libraries.
 *
 *   framefit batch [--job NAME] [--jobs N] [--models DIR] [--size N]
 *                  [--frame SKU --out DIR] [--lease SECONDS] [--claim N]
 *                  [--max-attempts N] [--retry-failed] [--max-rate N]
 *                  [--no-yield] [--progress | --no-progress] [INPUT]
 *   framefit batch --delete NAME
 *
 * Scale, yielding, bad input and deleting jobs: docs/SCALING.md section 7.
 * In short: no statement reads, counts or locks a whole job (the counts
 * are kept: store/batchq.h); workers run at nice 19 and I/O best-effort 7
 * unless --no-yield; --max-rate N caps this run's photos/s; a list with a
 * NUL byte in its first 64 KB is NUL-separated (find -print0); --delete
 * removes a job no runner works on, in small transactions.
 *
 * INPUT is a directory (walked with nftw(3); regular files and symlinks
 * to regular files, every one of them, whatever its name) or a file that
 * lists paths, one per line (blank lines skipped; a relative path is
 * relative to the list's directory). Every path is stored absolute.
 *
 * Jobs. A job is a row of batch_jobs named by --job NAME, by default the
 * absolute path of INPUT, so running the same command again resumes the
 * same job, and `framefit batch --job NAME` with no INPUT joins an existing
 * one (e.g. from another host). The input is loaded into batch_items once:
 * streamed, 1000 rows a statement, deduplicated by the SHA-256 of the
 * path per job (the queue's statements: store/batchq.h). One runner loads
 * while the others wait for it (a named lock; if the loader dies, the
 * lock dies with its session and the next runner loads again, skipping
 * the rows already there). Files added to a directory after it was loaded
 * are not seen: use a new job.
 * With --frame SKU --out DIR every photo with a drawable face is also
 * written as a try-on JPEG under DIR, mirroring its path below INPUT (or
 * below the list's directory); a .jpg/.jpeg name is kept, any other name
 * gets ".jpg" appended. A job remembers its frame and output folder.
 *
 * The newsletter. With --frame SKU --out DIR and no INPUT, a job that
 * does not exist yet is made over the uploads kept with the shopper's
 * consent (store/consent.h): loaded from their ids in pages, each item
 * an upload's token, and each drawn on the stored photo with its stored
 * detection into DIR/TOKEN.jpg (written through a temporary name; one
 * there already is not written again). The consent is checked again when
 * the item is drawn: an item whose consent was withdrawn, whose consent
 * period ended or whose photo is gone is skipped (failed with the reason
 * consent_withdrawn, consent_expired or photo_gone, which the summary
 * counts as skipped). No detection is stored for these items.
 *
 * Claiming. A worker claims up to --claim (16) items at a time with a
 * locking read that skips the rows others have locked, in its own short
 * transaction, so any number of workers on any number of hosts share one
 * job and no item is handed to two live workers. A claim is a lease of
 * --lease (300) seconds, timed by the server's clock and written in the
 * row (lease_until), so runners with different leases can share a job: a
 * worker renews the claims it still holds every lease/3 seconds, and a
 * claim past its lease (its worker died or hangs) is taken over by the
 * next worker that asks.
 * Renewals happen between photos, so keep the lease well above the time
 * one photo takes (a lease that runs out mid-photo wastes the work; it
 * never doubles it). A result is written only if the item is still
 * claimed by this worker in this very attempt, in one transaction with
 * its detection, and detections has a UNIQUE key on the item: a slow
 * worker that lost its lease cannot store a second result. An item whose
 * claims keep dying (--max-attempts, 3) is failed as worker_lost, so a
 * file that crashes the decoder cannot stall a job. On SIGINT or SIGTERM
 * a worker finishes its photo, stores what it has and puts its other
 * claims back in the queue, not counted as attempts.
 *
 * Results. A photo whose detector found at least one face is "done", one
 * with none is "noface"; both get a detections row (batch_item_id set,
 * upload_id NULL: batch photos are not copied into the database) with
 * its detection_faces, in pixels of the upright photo (batch_items.width
 * and height). A photo that cannot be processed is "failed" with a reason:
 * ff_errcode() of the error (unsupported_media_type, image_corrupt,
 * image_too_large, too_large, ...) or one of
 *     file_unreadable     the file is missing or cannot be read
 *     output_unwritable   the try-on JPEG could not be written
 *     worker_lost         --max-attempts workers died holding it
 * Failed items stay failed; --retry-failed queues them again.
 *
 * Detector. --models DIR holds face|eyes|refine .cfg/.weights (default
 * $FF_MODELS_DIR, else FF_DATADIR/models); --size N sets the face
 * network's input (a multiple of 32; default the cfg's): larger finds
 * smaller faces, and costs time. Coordinates are pixels of the photo
 * whatever the size.
 *
 * Processes. --jobs N (default 1) forks N workers, each with its own
 * detector and database connection, opened after the fork. The process
 * started, the runner, loads the input meanwhile and shows the progress:
 * a bar with the rate and the ETA when stderr is a terminal, else a log
 * line every 5 seconds; the counts are the whole job's, all hosts
 * included. A worker killed by a signal (a crash on some file) is
 * replaced, up to 10 times a run; its claims come back after their lease.
 * If the runner dies, its workers stop cleanly. --jobs 0 only loads the
 * job (and prints its state), for workers elsewhere to process.
 *
 * Output. The summary goes to stdout:
 *     job NAME: finished: 60 items: 50 done, 4 no face, 6 failed: 4 image_corrupt, 2 unsupported_media_type
 *     this run: 31 photos in 4.2 s, 7.4 photos/s, 2 workers
 * followed by one example path per failure reason.
 *
 * Exit status: 0 when the job is finished (failed items included), 1 when
 * it is not (interrupted, a worker or the database failed), 2 for usage.
 *
 * Environment: FF_DB_* (store/db.h); FF_MODELS_DIR (default
 * FF_DATADIR/models); FF_SQL_DIR (default FF_DATADIR/sql), whose
 * migrations are applied first unless FF_MIGRATE=0.
 */
#ifndef FF_APP_BATCH_H
#define FF_APP_BATCH_H
#include "store/batchq.h"

/* Paths one statement of the loader carries. */
#define BATCH_LOAD_ROWS		BATCHQ_LOAD_ROWS
/* Defaults of --claim, --lease and --max-attempts. */
#define BATCH_CLAIM		16
#define BATCH_LEASE_S		300
#define BATCH_MAX_ATTEMPTS	3
/* Longest path batch_items.path holds, bytes; longer ones are skipped
 * (and counted) by the loader. */
#define BATCH_PATH_MAX		BATCHQ_PATH_MAX

/*
 * The subcommand: argv[0] is "batch", the rest its options and INPUT.
 * Returns the process exit status (above). Call it from main() of a
 * single-threaded process: it forks.
 */
int	batch_main(int argc, char **argv);

#endif
