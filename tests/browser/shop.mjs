/*
 * shop.mjs: what a shopper meets around the try-on (issue 14), in
 * headless Chromium against the running stack (tests/browser/run.sh):
 *
 *   (a) PD on the result page: 62.3 and "63,5" re-render the photo in
 *       place (no navigation, the URL replaced, the history as long);
 *   (b) the frame strip: twelve switches (ten on a phone) with no
 *       navigation, the URL updated by replaceState, the history length
 *       and the scroll position unchanged; prints the median time from
 *       the click to the new picture decoded (and on the phone, where
 *       the strip starts);
 *   (c) without JavaScript: the strip links and the PD form are plain
 *       links and a GET form that work; prints the median of a full
 *       reload per switch, the baseline of (b);
 *   (d) a portrait photo's preview is shown whole, desktop and phone;
 *   (e) error pages keep the frame and PD: a damaged photo (a plain
 *       heading, "Try another photo" to /?frame=..&pd=..), a photo
 *       without a face (the copy this tab kept is shown), a kept photo
 *       whose faces no longer count (the server's copy is shown), and a
 *       webcam photo without a face ("Retake" opens the camera again);
 *   (f) the webcam: preview and still agree (both mirrored).
 *
 * Prints "ok"/"FAIL" lines and last "# shop.mjs: N passed, M failed";
 * numbers as "# ..." lines. Screenshots go to $FF_ARTIFACTS/shop-NN-*.png.
 */
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import {
	STEP_TIMEOUT_MS, base, check, env, eq, noProblems, nok, ok, resultImage, runCases, shot, sql,
	submitTryon,
} from './lib.mjs';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/*
 * A browser for one case, like lib.mjs's launch() but with a context of
 * our choosing: JavaScript off, or a phone (touch, 2x pixels).
 */
async function open(name, { js = true, viewport = DESKTOP, phone = false, args = [] } = {}) {
	const browser = await chromium.launch({
		executablePath: env.FF_CHROMIUM,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
		    '--no-first-run', '--disable-background-networking',
		    '--disable-component-update', '--disable-sync', ...args],
		timeout: 60000,
	});
	const ctx = await browser.newContext({
		javaScriptEnabled: js, viewport, isMobile: phone, hasTouch: phone,
		deviceScaleFactor: phone ? 2 : 1,
	});
	ctx.setDefaultTimeout(STEP_TIMEOUT_MS);
	const page = await ctx.newPage();
	const problems = [], navs = [], posts = [];
	page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() === 'error')
			problems.push(`console: ${m.text()} at ${m.location()?.url}`);
	});
	page.on('requestfailed', (r) => {
		if (!/ERR_ABORTED/.test(r.failure()?.errorText ?? ''))
			problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
	});
	page.on('response', (r) => {
		if (r.request().isNavigationRequest() && r.frame() === page.mainFrame())
			navs.push({ url: r.url(), status: r.status(), method: r.request().method() });
	});
	page.on('request', async (q) => {
		if (q.method() === 'POST') {
			const h = await q.allHeaders().catch(() => ({}));
			posts.push({ path: new URL(q.url()).pathname, origin: h.origin,
			    site: h['sec-fetch-site'] });
		}
	});
	return { name, page, ctx, problems, navs, posts, done: () => browser.close() };
}

/*
 * Chromium logs a page answered with an error status as a console error
 * ("Failed to load resource: ... 422"); on a page whose status is the
 * point of the case, that line is not a problem, anything else still is.
 */
