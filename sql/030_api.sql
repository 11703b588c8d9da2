-- 030_api.sql: what the JSON API (src/app/api.c) and its keys
-- (src/app/apikey.c, `framefit apikey`) need beyond 001.
--
-- DDL commits as it goes in MariaDB, so, like 001, every statement is
-- written to be re-runnable should a run die half way.

-- Keys. Only the SHA-256 of a key is stored (001); key_prefix is its first
-- API_KEY_SHOWN characters ("ffk_" and 6 random ones, 36 bits: not enough
-- to guess the other 156), so `framefit apikey list` can tell keys apart.
-- rate_per_min overrides FF_API_RATE for one key: NULL takes the
-- workers' default, 0 means no limit.
ALTER TABLE api_keys
	ADD COLUMN IF NOT EXISTS key_prefix VARCHAR(16) CHARACTER SET ascii
		COLLATE ascii_bin NOT NULL DEFAULT '' AFTER key_hash,
	ADD COLUMN IF NOT EXISTS rate_per_min INT UNSIGNED NULL AFTER key_prefix,
	ADD KEY IF NOT EXISTS api_keys_name (name);

-- Calls per key in the aggregates. The counters of 001 gain the key as a
-- fourth part of their primary key; every existing row and every event
-- that is not an API call has api_key_id 0, so the INSERT ... ON
-- DUPLICATE KEY UPDATE n = n + 1 of records.c keeps hitting the same
-- rows and every SUM over a metric stays what it was. The API's metrics
-- are api_detect, api_tryon (frame_id = the frame), api_frames and
-- api_limited (a call refused with 429), each with the caller's key.
ALTER TABLE hourly_rollups
	ADD COLUMN IF NOT EXISTS api_key_id BIGINT UNSIGNED NOT NULL DEFAULT 0
		AFTER frame_id,
	DROP PRIMARY KEY,
	ADD PRIMARY KEY (hour, metric, frame_id, api_key_id);
ALTER TABLE live_counters
	ADD COLUMN IF NOT EXISTS api_key_id BIGINT UNSIGNED NOT NULL DEFAULT 0
		AFTER frame_id,
	DROP PRIMARY KEY,
	ADD PRIMARY KEY (minute, metric, frame_id, api_key_id);

-- The per-key rate limit: one row per key per fixed window of 60 s
-- (win = Unix time DIV 60, from the worker's clock). The FastCGI workers
-- are separate processes, possibly on separate hosts, so the count lives
-- here: each call runs one atomic
--   INSERT ... VALUES (key, win, LAST_INSERT_ID(1))
--   ON DUPLICATE KEY UPDATE n = LAST_INSERT_ID(n + 1)
-- and reads its own post-increment count back from the statement's
-- insert id, so two workers never see the same n. MEMORY: fast, and
-- losing the counts on a server restart only forgives one minute. BTREE,
-- so a key's old windows can be deleted by range.
CREATE TABLE IF NOT EXISTS api_rate (
	api_key_id	BIGINT UNSIGNED NOT NULL,
	win		BIGINT UNSIGNED NOT NULL,
	n		BIGINT UNSIGNED NOT NULL,
	PRIMARY KEY USING BTREE (api_key_id, win)
) ENGINE=MEMORY DEFAULT CHARSET=ascii;
