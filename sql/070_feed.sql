-- 070_feed.sql: the catalog imported from the shop's product feed
-- (Google Merchant Center format; src/feed/merchant.c, src/app/feed.c).
--
-- A feed often lacks some of a frame's measurements. Such a frame is
-- stored with those columns NULL and is flagged for staff: needs_review
-- is computed from the columns themselves, so the flag can never disagree
-- with the data, and it clears by itself when staff fill the last one in
-- on the admin's frame form. The shop's catalog leaves flagged frames out
-- (src/store/catalog.c, catalog_load()). The CHECK frames_dims still holds
-- for every value that is there: a NULL makes its own comparison unknown,
-- which a CHECK lets through, and any present value out of range is false.
--
-- Re-runnable, like the others: DDL commits as it goes in MariaDB, and
-- MODIFY and ADD ... IF NOT EXISTS can run twice.

ALTER TABLE frames
	MODIFY lens_width_mm DECIMAL(4,1) NULL,
	MODIFY lens_height_mm DECIMAL(4,1) NULL,
	MODIFY bridge_mm DECIMAL(4,1) NULL,
	MODIFY total_width_mm DECIMAL(4,1) NULL;

ALTER TABLE frames
	-- The arm, hinge to tip: the third number of "52-18-140". Kept from
	-- the feed for staff and the renderer; not needed to draw the front.
	ADD COLUMN IF NOT EXISTS temple_mm DECIMAL(4,1) NULL
		AFTER total_width_mm,
	-- The currency of price_cents (ISO 4217) as the feed gave it; NULL
	-- for frames entered by hand, in the shop's own currency.
	ADD COLUMN IF NOT EXISTS currency CHAR(3) CHARACTER SET ascii NULL
		AFTER price_cents,
	-- The feed's image_link: kept as a link, never fetched by the app.
	ADD COLUMN IF NOT EXISTS image_url VARCHAR(2000) CHARACTER SET ascii NULL
		AFTER product_url,
	ADD COLUMN IF NOT EXISTS needs_review TINYINT(1) AS
		(lens_width_mm IS NULL OR lens_height_mm IS NULL OR
		 bridge_mm IS NULL OR total_width_mm IS NULL) PERSISTENT
		AFTER active;

ALTER TABLE frames
	ADD CONSTRAINT IF NOT EXISTS frames_temple CHECK (temple_mm BETWEEN 80 AND 180),
	ADD CONSTRAINT IF NOT EXISTS frames_currency CHECK (currency REGEXP '^[A-Z]{3}$'),
	ADD CONSTRAINT IF NOT EXISTS frames_image_url CHECK (image_url LIKE 'https://%'
		OR image_url LIKE 'http://%');