function errorPageOk(b, status) {
	const me = b.page.url();
	const re = new RegExp(`status of ${status} .* at ${me.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
	for (let i = b.problems.length - 1; i >= 0; i--)
		if (re.test(b.problems[i]))
			b.problems.splice(i, 1);
}

function median(a) {
	const s = [...a].sort((x, y) => x - y);
	const m = s.length >> 1;
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const fmt = (x) => x.toFixed(1);

/* Photos made here from the shared selfie: portrait, damaged, no face. */
const tmp = env.FF_TMP;
function ffmpeg(...a) {
	execFileSync('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', ...a]);
}
const PORTRAIT = path.join(tmp, 'portrait.jpg');
const GREY = path.join(tmp, 'grey.jpg');
const GREY_CAM = path.join(tmp, 'grey.y4m');
const DAMAGED = path.join(tmp, 'damaged.jpg');
ffmpeg('-i', env.FF_SELFIE, '-vf', 'crop=900:1200:150:0', '-q:v', '3', PORTRAIT);
ffmpeg('-f', 'lavfi', '-i', 'color=c=gray:s=640x480', '-frames:v', '1', GREY);
ffmpeg('-f', 'lavfi', '-i', 'color=c=gray:s=640x480:r=15', '-t', '1', '-pix_fmt', 'yuv420p', GREY_CAM);
/* A JPEG's first bytes and no more, as check_shop's damaged photo. */
fs.writeFileSync(DAMAGED, Buffer.from('ffd8ffe000104a46494600010100000100010000ffdb', 'hex'));

/* Upload the selfie with the default frame; the token, or null. */
async function upload(b, what) {
	const { page } = b;
	await page.goto(base);
	await page.setInputFiles('#photo', env.FF_SELFIE);
	return submitTryon(b, what);
}

/* The page's state that a switch must not change or must change. */
function state(page) {
	return page.evaluate(() => ({
		scrollY: window.scrollY, history: history.length, url: location.pathname + location.search,
		frame: document.getElementById('frame-name')?.textContent.trim(),
		current: document.querySelector('#strip .strip-item.is-current a')?.getAttribute('data-sku'),
		shop: document.querySelector('#buy a.btn-primary')?.getAttribute('href'),
		download: document.querySelector('#buy a[download]')?.getAttribute('href'),
		home: document.getElementById('home-link')?.getAttribute('href'),
		pdState: document.getElementById('pd-state')?.textContent.trim(),
		title: document.title,
	}));
}

/*
 * Click a strip link in the page and time it: from the click to the new
 * picture in the stage, decoded. -1 when it never came.
 */
function timedSwitch(page, tok, sku) {
	return page.evaluate(({ tok, sku }) => new Promise((resolve) => {
		const want = `/t/${tok}/${sku}.jpg`;
		const stage = document.getElementById('stage');
		const a = document.querySelector(`#strip a.strip-link[data-sku="${sku}"]`);
		let t0 = 0, done = false;
		const seen = () => {
			const img = stage.querySelector('.stage-img');
			if (done || !img || (img.getAttribute('src') || '').split('?')[0] !== want)
				return;
			done = true;
			mo.disconnect();
			img.decode().then(() => resolve(performance.now() - t0), () => resolve(-1));
		};
		const mo = new MutationObserver(seen);
		mo.observe(stage, { childList: true, subtree: true, attributes: true, attributeFilter: ['src'] });
		setTimeout(() => { if (!done) { mo.disconnect(); resolve(-1); } }, 30000);
		t0 = performance.now();
		a.click();
	}), { tok, sku });
}

/* ---- (a) + (b): PD and frames in place, desktop and phone ---- */

