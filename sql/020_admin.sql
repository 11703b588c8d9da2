-- 020_admin.sql: what the admin reports, the model registry and the
-- retention purge need (src/app/admin.c, report.c, registry.c, purge.c).
--
-- DDL commits as it goes in MariaDB, so every statement is written to be
-- re-runnable (IF NOT EXISTS, INSERT IGNORE) should a run die half way.
--
-- Durable aggregates by trigger. The reports must survive the purge of
-- the photos they were computed from, so everything they count is also
-- counted in hourly_rollups, the anonymous table the purge keeps. The
-- store bumps 'upload', 'tryon' and 'click' itself (records.c); the
-- triggers below add what it does not split or count, whoever writes the
-- row (the web app, the API, the batch runner, an operator with SQL):
--
--   upload_form, upload_webcam,   one per uploads row, by its source
--   upload_api, upload_batch      (a batch photo has no uploads row: its
--                                 detection without an upload counts it)
--   photo                         one per detection (a photo run through
--                                 the face finder)
--   photo_face                    one per detection that found a face
--   faces                         the faces found (also in live_counters)
--
-- A trigger runs inside the writer's transaction, so a rolled-back event
-- un-counts itself in hourly_rollups; live_counters is a MEMORY table and
-- keeps its bump (a rare rollback over-counts the live view by one).
-- Creating triggers needs the TRIGGER privilege, and with binary logging
-- on also SUPER or log_bin_trust_function_creators = 1.

-- The anonymous history first, from the rows there are now (INSERT IGNORE:
-- an hour already counted is left alone, so a re-run adds nothing).
INSERT IGNORE INTO hourly_rollups (hour, metric, frame_id, n)
	SELECT DATE_FORMAT(created, '%Y-%m-%d %H:00:00'),
		CONCAT('upload_', source), 0, COUNT(*)
	FROM uploads GROUP BY 1, 2;
INSERT IGNORE INTO hourly_rollups (hour, metric, frame_id, n)
	SELECT DATE_FORMAT(created, '%Y-%m-%d %H:00:00'), 'photo', 0, COUNT(*)
	FROM detections GROUP BY 1;
INSERT IGNORE INTO hourly_rollups (hour, metric, frame_id, n)
	SELECT DATE_FORMAT(created, '%Y-%m-%d %H:00:00'), 'photo_face', 0,
		COUNT(*)
	FROM detections WHERE faces > 0 GROUP BY 1;
INSERT IGNORE INTO hourly_rollups (hour, metric, frame_id, n)
	SELECT DATE_FORMAT(created, '%Y-%m-%d %H:00:00'), 'faces', 0, SUM(faces)
	FROM detections WHERE faces > 0 GROUP BY 1;

CREATE TRIGGER IF NOT EXISTS uploads_count_source AFTER INSERT ON uploads
FOR EACH ROW
	INSERT INTO hourly_rollups (hour, metric, frame_id, n)
	VALUES (DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:00:00'),
		CONCAT('upload_', NEW.source), 0, 1)
	ON DUPLICATE KEY UPDATE n = n + 1;

CREATE TRIGGER IF NOT EXISTS detections_count AFTER INSERT ON detections
FOR EACH ROW
BEGIN
	DECLARE h DATETIME DEFAULT DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:00:00');

	INSERT INTO hourly_rollups (hour, metric, frame_id, n)
	VALUES (h, 'photo', 0, 1) ON DUPLICATE KEY UPDATE n = n + 1;
	IF NEW.upload_id IS NULL THEN
		INSERT INTO hourly_rollups (hour, metric, frame_id, n)
		VALUES (h, 'upload_batch', 0, 1) ON DUPLICATE KEY UPDATE n = n + 1;
	END IF;
	IF NEW.faces > 0 THEN
		INSERT INTO hourly_rollups (hour, metric, frame_id, n)
		VALUES (h, 'photo_face', 0, 1) ON DUPLICATE KEY UPDATE n = n + 1;
		INSERT INTO hourly_rollups (hour, metric, frame_id, n)
		VALUES (h, 'faces', 0, NEW.faces)
		ON DUPLICATE KEY UPDATE n = n + NEW.faces;
		INSERT INTO live_counters (metric, minute, frame_id, n)
		VALUES ('faces', DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:%i:00'),
			0, NEW.faces)
		ON DUPLICATE KEY UPDATE n = n + NEW.faces;
	END IF;
END;

-- Change counters: every worker polls this one small table (registry.c,
-- every few seconds) and reloads its catalog cache or its detector when
-- a count moved. Triggers bump them, so a change made by any means
-- reaches every worker without a restart.
CREATE TABLE IF NOT EXISTS change_counters (
	name		VARCHAR(32) CHARACTER SET ascii NOT NULL PRIMARY KEY,
	n		BIGINT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=ascii;
INSERT IGNORE INTO change_counters (name, n) VALUES ('catalog', 0), ('models', 0);

CREATE TRIGGER IF NOT EXISTS frames_changed_ins AFTER INSERT ON frames
FOR EACH ROW
	UPDATE change_counters SET n = n + 1 WHERE name = 'catalog';
CREATE TRIGGER IF NOT EXISTS frames_changed_upd AFTER UPDATE ON frames
FOR EACH ROW
	UPDATE change_counters SET n = n + 1 WHERE name = 'catalog';
CREATE TRIGGER IF NOT EXISTS models_changed_upd AFTER UPDATE ON models
FOR EACH ROW
	UPDATE change_counters SET n = n + 1 WHERE name = 'models';

-- Where a registered model's files are, relative to the models directory
-- (FF_MODELS_DIR): '' for the shipped model in the directory itself, or
-- the name of a subdirectory (by convention the version, e.g.
-- 'ff-0123456789ab'). NULL for a row registered by other means: the
-- worker then looks in <models>/<version>/, then in <models>/.
ALTER TABLE models
	ADD COLUMN IF NOT EXISTS dir VARCHAR(255) CHARACTER SET ascii NULL AFTER version;

-- What one purge did, beyond the two counts 001 gave it.
ALTER TABLE purge_runs
	ADD COLUMN IF NOT EXISTS finished_at DATETIME NULL AFTER ran_at,
	ADD COLUMN IF NOT EXISTS ms DOUBLE NOT NULL DEFAULT 0 AFTER finished_at,
	ADD COLUMN IF NOT EXISTS started_by VARCHAR(80) NOT NULL DEFAULT 'cli',
	ADD COLUMN IF NOT EXISTS retention_days INT UNSIGNED NULL,
	ADD COLUMN IF NOT EXISTS detections_removed INT UNSIGNED NOT NULL DEFAULT 0,
	ADD COLUMN IF NOT EXISTS tryons_removed INT UNSIGNED NOT NULL DEFAULT 0,
	ADD COLUMN IF NOT EXISTS clicks_anonymized INT UNSIGNED NOT NULL DEFAULT 0,
	ADD COLUMN IF NOT EXISTS bytes_removed BIGINT UNSIGNED NOT NULL DEFAULT 0,
	ADD COLUMN IF NOT EXISTS live_rows_removed INT UNSIGNED NOT NULL DEFAULT 0;
