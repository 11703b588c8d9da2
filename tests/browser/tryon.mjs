/*
 * tryon.mjs: the try-on in headless Chromium, driven by playwright-core,
 * against a running framefit (tests/browser/run.sh starts the stack and
 * sets the environment below).
 *
 *   (a) the upload form: choose a large selfie with the file input, pick
 *       a frame, submit; POST /tryon answers 303 to /t/{token}, the result
 *       image loads, the fit hint shows; then switch to another frame
 *       from the result page without uploading again; last, "Delete my
 *       photo" (a POST with its CSRF token) goes home and the row is gone.
 *   (b) the webcam: Chromium's fake camera plays a Y4M video made from a
 *       face photo; start the camera, take the still, submit; the result
 *       page loads and the DB records the upload's source as webcam.
 *
 * Each case runs in its own browser with a fresh profile. Every step
 * leaves a screenshot NN-step.png in $FF_ARTIFACTS. Any console error or
 * uncaught exception on our pages (a CSP violation shows as one) fails.
 * Prints "ok"/"FAIL" lines and last "# tryon.mjs: N passed, M failed".
 *
 * Environment: FF_URL (with the trailing /), FF_CHROMIUM, FF_ARTIFACTS,
 * FF_TMP (scratch; the profiles go there), FF_SELFIE (the photo for the
 * form), FF_CAMERA (the .y4m for the fake camera), FF_ROOT (the source
 * tree, for scripts/db.sh; the FF_DB_* variables name the database).
 */
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const env = process.env;
for (const v of ['FF_URL', 'FF_CHROMIUM', 'FF_ARTIFACTS', 'FF_TMP',
    'FF_SELFIE', 'FF_CAMERA', 'FF_ROOT']) {
	if (!env[v]) {
		console.error(`tryon.mjs: ${v} is not set (run tests/browser/run.sh)`);
		process.exit(2);
	}
}
const base = env.FF_URL;
const art = env.FF_ARTIFACTS;

/* Submitting runs the detector: allow for a slow, busy machine. */
const TRYON_TIMEOUT_MS = 120000;
const STEP_TIMEOUT_MS = 30000;
/* The selfie is 1200 x 1200 (below the 1600 px cap: kept as is). */
const SELFIE_SIDE = 1200;
const CAM_W = 640, CAM_H = 480;

let pass = 0, fail = 0;
function ok(name) { pass++; console.log(`ok   - ${name}`); }
function nok(name, why) { fail++; console.log(`FAIL - ${name}${why ? ': ' + why : ''}`); }
function check(name, cond, why) { cond ? ok(name) : nok(name, why); return !!cond; }
function eq(name, got, want) {
	return check(name, got === want,
	    `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

/* One query through scripts/db.sh; rows joined by \n, columns by \t. */
function sql(q) {
	return execFileSync(path.join(env.FF_ROOT, 'scripts/db.sh'),
	    ['sql', '-N', '-B', '-e', q], { encoding: 'utf8' }).trim();
}

let shotNo = 0;
async function shot(page, name) {
	const file = path.join(art, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
	await page.screenshot({ path: file, fullPage: true });
	console.log(`# screenshot ${file}`);
}

/* A browser of its own, with a fresh profile, for one case. */
async function launch(name, extraArgs) {
	const profile = fs.mkdtempSync(path.join(env.FF_TMP, `chromium-${name}-`));
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: env.FF_CHROMIUM,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
		    '--no-first-run', '--disable-background-networking',
		    '--disable-component-update', '--disable-sync', ...extraArgs],
		viewport: { width: 1280, height: 900 },
		timeout: 60000,
	});
	ctx.setDefaultTimeout(STEP_TIMEOUT_MS);
	const page = ctx.pages()[0] ?? await ctx.newPage();
	const problems = [];
	page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() === 'error')
			problems.push(`console: ${m.text()}`);
	});
	page.on('requestfailed', (r) => {
		/* A navigation away cancels what is still loading: not ours. */
		if (!/ERR_ABORTED/.test(r.failure()?.errorText ?? ''))
			problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
	});
	/* Every main-frame document response, redirects included. */
	const navs = [];
	page.on('response', (r) => {
		if (r.request().isNavigationRequest() && r.frame() === page.mainFrame())
			navs.push({ url: r.url(), status: r.status(), method: r.request().method() });
	});
	/* The headers of each POST, to explain a refusal. */
	const posts = [];
	page.on('request', async (q) => {
		if (q.method() === 'POST') {
			const h = await q.allHeaders().catch(() => ({}));
			posts.push({ path: new URL(q.url()).pathname, origin: h.origin,
			    site: h['sec-fetch-site'] });
		}
	});
	const done = async () => {
		await ctx.close();
		fs.rmSync(profile, { recursive: true, force: true });
	};
	return { page, problems, navs, posts, done };
}