async function inPlace(label, viewport, phone, nswitch) {
	const b = await open(`inplace-${label}`, { viewport, phone });
	const { page } = b;
	try {
		const tok = await upload(b, `${label} upload`);
		if (tok === null)
			return;
		await resultImage(page);
		const skus = await page.$$eval('#strip a.strip-link', (as) => as.map((a) => a.getAttribute('data-sku')));
		const names = await page.$$eval('#strip .strip-name', (s) => s.map((e) => e.textContent.trim()));
		check(`${label}: the strip offers every frame (${skus.length})`, skus.length >= 12);
		const cur = await page.getAttribute('#strip .is-current a', 'data-sku');
		if (phone) {
			/* Near the photo: in the first screen, not 1,180 px down. */
			const top = await page.$eval('#strip', (e) => Math.round(e.getBoundingClientRect().top + window.scrollY));
			console.log(`# ${label}: the frame strip starts ${top} px down (viewport ${viewport.height} px)`);
			check(`${label}: the frame strip starts in the first screen (${top} px)`, top < viewport.height - 100);
		}
		await shot(page, `${label}-result`);
		noProblems(b, `${label} result`);

		/* (a) The PD, in place: 62.3, then "63,5". The form in view
		 * first: the test's own clicks scroll to what they click. */
		await page.evaluate(() => window.scrollTo(0, 120));
		await page.locator('#pd-go').scrollIntoViewIfNeeded();
		const s0 = await state(page);
		const n0 = b.navs.length;
		for (const [typed, want] of [['62.3', '62.3'], ['63,5', '63.5']]) {
			await page.fill('#pd', typed);
			await page.click('#pd-go');
			await page.waitForFunction((w) => {
				const i = document.querySelector('#stage .stage-img');
				return i && i.getAttribute('src').endsWith(`?pd=${w}`) && i.complete && i.naturalWidth > 0 &&
				    location.search.includes(`pd=${w}`);
			}, want);
			const s = await state(page);
			eq(`${label}: PD "${typed}": the picture is the render at ${want}`,
			    await page.getAttribute('#stage .stage-img', 'src'), `/t/${tok}/${cur}.jpg?pd=${want}`);
			eq(`${label}: PD "${typed}": the URL is replaced`, s.url, `/t/${tok}?frame=${cur}&pd=${want}`);
			eq(`${label}: PD "${typed}": the page says so`, s.pdState, `Sized for your PD of ${want}\u00a0mm.`);
			eq(`${label}: PD "${typed}": the way home keeps it`, s.home, `/?frame=${cur}&pd=${want}`);
			eq(`${label}: PD "${typed}": the field shows it`, await page.inputValue('#pd'), want);
			eq(`${label}: PD "${typed}": every strip link carries it`, await page.$$eval('#strip a.strip-link',
			    (as, w) => as.filter((a) => !a.getAttribute('href').endsWith(`&pd=${w}`)).length, want), 0);
		}
		const s1 = await state(page);
		eq(`${label}: PD: no navigation`, b.navs.length, n0);
		eq(`${label}: PD: history as long`, s1.history, s0.history);
		eq(`${label}: PD: no scroll jump`, s1.scrollY, s0.scrollY);
		/* What the browser would not send: the server says it. */
		await page.fill('#pd', '635');
		check(`${label}: PD 635 is refused before sending`,
		    !(await page.$eval('#pd', (i) => i.checkValidity())));
		await page.fill('#pd', '63,5');
		await shot(page, `${label}-pd`);
		noProblems(b, `${label} PD`);

		/* (b) Frames in place. */
		await page.evaluate(() => window.scrollTo(0, 200));
		const before = await state(page);
		check(`${label}: the page is scrolled before the switches (${before.scrollY} px)`, before.scrollY > 0);
		const n1 = b.navs.length;
		const order = skus.filter((s) => s !== cur).slice(0, nswitch);
		const times = [];
		for (const sku of order) {
			const ms = await timedSwitch(page, tok, sku);
			if (!check(`${label}: switch to ${sku} shows its picture`, ms >= 0, 'never came'))
				continue;
			times.push(ms);
			const s = await state(page);
			const name = names[skus.indexOf(sku)];
			const bad = [];
			if (s.url !== `/t/${tok}?frame=${sku}&pd=63.5`) bad.push(`url ${s.url}`);
			if (s.frame !== name) bad.push(`name ${s.frame}`);
			if (s.current !== sku) bad.push(`current ${s.current}`);
			if (s.shop !== `/go/${sku}?t=${tok}`) bad.push(`shop ${s.shop}`);
			if (s.download !== `/t/${tok}/${sku}.jpg?pd=63.5&download=1`) bad.push(`download ${s.download}`);
			if (s.home !== `/?frame=${sku}&pd=63.5`) bad.push(`home ${s.home}`);
			if (s.scrollY !== before.scrollY) bad.push(`scrollY ${s.scrollY}`);
			if (s.history !== before.history) bad.push(`history ${s.history}`);
			check(`${label}: switch to ${sku}: URL, name, details, links, scroll and history (${fmt(ms)} ms)`,
			    bad.length === 0, bad.join(', '));
		}
		const after = await state(page);
		eq(`${label}: ${order.length} switches: no navigation`, b.navs.length, n1);
		eq(`${label}: ${order.length} switches: history length unchanged`, after.history, before.history);
		eq(`${label}: ${order.length} switches: scroll position unchanged`, after.scrollY, before.scrollY);
		eq(`${label}: one try-on per frame shown`, sql(`SELECT COUNT(*) FROM tryons t
		    JOIN uploads u ON u.id = t.upload_id WHERE u.token = '${tok}'`), String(order.length + 1));
		if (times.length > 0)
			console.log(`# ${label}: frame switch, click to new picture decoded: median ${fmt(median(times))} ms ` +
			    `over ${times.length} (min ${fmt(Math.min(...times))}, max ${fmt(Math.max(...times))})`);
		/* Back to one shown before: from this page's memory. */
		const again = await timedSwitch(page, tok, order[order.length - 2]);
		console.log(`# ${label}: back to a frame shown before: ${fmt(again)} ms`);
		/* A real click (trusted, touch on the phone) does the same. */
		const last = order[order.length - 1];
		await page.locator(`#strip a.strip-link[data-sku="${last}"]`).scrollIntoViewIfNeeded();
		const y = (await state(page)).scrollY;
		if (phone)
			await page.tap(`#strip a.strip-link[data-sku="${last}"]`);
		else
			await page.click(`#strip a.strip-link[data-sku="${last}"]`);
		await page.waitForFunction((u) => location.pathname + location.search === u, `/t/${tok}?frame=${last}&pd=63.5`);
		eq(`${label}: a real ${phone ? 'tap' : 'click'} switches in place too`, b.navs.length, n1);
		eq(`${label}: ... without a scroll jump`, (await state(page)).scrollY, y);
		await shot(page, `${label}-switched`);
		noProblems(b, `${label} switches`);
		/* The page of a frame far along the strip shows it in view. */
		await page.reload();
		const seen = await page.$eval('#strip .strip-item.is-current', (li) => {
			const l = li.parentNode.getBoundingClientRect(), r = li.getBoundingClientRect();
			return r.left >= l.left - 1 && r.right <= l.right + 1;
		});
		check(`${label}: on loading, the current frame is in view in the strip`, seen);
		noProblems(b, `${label} reload`);
	} catch (e) {
		nok(`${label}: the case ran to its end`, e.message.split('\n')[0]);
		await shot(page, `${label}-error`).catch(() => {});
	} finally {
		await b.done();
	}
}

