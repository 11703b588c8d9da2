-- 010_batch.sql: the job table and work queue of `framefit batch`
-- (its statements: src/store/batchq.c; the command: src/app/batch.h).
--
-- DDL commits as it goes in MariaDB, so, like 001, every statement is
-- written to be re-runnable (IF NOT EXISTS) should a run die half way.
--
-- A path is bytes, not text (a file name need not be UTF-8), hence
-- VARBINARY. The queue dedupes by the SHA-256 of the path, per job, so a
-- directory walked twice or a list with repeated lines queues each file
-- once; the hash is a generated column, so it can never disagree with the
-- path it stands for.
--
-- Batch photos are NOT stored: a batch item is a file the operator already
-- has, so it gets no uploads row (no copy of the bytes, no expiry, no token).
-- Its detection points at the item instead of an upload; the UNIQUE key on
-- detections.batch_item_id makes a second detection of the same item an
-- error, so "every item exactly once" is enforced by the database as well
-- as by the claiming protocol. (The link runs detection -> item, not item
-- -> detection, as upload_id does: one owner per detection, and deleting a
-- job cascades to its items and their detections.)

CREATE TABLE IF NOT EXISTS batch_jobs (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	-- --job NAME, or by default the absolute input path (bytes).
	name		VARBINARY(255) NOT NULL,
	kind		ENUM('dir','list') NOT NULL,
	-- The absolute path of the directory walked or of the list file;
	-- relative lines of a list are relative to the list's directory.
	source		VARBINARY(1024) NOT NULL,
	-- Optional try-ons: the frame drawn and where the JPEGs go.
	frame_id	BIGINT UNSIGNED NULL,
	out_dir		VARBINARY(1024) NULL,
	created		DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	-- Set once the whole input is in batch_items; until then a worker
	-- that finds the queue empty waits instead of finishing.
	loaded		DATETIME(3) NULL,
	-- Set by the first runner that sees no item queued or claimed.
	finished	DATETIME(3) NULL,
	-- The counts, written when loaded (n_items) and when finished.
	n_items		BIGINT UNSIGNED NOT NULL DEFAULT 0,
	n_done		BIGINT UNSIGNED NOT NULL DEFAULT 0,
	n_noface	BIGINT UNSIGNED NOT NULL DEFAULT 0,
	n_failed	BIGINT UNSIGNED NOT NULL DEFAULT 0,
	UNIQUE KEY batch_jobs_name (name),
	CONSTRAINT batch_jobs_frame FOREIGN KEY (frame_id)
		REFERENCES frames (id) ON DELETE RESTRICT,
	CONSTRAINT batch_jobs_tryon CHECK ((frame_id IS NULL) = (out_dir IS NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One file of a job. States: queued -> claimed -> done | noface | failed.
-- A claim is a lease: lease_until is the claim (or its last renewal) plus
-- the claimer's --lease, by the server's clock, so runners with different
-- leases can share a job. A claim past its lease_until is taken over by
-- the next worker that asks (see batch.h); attempts counts the claims,
-- and an item whose workers keep dying on it is failed as worker_lost.
CREATE TABLE IF NOT EXISTS batch_items (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	job_id		BIGINT UNSIGNED NOT NULL,
	path		VARBINARY(1024) NOT NULL,	-- absolute
	path_sha256	BINARY(32) AS (UNHEX(SHA2(path, 256))) STORED,
	state		ENUM('queued','claimed','done','noface','failed')
			NOT NULL DEFAULT 'queued',
	claimed_by	VARCHAR(255) CHARACTER SET ascii NULL,	-- host:pid
	claimed_at	DATETIME(3) NULL,		-- server time (NOW(3))
	lease_until	DATETIME(3) NULL,		-- while claimed
	attempts	SMALLINT UNSIGNED NOT NULL DEFAULT 0,
	-- Why it failed: ff_errcode() of the error (image_corrupt,
	-- unsupported_media_type, ...) or a batch reason (file_unreadable,
	-- output_unwritable, worker_lost). NULL unless failed.
	reason		VARCHAR(32) CHARACTER SET ascii NULL,
	-- Pixels of the upright image the detection's coordinates refer to.
	width		INT UNSIGNED NULL,
	height		INT UNSIGNED NULL,
	updated		DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
			ON UPDATE CURRENT_TIMESTAMP(3),
	UNIQUE KEY batch_items_path (job_id, path_sha256),
	-- Claiming reads the (job_id, 'queued') and (job_id, 'claimed',
	-- lease_until < now) ranges; the progress counts group by state.
	KEY batch_items_claim (job_id, state, lease_until),
	CONSTRAINT batch_items_job FOREIGN KEY (job_id)
		REFERENCES batch_jobs (id) ON DELETE CASCADE,
	CONSTRAINT batch_items_reason CHECK ((state = 'failed') = (reason IS NOT NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- A detection belongs to exactly one upload or one batch item.
ALTER TABLE detections
	MODIFY upload_id BIGINT UNSIGNED NULL,
	ADD COLUMN IF NOT EXISTS batch_item_id BIGINT UNSIGNED NULL AFTER upload_id,
	ADD UNIQUE KEY IF NOT EXISTS detections_batch_item (batch_item_id),
	ADD CONSTRAINT detections_batch_item FOREIGN KEY IF NOT EXISTS
		(batch_item_id) REFERENCES batch_items (id) ON DELETE CASCADE,
	ADD CONSTRAINT IF NOT EXISTS detections_one_source
		CHECK ((upload_id IS NULL) + (batch_item_id IS NULL) = 1);