/* Scroll down and back so every lazy thumbnail loads, then check them. */
async function loadAllThumbs(page, what) {
	await page.evaluate(async () => {
		for (let y = 0; y < document.body.scrollHeight; y += 600) {
			window.scrollTo(0, y);
			await new Promise((r) => setTimeout(r, 50));
		}
		window.scrollTo(0, 0);
	});
	await page.waitForFunction(() => [...document.querySelectorAll('.card-img img')]
	    .every((i) => i.complete && i.naturalWidth > 0)).catch(() => {});
	const bad = await page.$$eval('.card-img img', (els) => els
	    .filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.getAttribute('src')));
	check(`${what}: every frame thumbnail loads`, bad.length === 0, `not loaded: ${bad.join(' ')}`);
}

/* The result image of the page, once loaded (or why it did not). */
async function resultImage(page) {
	await page.waitForFunction(() => {
		const i = document.querySelector('.stage-img');
		return i && i.complete;
	});
	return page.$eval('.stage-img', (i) => ({
		src: i.getAttribute('src'), w: i.naturalWidth, h: i.naturalHeight,
		alt: i.getAttribute('alt'),
	}));
}

/* Submit the form; return the token of the result page, or null. */
async function submitTryon(b, what) {
	const { page, navs } = b;
	const n0 = navs.length;
	await page.click('#submit');
	try {
		await page.waitForURL((u) => u.pathname !== '/', { timeout: TRYON_TIMEOUT_MS });
		await page.waitForLoadState('load');
	} catch (e) {
		nok(`${what}: the form leads to a new page`, e.message.split('\n')[0]);
		return null;
	}
	const hops = navs.slice(n0);
	const post = hops.find((h) => h.method === 'POST' && new URL(h.url).pathname === '/tryon');
	if (!eq(`${what}: POST /tryon answers 303`, post?.status, 303)) {
		const q = b.posts.filter((p) => p.path === '/tryon').pop();
		console.log(`# the POST carried Origin: ${q?.origin}, Sec-Fetch-Site: ${q?.site}`);
	}
	const u = new URL(page.url());
	const m = /^\/t\/([A-Za-z0-9_-]{32})$/.exec(u.pathname);
	if (!check(`${what}: lands on /t/{token}`, m, `at ${u.pathname}`)) {
		const h1 = await page.textContent('h1').catch(() => '');
		console.log(`# the page says: ${h1?.trim()}`);
		return null;
	}
	eq(`${what}: the result page is 200`, hops[hops.length - 1]?.status, 200);
	return m[1];
}

function noProblems(b, what) {
	check(`${what}: no console errors, CSP violations or failed requests`,
	    b.problems.length === 0, b.problems.join(' | '));
	b.problems.length = 0;
}

/* The fit hint on a result page: visible, and one of the three. */
async function checkFit(page, what) {
	const fit = page.locator('.fit');
	check(`${what}: fit hint visible`, await fit.isVisible().catch(() => false));
	const cls = await fit.getAttribute('class').catch(() => '');
	const title = (await page.locator('.fit-title').textContent().catch(() => '')).trim();
	check(`${what}: fit hint says narrow, good or wide (${title})`,
	    /\bfit-(narrow|good|wide)\b/.test(cls) &&
	    /^(Good fit for your face|May look narrow on you|May look wide on you)$/.test(title),
	    `class "${cls}", title "${title}"`);
}

/* ---- (a) The upload form, then another frame without uploading ---- */