const caseInPlaceDesktop = () => inPlace('desktop', DESKTOP, false, 12);
const caseInPlacePhone = () => inPlace('phone', PHONE, true, 10);

/* ---- (c) Without JavaScript ---- */

async function caseNoScript() {
	const b = await open('nojs', { js: false });
	const { page } = b;
	try {
		const tok = await upload(b, 'no-js upload');
		if (tok === null)
			return;
		const skus = await page.$$eval('#strip a.strip-link', (as) => as.map((a) => a.getAttribute('data-sku')));
		const cur = await page.getAttribute('#strip .is-current a', 'data-sku');
		const others = skus.filter((s) => s !== cur);

		/* The PD form: a GET to the result page, "63,5" as typed. */
		await page.fill('#pd', '63,5');
		await Promise.all([page.waitForURL((u) => u.searchParams.get('pd') === '63,5', { waitUntil: 'load' }),
		    page.click('#pd-go')]);
		eq('no-js: the PD form is a GET to the result page', new URL(page.url()).pathname, `/t/${tok}`);
		eq('no-js: the page uses 63.5', (await resultImage(page)).src, `/t/${tok}/${cur}.jpg?pd=63.5`);
		eq('no-js: and says so', (await page.textContent('#pd-state')).trim(), 'Sized for your PD of 63.5\u00a0mm.');

		/* The strip: plain links; time a full reload per switch. */
		const times = [];
		for (const sku of others.slice(0, 5)) {
			const t0 = Date.now();
			await Promise.all([page.waitForURL((u) => u.searchParams.get('frame') === sku, { waitUntil: 'load' }),
			    page.click(`#strip a.strip-link[data-sku="${sku}"]`)]);
			times.push(Date.now() - t0);
			const img = await resultImage(page);
			check(`no-js: link to ${sku} shows it`, img.src === `/t/${tok}/${sku}.jpg?pd=63.5` && img.w > 0,
			    `src ${img.src}, ${img.w} px`);
		}
		eq('no-js: each switch was a navigation', b.navs.filter((n) => n.method === 'GET').length >= 6, true);
		console.log(`# no-js: frame switch by full reload, click to load: median ${fmt(median(times))} ms over ` +
		    `${times.length} (the baseline of the in-place switch)`);
		const last = others[4];
		eq('no-js: "Try another photo" keeps frame and PD',
		    await page.getAttribute('#home-link', 'href'), `/?frame=${last}&pd=63.5`);
		await Promise.all([page.waitForURL((u) => u.pathname === '/', { waitUntil: 'load' }), page.click('#home-link')]);
		eq('no-js: the upload page has the frame chosen',
		    await page.$eval('input[name="frame"]:checked', (e) => e.value), last);
		eq('no-js: and the PD filled in', await page.inputValue('#pd_mm'), '63.5');
		await shot(page, 'nojs-home');
		noProblems(b, 'no-js');
	} catch (e) {
		nok('no-js: the case ran to its end', e.message.split('\n')[0]);
		await shot(page, 'nojs-error').catch(() => {});
	} finally {
		await b.done();
	}
}

