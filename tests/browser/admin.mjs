/*
 * admin.mjs: the staff pages in headless Chromium (issue 14), behind the
 * stack's basic auth (tests/integration/lib.sh exports FF_ADMIN_USER and
 * FF_ADMIN_PASSWORD; scripts/web.sh writes them into the htpasswd file).
 *
 *   (a) the catalog form refuses an impossible frame (52 mm lenses, an
 *       18 mm bridge, 90 mm in all): 422, the message beside the total
 *       width saying what it should be near, every typed value kept, no
 *       row; corrected, the same form adds the frame;
 *   (b) an admin 404 (a frame that does not exist, an admin page that
 *       does not exist) is drawn in the admin's layout, and its button
 *       leads back into the admin, not to the shop;
 *   (c) a phone, 390 x 844: on every admin page (reports with data,
 *       catalog, the new and the edit form, the refused form, models,
 *       the comparison, retention, the 404, the feed import with its
 *       report and its flagged frames, a flagged frame's form) the
 *       document is no wider than the viewport, and the navigation's
 *       links are all on screen.
 *
 * Each case runs in its own browser; screenshots go to $FF_ARTIFACTS.
 */
import { base, check, env, eq, launch, noProblems, runCases, shot, sql, submitTryon } from './lib.mjs';

const PHONE = { width: 390, height: 844 };
const user = env.FF_ADMIN_USER ?? 'admin';
const password = env.FF_ADMIN_PASSWORD ?? '';
const auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

/* A browser that is signed in to the admin. */
async function adminBrowser(name) {
	const b = await launch(name, []);
	await b.page.setExtraHTTPHeaders({ Authorization: auth });
	return b;
}

/* Fill the new-frame form; sizes: [lens width, lens height, bridge, total]. */
async function fillFrame(page, sku, sizes) {
	await page.fill('input[name="sku"]', sku);
	await page.fill('input[name="name"]', 'Browser Test Browline');
	await page.fill('input[name="brand"]', 'Test Optical');
	await page.selectOption('select[name="style"]', 'browline');
	await page.fill('input[name="lens_width_mm"]', sizes[0]);
	await page.fill('input[name="lens_height_mm"]', sizes[1]);
	await page.fill('input[name="bridge_mm"]', sizes[2]);
	await page.fill('input[name="total_width_mm"]', sizes[3]);
	await page.fill('input[name="price"]', '119.00');
	await page.fill('input[name="product_url"]', `https://shop.example/frames/${sku}`);
}

/*
 * Chromium logs every 4xx page it loads as a console error. The pages
 * this test expects to be 4xx (their status is checked) are no problem:
 * take out one such line for each of them, and no more, so a missing
 * style sheet or image still fails.
 */
function expected(b, statuses) {
	for (const st of statuses) {
		const i = b.problems.findIndex((p) =>
		    p.startsWith(`console: Failed to load resource: the server responded with a status of ${st} `));
		if (i >= 0)
			b.problems.splice(i, 1);
	}
}

/* Submit the form on the page; the status of the answer to its POST. */
async function submitForm(page, selector) {
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.request().method() === 'POST'),
		page.click(selector),
	]);
	await page.waitForLoadState('load');
	return resp.status();
}

/* ---- (a) The impossible frame ---- */

const SKU = 'FF-BRW-5218-TST';

