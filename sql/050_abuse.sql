-- 050_abuse.sql: the per-client limits on anonymous uploads (POST /tryon;
-- src/app/abuse.c over src/store/throttle.c). The workers are separate
-- processes, possibly on separate hosts, so, as for the API's keys
-- (api_rate, 030), the counts live here.
--
-- A client is an IPv4 address or an IPv6 /64 (abuse.h), as text. Both
-- tables are MEMORY: fast, and a server restart only forgives a minute.
-- MAX_ROWS bounds them whatever a crowd of addresses sends; old rows are
-- pruned as they age (throttle.h), so the bound is only reached by that
-- many distinct clients within one window.
--
-- DDL commits as it goes in MariaDB, so every statement is re-runnable.

-- Uploads per client per fixed window of 60 s (win = Unix time DIV 60,
-- the worker's clock, as api_rate), counted and read back in one atomic
-- INSERT ... ON DUPLICATE KEY UPDATE n = LAST_INSERT_ID(n + 1).
CREATE TABLE IF NOT EXISTS upload_rate (
	client		VARCHAR(48) NOT NULL,
	win		BIGINT UNSIGNED NOT NULL,
	n		BIGINT UNSIGNED NOT NULL,
	PRIMARY KEY USING BTREE (client, win),
	KEY upload_rate_win USING BTREE (win)
) ENGINE=MEMORY DEFAULT CHARSET=ascii MAX_ROWS=200000;

-- Uploads in a worker's hands now: a row from the limit's check to the
-- answer. A worker that dies mid-request leaves its row; rows older
-- than the staleness limit (abuse.h) are neither counted nor kept.
-- started is the database's clock (UNIX_TIMESTAMP()), common to all
-- hosts. The id orders the rows: a client's upload is admitted when
-- fewer than the limit of its live rows came before it.
CREATE TABLE IF NOT EXISTS upload_inflight (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	client		VARCHAR(48) NOT NULL,
	started		BIGINT UNSIGNED NOT NULL,
	PRIMARY KEY (id),
	KEY upload_inflight_client USING BTREE (client, id),
	KEY upload_inflight_started USING BTREE (started)
) ENGINE=MEMORY DEFAULT CHARSET=ascii MAX_ROWS=200000;