/* ---- (d) A portrait photo's preview, whole ---- */

async function casePortrait() {
	for (const [label, viewport, phone] of [['desktop', DESKTOP, false], ['phone', PHONE, true]]) {
		const b = await open(`portrait-${label}`, { viewport, phone });
		const { page } = b;
		try {
			await page.goto(base);
			await page.setInputFiles('#photo', PORTRAIT);
			await page.waitForFunction(() => {
				const i = document.getElementById('preview-img');
				return !document.getElementById('preview').hidden && i.complete && i.naturalWidth > 0;
			});
			/* The picture as drawn (object-fit: contain inside the
			 * img box), and how much of it the stage shows. */
			const v = await page.$eval('#preview-img', (i) => {
				const r = i.getBoundingClientRect();
				const st = i.closest('.photo-stage').getBoundingClientRect();
				const fit = getComputedStyle(i).objectFit;
				const k = fit === 'contain' ? Math.min(r.width / i.naturalWidth, r.height / i.naturalHeight) : r.width / i.naturalWidth;
				const w = i.naturalWidth * k, h = i.naturalHeight * k;
				const x = r.left + (r.width - w) / 2, y = r.top + (r.height - h) / 2;
				const vis = Math.max(0, Math.min(x + w, st.right) - Math.max(x, st.left)) *
				    Math.max(0, Math.min(y + h, st.bottom) - Math.max(y, st.top));
				return { shown: vis / (w * h), w: Math.round(w), h: Math.round(h), nw: i.naturalWidth, nh: i.naturalHeight };
			});
			eq(`portrait ${label}: the photo is portrait`, `${v.nw}x${v.nh}`, '900x1200');
			check(`portrait ${label}: the preview shows the whole photo (${(100 * v.shown).toFixed(1)} %, ${v.w} x ${v.h} px)`,
			    v.shown > 0.995, `${(100 * (1 - v.shown)).toFixed(1)} % cut off`);
			check(`portrait ${label}: not a thumbnail (${v.h} px high)`, v.h >= 300);
			await shot(page, `portrait-${label}`);
			noProblems(b, `portrait ${label}`);
		} catch (e) {
			nok(`portrait ${label}: the case ran to its end`, e.message.split('\n')[0]);
		} finally {
			await b.done();
		}
	}
}

