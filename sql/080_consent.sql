-- 080_consent.sql: a shopper's consent to keep their photo for the shop's
-- emails (the newsletter), and batch jobs over the photos kept with it.
-- Statements: src/store/consent.c; the rules: src/store/consent.h; the
-- pages: src/app/shop.c; the purge: src/store/purge.c.
--
-- DDL commits as it goes in MariaDB, so every statement is re-runnable
-- (IF NOT EXISTS; MODIFY to the same definition is a no-op).
--
-- GDPR Art. 7(1): the shop must be able to show that the shopper agreed,
-- to what and when: the purpose, the version of the wording they saw and
-- the time are kept with the upload. Consent is per upload and optional;
-- an upload without a row here never consented. Withdrawing keeps the row
-- (withdrawn set) for as long as the photo exists; the row goes with the
-- photo (the foreign key), since once the photo is deleted there is no
-- processing left to account for. No e-mail address is stored anywhere
-- in framefit: the shop maps the upload's token to its customer.
CREATE TABLE IF NOT EXISTS upload_consents (
	upload_id	BIGINT UNSIGNED NOT NULL PRIMARY KEY,
	purpose		ENUM('newsletter') NOT NULL,
	-- The version of the text the shopper ticked (shop.c, CONSENT_WORDING).
	wording		VARCHAR(32) CHARACTER SET ascii NOT NULL,
	given		DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,	-- UTC
	withdrawn	DATETIME NULL,
	CONSTRAINT upload_consents_upload FOREIGN KEY (upload_id)
		REFERENCES uploads (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- A batch job may take its items from the opted-in uploads instead of a
-- directory or a list (`framefit batch --job NAME --frame SKU --out DIR`):
-- an item's path is then the upload's token.
ALTER TABLE batch_jobs MODIFY kind ENUM('dir','list','uploads') NOT NULL;

-- The purge finds due photos by index, never by walking the table
-- (src/store/purge.c): uploads_expires (001) for the photos past their
-- expiry, and this one for those stored before the retention or consent
-- cutoff, the expiry read from the index itself, so the photos kept with
-- consent are neither read row by row nor locked at each run.
CREATE INDEX IF NOT EXISTS uploads_created_expires ON uploads (created, expires);