async function caseUpload() {
	const b = await launch('upload', []);
	const { page } = b;
	try {
		const r = await page.goto(base);
		eq('upload: GET / is 200', r.status(), 200);
		const frames = await page.$$eval('input[name="frame"]', (els) =>
		    els.map((e) => ({ sku: e.value, checked: e.checked })));
		check(`upload: the catalog offers frames (${frames.length})`, frames.length >= 12);
		await loadAllThumbs(page, 'upload');
		await shot(page, 'upload-page');

		await page.setInputFiles('#photo', env.FF_SELFIE);
		await page.waitForFunction(() => {
			const i = document.getElementById('preview-img');
			return !document.getElementById('preview').hidden &&
			    i.complete && i.naturalWidth > 0;
		});
		ok('upload: the chosen photo shows as a preview');
		check('upload: status says the photo is ready',
		    /^Photo ready: /.test(await page.textContent('#photo-status')));
		await shot(page, 'upload-photo-chosen');

		/* Not the preselected frame: the choice must be ours. */
		const sku = frames.find((f) => !f.checked).sku;
		const name = (await page.textContent(`label[for="f-${sku}"] .card-name`)).trim();
		await page.click(`label[for="f-${sku}"]`);
		eq('upload: the clicked frame is selected',
		    await page.$eval('input[name="frame"]:checked', (e) => e.value), sku);
		await shot(page, 'upload-frame-chosen');
		noProblems(b, 'upload page');

		const tok = await submitTryon(b, 'upload');
		if (tok === null) {
			await shot(page, 'upload-failed');
			return;
		}
		let img = await resultImage(page);
		eq('upload: the result shows the chosen frame', img.src, `/t/${tok}/${sku}.jpg`);
		check(`upload: the result image loads (${img.w} x ${img.h})`, img.w > 0);
		eq('upload: the render keeps the photo size',
		    `${img.w}x${img.h}`, `${SELFIE_SIDE}x${SELFIE_SIDE}`);
		eq('upload: the page names the frame',
		    (await page.textContent('#frame-name')).trim(), name);
		await checkFit(page, 'upload');
		check('upload: download link',
		    await page.locator(`a[download][href="/t/${tok}/${sku}.jpg?download=1"]`).count() === 1);
		await loadAllThumbs(page, 'result');
		await shot(page, 'upload-result');
		eq('upload: DB has the upload from the form',
		    sql(`SELECT source, mime, width, height FROM uploads WHERE token = '${tok}'`),
		    `form\timage/jpeg\t${SELFIE_SIDE}\t${SELFIE_SIDE}`);
		noProblems(b, 'upload result');

		/* Switch frames from the result page: a GET, no new upload. */
		const uploads0 = sql('SELECT COUNT(*) FROM uploads');
		let posts = 0;
		page.on('request', (q) => { if (q.method() === 'POST') posts++; });
		const link = page.locator('.others .card:not(.is-current) a.card-body').nth(2);
		const href = await link.getAttribute('href');
		const m = /^\/t\/[A-Za-z0-9_-]+\?frame=([A-Za-z0-9_-]+)$/.exec(href ?? '');
		if (!check('switch: other frames link to the same token', m &&
		    href.startsWith(`/t/${tok}?`), `href ${href}`))
			return;
		const sku2 = m[1];
		await link.click();
		await page.waitForURL((u) => u.search === `?frame=${sku2}`);
		await page.waitForLoadState('load');
		img = await resultImage(page);
		eq('switch: the result shows the other frame', img.src, `/t/${tok}/${sku2}.jpg`);
		check(`switch: the image loads (${img.w} x ${img.h})`, img.w > 0);
		eq('switch: no upload again (no POST)', posts, 0);
		eq('switch: no new upload row', sql('SELECT COUNT(*) FROM uploads'), uploads0);
		eq('switch: two try-ons for the token', sql(`SELECT COUNT(*) FROM tryons t
		    JOIN uploads u ON u.id = t.upload_id WHERE u.token = '${tok}'`), '2');
		eq('switch: the new frame is marked current',
		    await page.getAttribute('.others .card.is-current a', 'href'), `/t/${tok}?frame=${sku2}`);
		await checkFit(page, 'switch');
		await loadAllThumbs(page, 'switched result');
		await shot(page, 'upload-switched');
		noProblems(b, 'switched result');

		/* "Delete my photo": a POST with its CSRF token, then home. */
		await page.click('.privacy-box button[type="submit"]');
		await page.waitForURL((u) => u.pathname === '/');
		const del = b.navs.filter((h) => h.method === 'POST').pop();
		eq('delete: POST answers 303', del?.status, 303);
		eq('delete: back home with a notice', new URL(page.url()).search, '?deleted=1');
		check('delete: the page confirms it', /have been deleted/.test(
		    await page.textContent('.notice').catch(() => '')));
		eq('delete: the upload row is gone',
		    sql(`SELECT COUNT(*) FROM uploads WHERE token = '${tok}'`), '0');
		await shot(page, 'upload-deleted');
		noProblems(b, 'after delete');
	} catch (e) {
		nok('upload: the case ran to its end', e.message.split('\n')[0]);
		await shot(page, 'upload-error').catch(() => {});
	} finally {
		await b.done();
	}
}