/* ---- (e) Error pages keep the frame and PD ---- */

/* Choose a frame (not the preselected one) and a PD, send photo. */
async function sendWith(page, photo, pd) {
	await page.goto(base);
	const sku = await page.$$eval('input[name="frame"]', (els) => els.filter((e) => !e.checked)[3].value);
	await page.click(`label[for="f-${sku}"]`);
	await page.click('details.pd summary');
	await page.fill('#pd_mm', pd);
	if (photo)
		await page.setInputFiles('#photo', photo);
	return sku;
}

async function caseErrors() {
	const b = await open('errors');
	const { page } = b;
	try {
		/* A damaged photo. */
		let sku = await sendWith(page, DAMAGED, '63,5');
		await Promise.all([page.waitForURL((u) => u.pathname === '/tryon', { waitUntil: 'load' }), page.click('#submit')]);
		eq('damaged: 422', b.navs[b.navs.length - 1]?.status, 422);
		/* app.js puts the choices in the form's address too, for a
		 * body the server refuses unread (413). */
		eq('damaged: the form\'s address carries frame and PD', new URL(page.url()).search,
		    `?frame=${sku}&pd_mm=63%2C5`);
		eq('damaged: a heading in plain words', (await page.textContent('h1')).trim(), 'We couldn\u2019t use that photo'.replace('\u2019', "'"));
		check('damaged: no HTTP jargon in the heading or title',
		    !/Unprocessable|Content/.test((await page.textContent('h1')) + await page.title()), await page.title());
		eq('damaged: "Try another photo" keeps frame and PD', await page.getAttribute('#back', 'href'), `/?frame=${sku}&pd=63.5`);
		eq('damaged: no "Retake" for a file', await page.locator('#retake').count(), 0);
		await shot(page, 'damaged');
		await Promise.all([page.waitForURL((u) => u.pathname === '/', { waitUntil: 'load' }), page.click('#back')]);
		eq('damaged: back with the frame chosen', await page.$eval('input[name="frame"]:checked', (e) => e.value), sku);
		eq('damaged: and the PD filled in', await page.inputValue('#pd_mm'), '63.5');
		check('damaged: the PD section is open', await page.isVisible('#pd_mm'));
		/* The preview of a damaged file may log a decode failure: not ours. */
		b.problems.length = 0;

		/* A photo without a face: the page shows the copy this tab kept. */
		sku = await sendWith(page, GREY, '62.3');
		await Promise.all([page.waitForURL((u) => u.pathname === '/tryon', { waitUntil: 'load' }), page.click('#submit')]);
		eq('no face: 422', b.navs[b.navs.length - 1]?.status, 422);
		eq('no face: the heading', (await page.textContent('h1')).trim(), "We couldn't find a face in that photo");
		await page.waitForFunction(() => {
			const i = document.getElementById('sent-photo');
			return i && !document.getElementById('sent').hidden && i.complete && i.naturalWidth > 0;
		}).then(() => ok('no face: the photo sent is shown'), () => nok('no face: the photo sent is shown'));
		eq('no face: the shown copy is the photo (4:3)', await page.$eval('#sent-photo',
		    (i) => `${i.naturalWidth}x${i.naturalHeight}`), '480x360');
		eq('no face: "Try another photo" keeps frame and PD', await page.getAttribute('#back', 'href'), `/?frame=${sku}&pd=62.3`);
		eq('no face: no "Retake" for a file', await page.locator('#retake').count(), 0);
		await shot(page, 'noface-upload');
		errorPageOk(b, 422);
		noProblems(b, 'no face');

		/* A kept photo whose faces no longer count: the server's copy. */
		await page.goto(base);
		await page.setInputFiles('#photo', env.FF_SELFIE);
		const tok = await submitTryon(b, 'kept');
		if (tok !== null) {
			sql(`UPDATE detection_faces SET box_w = 4, box_h = 4 WHERE detection_id IN
			    (SELECT d.id FROM detections d JOIN uploads u ON u.id = d.upload_id WHERE u.token = '${tok}')`);
			const r = await page.goto(`${base}t/${tok}?pd=61`);
			eq('kept, no face: 422', r.status(), 422);
			await page.waitForFunction(() => {
				const i = document.getElementById('sent-photo');
				return i && i.complete && i.naturalWidth > 0;
			});
			eq('kept, no face: the stored photo is shown', await page.$eval('#sent-photo',
			    (i) => `${i.getAttribute('src')} ${i.naturalWidth}x${i.naturalHeight}`), `/t/${tok}/photo 1200x1200`);
			check('kept, no face: with the delete form', await page.isVisible('form[action$="/delete"] button'));
			check('kept, no face: the way back keeps the PD',
			    /^\/\?frame=[A-Za-z0-9-]+&pd=61\.0$/.test(await page.getAttribute('#back', 'href')),
			    await page.getAttribute('#back', 'href'));
			await shot(page, 'noface-kept');
			errorPageOk(b, 422);
			noProblems(b, 'kept, no face');
		}
	} catch (e) {
		nok('errors: the case ran to its end', e.message.split('\n')[0]);
		await shot(page, 'errors-error').catch(() => {});
	} finally {
		await b.done();
	}
}

