-- 001_init.sql: the framefit schema.
--
-- Applied by db_migrate() (src/store/migrate.c) as one multi-statement
-- query, which then records version 1 in schema_version. DDL commits
-- implicitly in MariaDB, so every statement is written to be re-runnable
-- (IF NOT EXISTS) in case a run dies half way.
--
-- Conventions: InnoDB and utf8mb4 unless said otherwise; times are UTC
-- (the C code sets time_zone = '+00:00' on every connection); lengths of
-- real products are millimetres, image coordinates are pixels; colours are
-- 0xRRGGBB in an INT UNSIGNED. Tokens and hashes are case-sensitive bytes,
-- hence ascii_bin / BINARY.
--
-- Numbers 003 and up are free for later migrations (e.g. the batch tables).

CREATE TABLE IF NOT EXISTS schema_version (
	version		INT UNSIGNED NOT NULL PRIMARY KEY,
	name		VARCHAR(255) NOT NULL,
	applied_at	DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The catalog. Frames are retired (active = 0), never deleted, because
-- try-ons and clicks refer to them.
CREATE TABLE IF NOT EXISTS frames (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	sku		VARCHAR(32) CHARACTER SET ascii NOT NULL,
	name		VARCHAR(120) NOT NULL,
	brand		VARCHAR(60) NOT NULL,
	style		ENUM('round','rectangle','aviator','cateye','browline','rimless') NOT NULL,
	rim_rgb		INT UNSIGNED NOT NULL,
	rim_mm		DECIMAL(4,2) NOT NULL,		-- rim thickness; 0 for rimless
	tint_rgb	INT UNSIGNED NOT NULL DEFAULT 0xFFFFFF,
	tint_opacity	DECIMAL(3,2) NOT NULL DEFAULT 0.00,	-- 0 clear .. 1 opaque
	lens_width_mm	DECIMAL(4,1) NOT NULL,
	lens_height_mm	DECIMAL(4,1) NOT NULL,
	bridge_mm	DECIMAL(4,1) NOT NULL,
	total_width_mm	DECIMAL(4,1) NOT NULL,
	price_cents	INT UNSIGNED NOT NULL,
	active		TINYINT(1) NOT NULL DEFAULT 1,
	product_url	VARCHAR(511) CHARACTER SET ascii NOT NULL,
	artwork_png	MEDIUMBLOB NULL,		-- optional PNG with alpha
	created		DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	updated		DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
	UNIQUE KEY frames_sku (sku),
	KEY frames_active_style (active, style),
	CONSTRAINT frames_sku_chars CHECK (sku REGEXP '^[A-Za-z0-9-]{1,32}$'),
	-- Bytes, not characters: struct frame (src/render/frame.h) holds
	-- name[121] and brand[61].
	CONSTRAINT frames_text_bytes CHECK (LENGTH(name) BETWEEN 1 AND 120
		AND LENGTH(brand) BETWEEN 1 AND 60),
	CONSTRAINT frames_rgb CHECK (rim_rgb <= 0xFFFFFF AND tint_rgb <= 0xFFFFFF),
	CONSTRAINT frames_opacity CHECK (tint_opacity BETWEEN 0 AND 1),
	CONSTRAINT frames_rim CHECK (rim_mm BETWEEN 0 AND 20),
	CONSTRAINT frames_dims CHECK (lens_width_mm BETWEEN 20 AND 90
		AND lens_height_mm BETWEEN 10 AND 80
		AND bridge_mm BETWEEN 5 AND 40
		AND total_width_mm BETWEEN 80 AND 200),
	CONSTRAINT frames_active01 CHECK (active IN (0, 1)),
	CONSTRAINT frames_price CHECK (price_cents <= 100000000),
	CONSTRAINT frames_url CHECK (product_url LIKE 'https://%' OR product_url LIKE 'http://%')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Photos. The token is the only handle a user ever sees: 32 characters of
-- base64url (RFC 4648 §5) from 24 random bytes. Rows expire and are purged;
-- deleting one cascades to everything derived from it.
CREATE TABLE IF NOT EXISTS uploads (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	token		CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	sha256		BINARY(32) NOT NULL,
	mime		VARCHAR(32) CHARACTER SET ascii NOT NULL,
	width		INT UNSIGNED NOT NULL,		-- pixels, upright
	height		INT UNSIGNED NOT NULL,
	bytes		LONGBLOB NOT NULL,
	source		ENUM('form','webcam','api','batch') NOT NULL,
	created		DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	expires		DATETIME NOT NULL,
	UNIQUE KEY uploads_token (token),
	KEY uploads_sha256 (sha256),
	KEY uploads_expires (expires),
	CONSTRAINT uploads_token_chars CHECK (token REGEXP '^[A-Za-z0-9_-]{32}$')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Trained detector weights. active is 1 or NULL: the UNIQUE key then
-- allows at most one active model, and db_model_activate() swaps it in one
-- transaction so there is always exactly one once any is activated.
CREATE TABLE IF NOT EXISTS models (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	version		VARCHAR(64) CHARACTER SET ascii NOT NULL,
	sha256		BINARY(32) NOT NULL,
	trained_at	DATETIME NOT NULL,
	metrics		JSON NULL,
	active		TINYINT(1) NULL DEFAULT NULL,
	created		DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	UNIQUE KEY models_version (version),
	UNIQUE KEY models_one_active (active),
	CONSTRAINT models_active1 CHECK (active IS NULL OR active = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One detector run on one upload. model_id is NULL when no model was
-- registered (development, tests).
CREATE TABLE IF NOT EXISTS detections (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	upload_id	BIGINT UNSIGNED NOT NULL,
	model_id	BIGINT UNSIGNED NULL,
	faces		INT UNSIGNED NOT NULL,
	ms		DOUBLE NOT NULL,		-- detector wall time
	created		DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	KEY detections_created (created),
	CONSTRAINT detections_upload FOREIGN KEY (upload_id)
		REFERENCES uploads (id) ON DELETE CASCADE,
	CONSTRAINT detections_model FOREIGN KEY (model_id)
		REFERENCES models (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The faces of a detection, in pixels of the upright image. "Left eye" is
-- the eye nearer the image's left edge (the person's right eye), as in
-- src/vision/geometry.h.
CREATE TABLE IF NOT EXISTS detection_faces (
	detection_id	BIGINT UNSIGNED NOT NULL,
	idx		SMALLINT UNSIGNED NOT NULL,	-- 0 = best score
	score		FLOAT NOT NULL,
	box_x		FLOAT NOT NULL,
	box_y		FLOAT NOT NULL,
	box_w		FLOAT NOT NULL,
	box_h		FLOAT NOT NULL,
	left_eye_x	FLOAT NOT NULL,
	left_eye_y	FLOAT NOT NULL,
	right_eye_x	FLOAT NOT NULL,
	right_eye_y	FLOAT NOT NULL,
	PRIMARY KEY (detection_id, idx),
	CONSTRAINT detection_faces_detection FOREIGN KEY (detection_id)
		REFERENCES detections (id) ON DELETE CASCADE,
	CONSTRAINT detection_faces_score CHECK (score BETWEEN 0 AND 1),
	CONSTRAINT detection_faces_box CHECK (box_w >= 0 AND box_h >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One rendered try-on, with the stage timings (milliseconds) for the
-- latency reports.
CREATE TABLE IF NOT EXISTS tryons (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	upload_id	BIGINT UNSIGNED NOT NULL,
	frame_id	BIGINT UNSIGNED NOT NULL,
	decode_ms	DOUBLE NOT NULL DEFAULT 0,
	detect_ms	DOUBLE NOT NULL DEFAULT 0,
	render_ms	DOUBLE NOT NULL DEFAULT 0,
	store_ms	DOUBLE NOT NULL DEFAULT 0,
	created		DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	KEY tryons_created (created),
	KEY tryons_frame_created (frame_id, created),
	CONSTRAINT tryons_upload FOREIGN KEY (upload_id)
		REFERENCES uploads (id) ON DELETE CASCADE,
	CONSTRAINT tryons_frame FOREIGN KEY (frame_id)
		REFERENCES frames (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Shop click-throughs. Deleting the photo nulls the token: the click stays
-- in the business history but no longer points at a person.
CREATE TABLE IF NOT EXISTS clicks (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	frame_id	BIGINT UNSIGNED NOT NULL,
	upload_token	CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
	created		DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	KEY clicks_frame_created (frame_id, created),
	CONSTRAINT clicks_frame FOREIGN KEY (frame_id)
		REFERENCES frames (id) ON DELETE RESTRICT,
	CONSTRAINT clicks_upload FOREIGN KEY (upload_token)
		REFERENCES uploads (token) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Real-time counts per minute. MEMORY: fast, lost on restart, and NOT
-- transactional, so the C code writes it after the commit. frame_id 0
-- means "no frame" (the column is part of the key, so it cannot be NULL).
CREATE TABLE IF NOT EXISTS live_counters (
	metric		VARCHAR(32) CHARACTER SET ascii NOT NULL,
	minute		DATETIME NOT NULL,
	frame_id	BIGINT UNSIGNED NOT NULL DEFAULT 0,
	n		BIGINT UNSIGNED NOT NULL DEFAULT 0,
	PRIMARY KEY (minute, metric, frame_id)
) ENGINE=MEMORY DEFAULT CHARSET=ascii;

-- Durable hourly counts, bumped with INSERT ... ON DUPLICATE KEY UPDATE
-- n = n + 1 in the same transaction as the event row. frame_id 0 as above.
CREATE TABLE IF NOT EXISTS hourly_rollups (
	hour		DATETIME NOT NULL,		-- truncated to the hour, UTC
	metric		VARCHAR(32) CHARACTER SET ascii NOT NULL,
	frame_id	BIGINT UNSIGNED NOT NULL DEFAULT 0,
	n		BIGINT UNSIGNED NOT NULL DEFAULT 0,
	PRIMARY KEY (hour, metric, frame_id),
	KEY hourly_rollups_metric (metric, hour)
) ENGINE=InnoDB DEFAULT CHARSET=ascii;

-- API keys: only the SHA-256 of the key is stored.
CREATE TABLE IF NOT EXISTS api_keys (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	name		VARCHAR(80) NOT NULL,
	key_hash	BINARY(32) NOT NULL,
	created		DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	revoked		DATETIME NULL,
	UNIQUE KEY api_keys_hash (key_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One row per run of the expiry purge.
CREATE TABLE IF NOT EXISTS purge_runs (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	ran_at		DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	uploads_removed	INT UNSIGNED NOT NULL DEFAULT 0,
	rows_removed	INT UNSIGNED NOT NULL DEFAULT 0,
	KEY purge_runs_ran_at (ran_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