/* ---- (b) The webcam, through the fake camera ---- */

async function caseWebcam() {
	const b = await launch('webcam', ['--use-fake-device-for-media-stream',
	    '--use-fake-ui-for-media-stream',
	    `--use-file-for-fake-video-capture=${env.FF_CAMERA}`]);
	const { page } = b;
	try {
		const r = await page.goto(base);
		eq('webcam: GET / is 200', r.status(), 200);
		await loadAllThumbs(page, 'webcam');
		check('webcam: the webcam button shows', await page.isVisible('#cam-start'));
		await shot(page, 'webcam-button');

		await page.click('#cam-start');
		await page.waitForFunction(() => {
			const v = document.getElementById('cam-video');
			return !document.getElementById('cam-view').hidden &&
			    v.readyState >= 2 && v.videoWidth > 0 && v.currentTime > 0;
		});
		ok('webcam: the camera preview plays');
		const v = await page.$eval('#cam-video', (el) => {
			/* A pixel of the grey padding, left of the face. */
			const c = document.createElement('canvas');
			c.width = el.videoWidth;
			c.height = el.videoHeight;
			const g = c.getContext('2d');
			g.drawImage(el, 0, 0);
			return { w: el.videoWidth, h: el.videoHeight,
			    px: [...g.getImageData(20, el.videoHeight >> 1, 1, 1).data] };
		});
		eq('webcam: the video is the fake camera file', `${v.w}x${v.h}`, `${CAM_W}x${CAM_H}`);
		check(`webcam: it plays our video (padding pixel ${v.px.slice(0, 3)})`,
		    v.px.slice(0, 3).every((c) => Math.abs(c - 128) <= 12),
		    'not the grey padding of cam.y4m');
		await shot(page, 'webcam-live');

		await page.click('#cam-snap');
		await page.waitForFunction(() => {
			const i = document.getElementById('preview-img');
			return !document.getElementById('preview').hidden &&
			    i.complete && i.naturalWidth > 0;
		});
		ok('webcam: the still shows as a preview');
		eq('webcam: the camera is off again', await page.isHidden('#cam-view'), true);
		eq('webcam: the form says source webcam', await page.inputValue('#source'), 'webcam');
		eq('webcam: the still is in the file input', await page.$eval('#photo',
		    (i) => i.files.length === 1 ? `${i.files[0].name} ${i.files[0].type}` : `${i.files.length} files`),
		    'webcam.jpg image/jpeg');
		check('webcam: status says the photo is taken',
		    /^Photo taken\./.test(await page.textContent('#photo-status')));
		const frames = await page.$$eval('input[name="frame"]', (els) => els.map((e) => e.value));
		const sku = frames[frames.length - 1];
		await page.click(`label[for="f-${sku}"]`);
		await shot(page, 'webcam-still');
		noProblems(b, 'webcam page');

		const tok = await submitTryon(b, 'webcam');
		if (tok === null) {
			await shot(page, 'webcam-failed');
			return;
		}
		const img = await resultImage(page);
		eq('webcam: the result shows the chosen frame', img.src, `/t/${tok}/${sku}.jpg`);
		check(`webcam: the result image loads (${img.w} x ${img.h})`, img.w > 0);
		eq('webcam: the render has the camera size', `${img.w}x${img.h}`, `${CAM_W}x${CAM_H}`);
		await checkFit(page, 'webcam');
		await loadAllThumbs(page, 'webcam result');
		await shot(page, 'webcam-result');
		eq('webcam: DB records the source webcam',
		    sql(`SELECT source, mime, width, height FROM uploads WHERE token = '${tok}'`),
		    `webcam\timage/jpeg\t${CAM_W}\t${CAM_H}`);
		eq('webcam: DB has the try-on', sql(`SELECT f.sku FROM tryons t
		    JOIN uploads u ON u.id = t.upload_id JOIN frames f ON f.id = t.frame_id
		    WHERE u.token = '${tok}'`), sku);
		noProblems(b, 'webcam result');
	} catch (e) {
		nok('webcam: the case ran to its end', e.message.split('\n')[0]);
		await shot(page, 'webcam-error').catch(() => {});
	} finally {
		await b.done();
	}
}

try {
	await caseUpload();
	await caseWebcam();
} catch (e) {
	nok('browser', e.message.split('\n')[0]);
}
console.log(`# tryon.mjs: ${pass} passed, ${fail} failed`);
process.exit(fail === 0 ? 0 : 1);