/* A webcam photo without a face: "Retake" opens the camera again. */
async function caseRetake() {
	const b = await open('retake', { viewport: PHONE, phone: true, args: ['--use-fake-device-for-media-stream',
	    '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${GREY_CAM}`] });
	const { page } = b;
	try {
		await b.ctx.grantPermissions(['camera']);
		const sku = await sendWith(page, null, '64');
		await page.click('#cam-start');
		await page.waitForFunction(() => document.getElementById('cam-video').videoWidth > 0 &&
		    document.getElementById('cam-video').currentTime > 0);
		await page.click('#cam-snap');
		await page.waitForFunction(() => document.getElementById('source').value === 'webcam');
		await Promise.all([page.waitForURL((u) => u.pathname === '/tryon', { waitUntil: 'load' }), page.click('#submit')]);
		eq('retake: no face, 422', b.navs[b.navs.length - 1]?.status, 422);
		eq('retake: "Retake with the webcam"', (await page.textContent('#retake')).trim(), 'Retake with the webcam');
		eq('retake: it keeps frame and PD', await page.getAttribute('#retake', 'href'), `/?frame=${sku}&pd=64.0&cam=1`);
		eq('retake: a photo instead, too', await page.getAttribute('#back', 'href'), `/?frame=${sku}&pd=64.0`);
		check('retake: the still sent is shown', await page.isVisible('#sent-photo'));
		await shot(page, 'retake-noface');
		errorPageOk(b, 422);
		await Promise.all([page.waitForURL((u) => u.pathname === '/', { waitUntil: 'load' }), page.click('#retake')]);
		await page.waitForFunction(() => !document.getElementById('cam-view').hidden &&
		    document.getElementById('cam-video').videoWidth > 0)
		    .then(() => ok('retake: the camera opens by itself'), () => nok('retake: the camera opens by itself'));
		eq('retake: the frame is still chosen', await page.$eval('input[name="frame"]:checked', (e) => e.value), sku);
		eq('retake: the PD is still there', await page.inputValue('#pd_mm'), '64');
		await shot(page, 'retake-camera');
		noProblems(b, 'retake');
	} catch (e) {
		nok('retake: the case ran to its end', e.message.split('\n')[0]);
		await shot(page, 'retake-error').catch(() => {});
	} finally {
		await b.done();
	}
}

/* ---- (f) The webcam: the still is what the preview showed ---- */

async function caseMirror() {
	const b = await open('mirror', { args: ['--use-fake-device-for-media-stream',
	    '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${env.FF_CAMERA}`] });
	const { page } = b;
	try {
		await b.ctx.grantPermissions(['camera']);
		await page.goto(base);
		await page.click('#cam-start');
		await page.waitForFunction(() => {
			const v = document.getElementById('cam-video');
			return v.videoWidth > 0 && v.currentTime > 0;
		});
		eq('mirror: the preview is a mirror', await page.$eval('#cam-video', (v) => getComputedStyle(v).transform),
		    'matrix(-1, 0, 0, 1, 0, 0)');
		eq('mirror: the preview shows the whole frame', await page.$eval('#cam-video', (v) => getComputedStyle(v).objectFit),
		    'contain');
		/* The camera's own frame (the video plays a still). */
		await page.evaluate(() => {
			const v = document.getElementById('cam-video');
			const c = document.createElement('canvas');
			c.width = v.videoWidth;
			c.height = v.videoHeight;
			c.getContext('2d').drawImage(v, 0, 0);
			window.ffRaw = c.getContext('2d').getImageData(0, 0, c.width, c.height);
		});
		await page.click('#cam-snap');
		await page.waitForFunction(() => {
			const i = document.getElementById('preview-img');
			return !document.getElementById('preview').hidden && i.complete && i.naturalWidth > 0;
		});
		/* Mean difference of the still to the frame mirrored and as is. */
		const d = await page.evaluate(() => {
			const i = document.getElementById('preview-img');
			const raw = window.ffRaw, w = raw.width, h = raw.height;
			const c = document.createElement('canvas');
			c.width = w;
			c.height = h;
			c.getContext('2d').drawImage(i, 0, 0, w, h);
			const s = c.getContext('2d').getImageData(0, 0, w, h).data;
			let mir = 0, same = 0, n = 0;
			for (let y = 0; y < h; y += 4)
				for (let x = 0; x < w; x += 4) {
					const p = (y * w + x) * 4, q = (y * w + (w - 1 - x)) * 4;
					for (let k = 0; k < 3; k++) {
						mir += Math.abs(s[p + k] - raw.data[q + k]);
						same += Math.abs(s[p + k] - raw.data[p + k]);
					}
					n += 3;
				}
			return { mir: mir / n, same: same / n };
		});
		console.log(`# mirror: still vs mirrored frame ${d.mir.toFixed(2)}, vs frame as is ${d.same.toFixed(2)} (mean |difference|, 0-255)`);
		check(`mirror: the still is the preview's mirror image (${d.mir.toFixed(2)} < 6)`, d.mir < 6);
		check(`mirror: and not the frame as is (${d.same.toFixed(2)} > 2 x ${d.mir.toFixed(2)})`, d.same > 2 * d.mir);
		await shot(page, 'mirror-still');
		noProblems(b, 'mirror');
	} catch (e) {
		nok('mirror: the case ran to its end', e.message.split('\n')[0]);
		await shot(page, 'mirror-error').catch(() => {});
	} finally {
		await b.done();
	}
}

await runCases(caseInPlaceDesktop, caseInPlacePhone, caseNoScript, casePortrait, caseErrors, caseRetake, caseMirror);
