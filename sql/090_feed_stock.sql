-- 090_feed_stock.sql: what the shop's product feed says beside the
-- price (src/feed/merchant.c, src/app/feed.c; docs/ADMIN.md "Import
-- feed"): the availability, and a sale price with its optional window.
--
-- The feed owns these columns as it owns the price: every import sets
-- them (NULL when the feed leaves them out), staff's form never does.
-- An out-of-stock frame stays in the shop and can be tried on; the shop
-- says "Out of stock" beside it (src/app/app.c, app_frame_obj()).
-- Whether a frame is on sale at all stays staff's (active).
--
-- The sale's window is UTC (the connection's time_zone, src/store/db.c);
-- the workers compare it with the clock on every page, so a sale starts
-- and ends on time between two imports. The rule that a sale is below
-- the price in the same currency is the catalog's
-- (catalog_validate_row()); it is not a CHECK here, so that staff
-- lowering a price on the form is never refused by a sale they cannot
-- see there: the shop shows only a sale below the price.
--
-- Re-runnable: ADD ... IF NOT EXISTS.

ALTER TABLE frames
	ADD COLUMN IF NOT EXISTS availability ENUM('in_stock', 'out_of_stock',
		'preorder', 'backorder') CHARACTER SET ascii NULL AFTER active,
	ADD COLUMN IF NOT EXISTS sale_price_cents INT UNSIGNED NULL
		AFTER currency,
	ADD COLUMN IF NOT EXISTS sale_from DATETIME NULL
		AFTER sale_price_cents,
	ADD COLUMN IF NOT EXISTS sale_until DATETIME NULL
		AFTER sale_from;

ALTER TABLE frames
	ADD CONSTRAINT IF NOT EXISTS frames_sale CHECK (sale_price_cents
		BETWEEN 1 AND 100000000),
	ADD CONSTRAINT IF NOT EXISTS frames_sale_window CHECK (sale_until >
		sale_from);
