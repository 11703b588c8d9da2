/*
 * embed.mjs: framefit on the shop's product page (docs/EMBED.md), in
 * Chromium. node serves the product page itself, on another origin than
 * framefit (http://localhost:FF_EMBED_PORT, which run.sh lists in
 * FF_EMBED_ORIGINS, embedding http://127.0.0.1:PORT):
 *
 *   iframe     the product page's iframe loads framefit without its
 *              header, with the product's frame chosen; a photo upload
 *              completes inside it; the host receives framefit:tryon
 *              with that SKU and the result's token, and framefit:height,
 *              both from framefit's origin, and sizes the iframe
 *   refused    the same page from an origin not listed: Chromium refuses
 *              to frame framefit (frame-ancestors), and the frame shows
 *              none of it
 *   link       the plain "Try on" link with return=: the try-on in a page
 *              of its own, then "Back to the product" lands on the
 *              product page
 */
import http from 'node:http';
import {
	base, env, ok, nok, check, eq, sql, shot, launch, runCases, noProblems,
	TRYON_TIMEOUT_MS,
} from './lib.mjs';

const framefit = new URL(base).origin;
/* Not the first frame: the preselection must come from the link. */
const sku = sql('SELECT sku FROM frames WHERE active = 1 ORDER BY sku LIMIT 1 OFFSET 1');

/* The shop's product page, with framefit's documented snippets. */
function productPage(origin) {
	const tryon = `${framefit}/?frame=${encodeURIComponent(sku)}`;
	const back = `${origin}/product/${sku}`;
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Product ${sku}</title></head>
<body>
<h1>Frame ${sku}</h1>
<a id="tryon-link" href="${tryon}&amp;return=${encodeURIComponent(back)}">Try on</a>
<iframe id="framefit" src="${tryon}&amp;embed=1" title="Try this frame on"
  allow="camera" width="900" height="500"></iframe>
<script>
window.ffMessages = [];
window.addEventListener('message', function (e) {
	if (e.origin !== ${JSON.stringify(framefit)})
		return;
	window.ffMessages.push({ origin: e.origin, data: e.data });
	var frame = document.getElementById('framefit');
	if (e.data && e.data.type === 'framefit:height')
		frame.style.height = e.data.px + 'px';
	if (e.data && e.data.type === 'framefit:page' && frame.getBoundingClientRect().top < 0)
		frame.scrollIntoView({ block: 'start' });
});
</script>
</body></html>
`;
}

/* Serve the product page on port (0: any); resolves to the server. */
function serve(port) {
	const srv = http.createServer((req, res) => {
		const origin = `http://localhost:${srv.address().port}`;
		if (req.url === '/favicon.ico') {
			res.writeHead(204);
			res.end();
			return;
		}
		res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
		res.end(productPage(origin));
	});
	return new Promise((resolve, reject) => {
		srv.once('error', reject);
		srv.listen(port, 'localhost', () => resolve(srv));
	});
}

function frameOf(page) {
	return page.frames().find((f) => f !== page.mainFrame());
}

async function iframe() {
	const srv = await serve(Number(env.FF_EMBED_PORT));
	const host = `http://localhost:${srv.address().port}`;
	const b = await launch('iframe', []);
	const { page } = b;
	try {
		await page.goto(`${host}/product/${sku}`);
		const f = frameOf(page);
		await f.waitForSelector('#tryon-form');
		eq('iframe: framefit loads inside the product page', new URL(f.url()).origin, framefit);
		eq('iframe: no framefit header', await f.$$eval('header.site', (e) => e.length), 0);
		eq('iframe: no framefit footer', await f.$$eval('footer.site', (e) => e.length), 0);
		eq('iframe: the embedded layout', await f.$eval('body', (e) => e.className), 'embed');
		eq('iframe: the product\'s frame is chosen',
		    await f.$eval('input[name="frame"]:checked', (e) => e.value), sku);
		await page.waitForFunction(() => window.ffMessages.some((m) =>
		    m.data && m.data.type === 'framefit:height'));
		const h0 = await page.evaluate(() => window.ffMessages
		    .filter((m) => m.data.type === 'framefit:height').pop().data.px);
		check('iframe: framefit:height reports the page', h0 > 300, `px ${h0}`);
		await shot(page, 'iframe-upload');

		await f.setInputFiles('#photo', env.FF_SELFIE);
		await f.click('#submit');
		await f.waitForURL((u) => /^\/t\/[A-Za-z0-9_-]{32}$/.test(u.pathname),
		    { timeout: TRYON_TIMEOUT_MS });
		await f.waitForLoadState('load');
		const tok = new URL(f.url()).pathname.slice(3);
		ok('iframe: the try-on completes inside the iframe');
		eq('iframe: the product page stays where it was', page.url(), `${host}/product/${sku}`);
		eq('iframe: still without framefit\'s header',
		    await f.$$eval('header.site', (e) => e.length), 0);
		await f.waitForFunction(() => {
			const i = document.querySelector('.stage-img');
			return i && i.complete && i.naturalWidth > 0;
		});
		ok('iframe: the render shows');
		const m = await page.waitForFunction(() => window.ffMessages.find((x) =>
		    x.data && x.data.type === 'framefit:tryon'), null,
		    { timeout: STEP_MS }).then((h) => h.jsonValue()).catch(() => null);
		if (check('iframe: the host page receives framefit:tryon', m !== null)) {
			eq('iframe: from framefit\'s origin', m.origin, framefit);
			eq('iframe: with the SKU', m.data.sku, sku);
			eq('iframe: with the result\'s token', m.data.token, tok);
		}
		const row = sql(`SELECT f.sku FROM tryons t JOIN uploads u ON u.id = t.upload_id ` +
		    `JOIN frames f ON f.id = t.frame_id WHERE u.token = '${tok}'`);
		eq('iframe: the try-on is recorded with that frame', row, sku);
		/* Another frame from the strip, switched in place: the host
		 * hears of it too. */
		const other = await f.$eval('#strip .strip-item:not(.is-current) a',
		    (a) => a.getAttribute('data-sku'));
		const n0 = await page.evaluate(() => window.ffMessages.length);
		await f.click(`#strip a[data-sku="${other}"]`);
		const m2 = await page.waitForFunction((n) => window.ffMessages.slice(n).find((x) =>
		    x.data && x.data.type === 'framefit:tryon'), n0,
		    { timeout: STEP_MS }).then((h) => h.jsonValue()).catch(() => null);
		if (check('iframe: a frame switched in place sends framefit:tryon', m2 !== null)) {
			eq('iframe: with the new SKU', m2.data.sku, other);
			eq('iframe: and the same token', m2.data.token, tok);
		}
		const h1 = await page.evaluate(() => ({
			px: window.ffMessages.filter((x) => x.data.type === 'framefit:height').pop().data.px,
			css: document.getElementById('framefit').clientHeight,
		}));
		eq('iframe: the host sized the iframe to the last height', Math.round(h1.css), h1.px);
		await shot(page, 'iframe-result');
		const posts = b.posts.filter((p) => p.path === '/tryon');
		eq('iframe: the POST carried framefit\'s own Origin', posts[0]?.origin, framefit);
		noProblems(b, 'iframe');
	} finally {
		await b.done();
		srv.close();
	}
}

