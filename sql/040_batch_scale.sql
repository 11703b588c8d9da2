-- 040_batch_scale.sql: the batch queue at any size (issue 11).
-- (Its statements: src/store/batchq.c; what they guarantee: batchq.h.)
--
-- DDL commits as it goes in MariaDB, so every statement is re-runnable
-- (IF NOT EXISTS, INSERT IGNORE) should a run die half way.
--
-- Counting a job's items by state read the whole job (a million rows
-- for a million photos), and did so for every progress line, for the
-- "is anything left" test and when the job was marked loaded; under
-- REPEATABLE READ the count in the loader's UPDATE also share-locked every
-- row it read, which is how a 64 MB buffer pool filled with lock heaps.
-- The counts are kept instead: every statement that moves items between
-- states adds its deltas to batch_counts in the same transaction, so the
-- sums are exact at every commit. A job has up to 8 counter rows (shards,
-- by the session's CONNECTION_ID() % 8), so the workers of a job rarely
-- wait for each other's counter row; a reader sums at most 8 rows. A
-- shard's own numbers may be negative (an item claimed through one
-- session and stored through another): only the sums mean anything.
CREATE TABLE IF NOT EXISTS batch_counts (
	job_id		BIGINT UNSIGNED NOT NULL,
	shard		TINYINT UNSIGNED NOT NULL,
	items		BIGINT NOT NULL DEFAULT 0,	-- ever queued
	queued		BIGINT NOT NULL DEFAULT 0,
	claimed		BIGINT NOT NULL DEFAULT 0,
	done		BIGINT NOT NULL DEFAULT 0,
	noface		BIGINT NOT NULL DEFAULT 0,
	failed		BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (job_id, shard),
	CONSTRAINT batch_counts_job FOREIGN KEY (job_id)
		REFERENCES batch_jobs (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The summary's "6 failed: 4 image_corrupt, 2 unsupported_media_type"
-- and one example path per reason, kept the same way (stage 'work': n is
-- the job's failed items with that reason, updated with each of them),
-- and what the loader skipped, by kind (stage 'load': set when the job
-- is marked loaded, from the loader's complete pass over the input).
CREATE TABLE IF NOT EXISTS batch_reasons (
	job_id		BIGINT UNSIGNED NOT NULL,
	stage		ENUM('load','work') NOT NULL,
	reason		VARCHAR(32) CHARACTER SET ascii NOT NULL,
	n		BIGINT NOT NULL DEFAULT 0,
	example		VARBINARY(1024) NULL,
	PRIMARY KEY (job_id, stage, reason),
	CONSTRAINT batch_reasons_job FOREIGN KEY (job_id)
		REFERENCES batch_jobs (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Entries the loader skipped (all kinds), set with `loaded`.
ALTER TABLE batch_jobs
	ADD COLUMN IF NOT EXISTS n_skipped BIGINT UNSIGNED NOT NULL DEFAULT 0
		AFTER n_failed;

-- The retention purge looks for finished jobs by age.
ALTER TABLE batch_jobs ADD KEY IF NOT EXISTS batch_jobs_finished (finished);

-- Jobs that exist already get their counts once, here. READ COMMITTED:
-- INSERT ... SELECT at REPEATABLE READ would share-lock every row it
-- reads, the very lock heap this migration is about.
SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED;
INSERT IGNORE INTO batch_counts (job_id, shard, items, queued, claimed, done,
	noface, failed)
SELECT job_id, 0, COUNT(*), SUM(state = 'queued'), SUM(state = 'claimed'),
	SUM(state = 'done'), SUM(state = 'noface'), SUM(state = 'failed')
FROM batch_items GROUP BY job_id;
INSERT IGNORE INTO batch_reasons (job_id, stage, reason, n, example)
SELECT job_id, 'work', reason, COUNT(*), MIN(path)
FROM batch_items WHERE state = 'failed' AND reason IS NOT NULL
GROUP BY job_id, reason;
SET SESSION tx_isolation = @@GLOBAL.tx_isolation;