async function caseImpossibleFrame() {
	const b = await adminBrowser('admin-form');
	const { page } = b;
	try {
		const r = await page.goto(`${base}admin/catalog/new`);
		eq('form: GET /admin/catalog/new is 200', r.status(), 200);
		await fillFrame(page, SKU, ['52', '40', '18', '90']);
		eq('form: the impossible frame is refused (422)',
		    await submitForm(page, 'form.form-grid button[type="submit"]'), 422);
		const msg = page.locator('#err-total_width_mm');
		check('form: a message beside the total width', await msg.isVisible());
		const text = (await msg.textContent()).trim();
		check('form: it names the wrong number and what it should be near',
		    /^The total width is 90 mm, too narrow .* two 52 mm lenses and an 18 mm bridge .* It should be near 140 mm \(126 to 162 mm\)\.$/.test(text),
		    `says "${text}"`);
		/* Beside the field: in its label, right after the input. */
		eq('form: the message is in the total width\'s label',
		    await msg.evaluate((el) => el.closest('label')?.querySelector('input')?.name), 'total_width_mm');
		eq('form: the input is marked invalid',
		    await page.getAttribute('input[name="total_width_mm"]', 'aria-invalid'), 'true');
		eq('form: the input is described by the message',
		    await page.getAttribute('input[name="total_width_mm"]', 'aria-describedby'), 'err-total_width_mm');
		eq('form: no other field has a message', await page.locator('.field-error').count(), 1);
		const kept = await page.$$eval('form.form-grid input, form.form-grid select', (els) =>
		    Object.fromEntries(els.filter((e) => e.name && e.name !== 'csrf')
		        .map((e) => [e.name, e.type === 'checkbox' ? e.checked : e.value])));
		eq('form: the typed values are kept',
		    JSON.stringify([kept.sku, kept.name, kept.brand, kept.style, kept.lens_width_mm,
		        kept.lens_height_mm, kept.bridge_mm, kept.total_width_mm, kept.price, kept.product_url]),
		    JSON.stringify([SKU, 'Browser Test Browline', 'Test Optical', 'browline', '52', '40',
		        '18', '90', '119.00', `https://shop.example/frames/${SKU}`]));
		check('form: the summary at the top says where to look',
		    /One field needs a change/.test(await page.textContent('#form-error')));
		check('form: still in the admin', await page.locator('nav.admin-nav').isVisible());
		eq('form: no row for the refused frame', sql(`SELECT COUNT(*) FROM frames WHERE sku = '${SKU}'`), '0');
		await shot(page, 'form-refused');

		/* "In the shop", not "On sale": next to the feed's sale prices
		 * staff read "on sale" as discounted. */
		check('form: the box says "In the shop (shown to shoppers)"',
		    /In the shop \(shown to shoppers\)/.test(await page.textContent('form.form-grid label.check')));
		check('form: nothing says "On sale"', !/On sale/i.test(await page.textContent('form.form-grid')));
		/* Corrected on the same page, it goes in, with a decimal comma
		 * as the shopper's PD field takes it. */
		await page.fill('input[name="lens_width_mm"]', '52,5');
		await page.fill('input[name="total_width_mm"]', '140,5');
		eq('form: the corrected frame is added (303)',
		    await submitForm(page, 'form.form-grid button[type="submit"]'), 303);
		eq('form: back on the catalog', new URL(page.url()).pathname, '/admin/catalog/');
		eq('form: the row', sql(`SELECT CONCAT_WS(' ', lens_width_mm + 0e0, bridge_mm + 0e0, total_width_mm + 0e0) FROM frames WHERE sku = '${SKU}'`),
		    '52.5 18 140.5');
		expected(b, [422]);
		noProblems(b, 'form');
	} finally {
		await b.done();
	}
}

/* ---- (b) Admin errors stay in the admin ---- */

async function caseAdminNotFound() {
	const b = await adminBrowser('admin-404');
	const { page } = b;
	try {
		for (const [path, back, label] of [
			['admin/catalog/FF-NO-SUCH-FRAME', '/admin/catalog/', 'Back to the catalog'],
			['admin/no/such/page', '/admin/', 'Back to the reports'],
		]) {
			const r = await page.goto(`${base}${path}`);
			eq(`404 ${path}: the status`, r.status(), 404);
			check(`404 ${path}: the admin's layout`, await page.locator('nav.admin-nav').isVisible());
			check(`404 ${path}: signed in as ${user}`,
			    (await page.textContent('.admin-user').catch(() => '')).includes(user));
			eq(`404 ${path}: the heading`, (await page.textContent('h1')).trim(), 'Not found');
			eq(`404 ${path}: the button leads back into the admin`,
			    await page.getAttribute('#back', 'href'), back);
			eq(`404 ${path}: its words`, (await page.textContent('#back')).trim(), label);
			eq(`404 ${path}: no button to the shop's try-on`,
			    await page.locator('main a[href="/"]').count(), 0);
			await shot(page, `404-${path.split('/')[1]}`);
			const [resp] = await Promise.all([
				page.waitForNavigation(),
				page.click('#back'),
			]);
			eq(`404 ${path}: the button's page is 200`, resp.status(), 200);
			eq(`404 ${path}: and it is the admin's`, new URL(page.url()).pathname, back);
		}
		expected(b, [404, 404]);
		noProblems(b, '404');
	} finally {
		await b.done();
	}
}

/* ---- (c) A phone ---- */

