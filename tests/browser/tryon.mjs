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
import {
	base, check, env, eq, launch, loadAllThumbs, noProblems, nok, ok, resultImage, runCases, shot, sql, submitTryon,
} from './lib.mjs';

/* The selfie is 1200 x 1200 (below the 1600 px cap: kept as is). */
const SELFIE_SIDE = 1200;
const CAM_W = 640, CAM_H = 480;

/*
 * The fit hint on a result page: visible, one of the three, and no claim
 * to have measured the face (src/render/fit.h: the width comes from the
 * PD alone): without a PD it speaks of an average adult face, with one
 * of a face with that PD.
 */
async function checkFit(page, what, pd = null) {
	const fit = page.locator('.fit');
	check(`${what}: fit hint visible`, await fit.isVisible().catch(() => false));
	const cls = await fit.getAttribute('class').catch(() => '');
	const title = (await page.locator('.fit-title').textContent().catch(() => '')).trim();
	const text = (await page.locator('.fit-text').textContent().catch(() => '')).replace(/\s+/g, ' ').trim();
	const whose = pd === null ? 'an average adult face' : 'a face with your PD';
	const m = /\bfit-(narrow|good|wide)\b/.exec(cls ?? '');
	const want = m === null ? '(no verdict)' : { good: 'Good fit for', narrow: 'May look narrow on',
	    wide: 'May look wide on' }[m[1]] + ' ' + whose;
	eq(`${what}: fit hint says narrow, good or wide of ${whose}`, title, want);
	check(`${what}: fit text gives the face width of the PD, not a measure of the face`,
	    (pd === null ? /^An average adult face, with a 63 mm PD, is about \d+ mm across the cheekbones; this frame is \d+ mm wide\./
	    : new RegExp(`^A face with a ${pd} mm PD is typically about \\d+ mm across the cheekbones; this frame is \\d+ mm wide\\.`)).test(text) &&
	    !/your face measures/.test(text), `"${text}"`);
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
		const link = page.locator('#strip .strip-item:not(.is-current) a.strip-link').nth(2);
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
		    await page.getAttribute('#strip .strip-item.is-current a', 'href'), `/t/${tok}?frame=${sku2}`);
		await checkFit(page, 'switch');
		await loadAllThumbs(page, 'switched result');
		await shot(page, 'upload-switched');
		noProblems(b, 'switched result');

		/* "Delete my photo": a POST with its CSRF token, then home with
		 * the frame on screen chosen: the one switched to in place, so
		 * the form's hidden field followed the switch. */
		eq('delete: the form carries the frame shown',
		    await page.getAttribute('#photo-box form[action$="/delete"] input[name="frame"]', 'value'), sku2);
		await page.click('.privacy-box button[type="submit"]');
		await page.waitForURL((u) => u.pathname === '/');
		const del = b.navs.filter((h) => h.method === 'POST').pop();
		eq('delete: POST answers 303', del?.status, 303);
		eq('delete: back home with a notice, the frame kept', new URL(page.url()).search,
		    `?frame=${sku2}&deleted=1`);
		eq('delete: that frame is chosen for the next photo',
		    await page.$eval('input[name="frame"]:checked', (e) => e.value), sku2);
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

await runCases(caseUpload, caseWebcam);
