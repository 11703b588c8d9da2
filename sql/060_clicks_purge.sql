-- 060_clicks_purge.sql: a shop click counts once per try-on and frame
-- (src/store/records.c, db_click_record()), so click-through is at most
-- 100 % by construction; and the purge runs by itself.
--
-- Re-runnable, like the others: DDL commits as it goes in MariaDB.

-- Clicks counted twice before this key existed keep their row (the
-- business history) but lose the token, which the key then allows any
-- number of times (NULL is never equal to NULL in a UNIQUE key), as a
-- purged upload's clicks do already.
UPDATE clicks c
	JOIN (SELECT upload_token, frame_id, MIN(id) AS keep FROM clicks
		WHERE upload_token IS NOT NULL
		GROUP BY upload_token, frame_id HAVING COUNT(*) > 1) d
	ON c.upload_token = d.upload_token AND c.frame_id = d.frame_id
		AND c.id <> d.keep
	SET c.upload_token = NULL;

ALTER TABLE clicks
	ADD UNIQUE KEY IF NOT EXISTS clicks_once (upload_token, frame_id);

-- The purge runs by itself in the workers (src/app/purge.c, purge_tick()):
-- a run that stopped at its time budget with photos still due is
-- partial, and the next worker to look carries on without waiting for
-- the interval.
ALTER TABLE purge_runs
	ADD COLUMN IF NOT EXISTS partial TINYINT UNSIGNED NOT NULL DEFAULT 0
		AFTER started_by;