/* What sticks out of a page wider than the viewport. */
async function wideOnes(page) {
	return page.evaluate((w) => [...document.querySelectorAll('body *')]
	    .filter((e) => e.getBoundingClientRect().right > w + 0.5)
	    .filter((e) => !e.closest('.table-scroll'))
	    .slice(0, 6)
	    .map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\s+/g, '.') : ''} (${Math.round(e.getBoundingClientRect().right)} px)`)
	    .join(', '), PHONE.width);
}

async function casePhone() {
	/* Data for the reports and the comparison: one try-on. */
	const s = await launch('admin-seed', []);
	try {
		await s.page.goto(base);
		await s.page.setInputFiles('#photo', env.FF_SELFIE);
		await submitTryon(s, 'phone seed');
	} finally {
		await s.done();
	}
	/* The comparison needs registered models (one is compared with
	 * itself); with none, its 400 (in the admin's layout) is the page
	 * to check. */
	const ids = sql('SELECT id FROM models ORDER BY id').split('\n').filter(Boolean);
	const two = ids.length >= 1;
	console.log(`# registered models: ${ids.length}`);
	const sku = sql("SELECT sku FROM frames WHERE active = 1 ORDER BY id LIMIT 1");
	/* A frame the feed gave without sizes (flagged), with a long name
	 * for the import page's table. */
	sql("INSERT IGNORE INTO frames (sku, name, brand, style, rim_rgb, rim_mm, tint_rgb, tint_opacity, price_cents, currency, product_url) " +
	    "VALUES ('FF-FLAG-PHONE', 'Imported Extra Wide Rectangle With A Rather Long Product Title', 'Test Optical', 'rectangle', " +
	    "1710618, 4, 16777215, 0, 12900, 'EUR', 'https://shop.example/frames/FF-FLAG-PHONE')");
	const day = (d) => new Date(Date.now() - d * 86400e3).toISOString().slice(0, 10);
	const b = await adminBrowser('admin-phone');
	const { page } = b;
	try {
		await page.setViewportSize(PHONE);
		const pages = [
			['reports', 'admin/', 200],
			['reports-range', `admin/?from=${day(6)}&to=${day(0)}`, 200],
			['catalog', 'admin/catalog/', 200],
			['new-frame', 'admin/catalog/new', 200],
			['edit-frame', `admin/catalog/${sku}`, 200],
			['models', 'admin/models/', 200],
			two ? ['compare', `admin/models/compare?a=${ids[0]}&b=${ids[ids.length - 1]}&n=10`, 200] :
			    ['compare-no-model', 'admin/models/compare?a=1&b=1', 400],
			['retention', 'admin/retention/', 200],
			['not-found', 'admin/catalog/FF-NO-SUCH-FRAME', 404],
			['import', 'admin/catalog/import/', 200],
			['edit-flagged', 'admin/catalog/FF-FLAG-PHONE', 200],
		];
		for (const [name, path, status] of pages) {
			const r = await page.goto(`${base}${path}`);
			eq(`phone ${name}: ${r.status()}`, r.status(), status);
			await checkPhone(page, name);
		}
		/* The refused form, on the phone. */
		await page.goto(`${base}admin/catalog/new`);
		await fillFrame(page, 'FF-PHONE-1', ['52', '40', '18', '90']);
		eq('phone refused form: 422', await submitForm(page, 'form.form-grid button[type="submit"]'), 422);
		await checkPhone(page, 'refused-form');
		check('phone refused form: the message is on screen and as wide as the form at most',
		    await page.locator('#err-total_width_mm').evaluate((e, w) =>
		        e.getBoundingClientRect().right <= w, PHONE.width));
		/* A flagged frame's form asks for no preview (it would be 404). */
		await page.goto(`${base}admin/catalog/FF-FLAG-PHONE`);
		eq('phone flagged form: a note instead of the preview',
		    await page.locator('#preview-missing').count(), 1);
		eq('phone flagged form: no preview image', await page.locator('img.frame-preview').count(), 0);
		/* An import's report, with a bad row's long reason, on the phone. */
		await page.goto(`${base}admin/catalog/import/`);
		await page.setInputFiles('#feed', { name: 'feed.tsv', mimeType: 'text/tab-separated-values',
		    buffer: Buffer.from('id\ttitle\tlink\tprice\tbrand\n' +
		        'FF-FLAG-PHONE\tImported Extra Wide Rectangle With A Rather Long Product Title\thttps://shop.example/frames/FF-FLAG-PHONE\t129.00 EUR\tTest Optical\n' +
		        'FF-BAD-PHONE\tBad Price\thttps://shop.example/frames/FF-BAD-PHONE\t129,00 EUR\tTest Optical\n') });
		eq('phone import: 200', await submitForm(page, '#import-form button[type="submit"]'), 200);
		eq('phone import: the report lists the bad row', await page.locator('#import-lines tr.is-bad').count(), 1);
		await checkPhone(page, 'import-report');
		expected(b, two ? [404, 422] : [400, 404, 422]);
		noProblems(b, 'phone');
	} finally {
		await b.done();
	}
}

/* One page on the phone: no wider than the viewport, nav on screen. */
async function checkPhone(page, name) {
	const sw = await page.evaluate(() => document.documentElement.scrollWidth);
	if (!check(`phone ${name}: no wider than 390 px (${sw})`, sw <= PHONE.width, `${sw} px wide`))
		console.log(`#   sticking out: ${await wideOnes(page)}`);
	const navOut = await page.$$eval('nav.admin-nav a', (els, w) =>
	    els.filter((e) => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > w; })
	        .map((e) => e.textContent.trim()), PHONE.width);
	eq(`phone ${name}: every navigation link on screen`, navOut.join(','), '');
	await shot(page, `phone-${name}`);
}

await runCases(caseImpossibleFrame, caseAdminNotFound, casePhone);