/* On a phone the shopper scrolls down to the button; the result must
 * show from its top, not from where the form's button was. */
async function iframePhone() {
	const srv = await serve(Number(env.FF_EMBED_PORT));
	const host = `http://localhost:${srv.address().port}`;
	const b = await launch('iframe-phone', []);
	const { page } = b;
	try {
		await page.setViewportSize({ width: 390, height: 844 });
		await page.goto(`${host}/product/${sku}`);
		const f = frameOf(page);
		await f.waitForSelector('#tryon-form');
		await f.setInputFiles('#photo', env.FF_SELFIE);
		await f.click('#submit');
		const y0 = await page.evaluate(() => window.scrollY);
		check('phone: the shopper scrolled down to the button', y0 > 0, `scrollY ${y0}`);
		await f.waitForURL((u) => /^\/t\/[A-Za-z0-9_-]{32}$/.test(u.pathname),
		    { timeout: TRYON_TIMEOUT_MS });
		await f.waitForLoadState('load');
		await page.waitForFunction(() => window.ffMessages.filter((m) =>
		    m.data && m.data.type === 'framefit:page').length >= 2, null, { timeout: STEP_MS });
		const top = await page.evaluate(() =>
		    document.getElementById('framefit').getBoundingClientRect().top);
		check('phone: the result shows from the iframe\'s top', top >= -1 && top < 844,
		    `iframe top at ${top}`);
		const img = await f.$eval('.stage-img', (i) => i.getBoundingClientRect().top);
		check('phone: the try-on picture is on the screen', top + img < 844, `at ${top + img}`);
		await shot(page, 'iframe-phone-result');
		noProblems(b, 'phone');
	} finally {
		await b.done();
		srv.close();
	}
}

async function refused() {
	const srv = await serve(0);
	const host = `http://localhost:${srv.address().port}`;
	const b = await launch('refused', []);
	const { page } = b;
	try {
		await page.goto(`${host}/product/${sku}`);
		/* Chromium replaces a refused frame with its own error page. */
		await page.waitForTimeout(2000);
		const f = frameOf(page);
		const url = f ? f.url() : '(no frame)';
		check('refused: the frame is not framefit', !url.startsWith(framefit), url);
		const form = f ? await f.$('#tryon-form').catch(() => null) : null;
		eq('refused: no upload form in the frame', form, null);
		eq('refused: no message reached the host',
		    await page.evaluate(() => window.ffMessages.length), 0);
		check('refused: Chromium names frame-ancestors',
		    b.problems.some((p) => /frame-ancestors/.test(p)), b.problems.join(' | '));
		await shot(page, 'refused');
	} finally {
		await b.done();
		srv.close();
	}
}

async function link() {
	const srv = await serve(Number(env.FF_EMBED_PORT));
	const host = `http://localhost:${srv.address().port}`;
	const b = await launch('link', []);
	const { page } = b;
	try {
		await page.goto(`${host}/product/${sku}`);
		await page.click('#tryon-link');
		await page.waitForSelector('#tryon-form');
		eq('link: framefit with its header', await page.$$eval('header.site', (e) => e.length), 1);
		eq('link: the product\'s frame is chosen',
		    await page.$eval('input[name="frame"]:checked', (e) => e.value), sku);
		await page.setInputFiles('#photo', env.FF_SELFIE);
		await page.click('#submit');
		await page.waitForURL((u) => u.pathname.startsWith('/t/'), { timeout: TRYON_TIMEOUT_MS });
		const back = await page.$eval('#back-to-product', (a) => a.href).catch(() => null);
		eq('link: the result offers "Back to the product"', back, `${host}/product/${sku}`);
		await shot(page, 'link-result');
		await page.click('#back-to-product');
		await page.waitForURL(`${host}/product/${sku}`);
		ok('link: "Back to the product" returns to the product page');
		noProblems(b, 'link');
	} finally {
		await b.done();
		srv.close();
	}
}

const STEP_MS = 30000;
await runCases(iframe, iframePhone, refused, link);
