/*
 * lib.mjs: what every browser test shares: the environment that
 * tests/browser/run.sh sets, the ok/FAIL tally, SQL through scripts/db.sh,
 * screenshots, a fresh Chromium per case that records every console error,
 * CSP violation and failed request, and the upload form's submit.
 * Each tests/browser/<name>.mjs imports it and ends with runCases(...).
 */
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const env = process.env;
for (const v of ['FF_URL', 'FF_CHROMIUM', 'FF_ARTIFACTS', 'FF_TMP',
    'FF_SELFIE', 'FF_CAMERA', 'FF_ROOT']) {
	if (!env[v]) {
		console.error(`${me}.mjs: ${v} is not set (run tests/browser/run.sh)`);
		process.exit(2);
	}
}
export const base = env.FF_URL;
export const art = env.FF_ARTIFACTS;

/* Submitting runs the detector: allow for a slow, busy machine. */
export const TRYON_TIMEOUT_MS = 120000;
export const STEP_TIMEOUT_MS = 30000;

let pass = 0, fail = 0;
/* Which test file this is: the tally's name and the screenshots' prefix. */
const me = path.basename(process.argv[1] ?? 'browser', '.mjs');
export function ok(name) { pass++; console.log(`ok   - ${name}`); }
export function nok(name, why) { fail++; console.log(`FAIL - ${name}${why ? ': ' + why : ''}`); }
export function check(name, cond, why) { cond ? ok(name) : nok(name, why); return !!cond; }
export function eq(name, got, want) {
	return check(name, got === want,
	    `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

/* One query through scripts/db.sh; rows joined by \n, columns by \t. */
export function sql(q) {
	return execFileSync(path.join(env.FF_ROOT, 'scripts/db.sh'),
	    ['sql', '-N', '-B', '-e', q], { encoding: 'utf8' }).trim();
}

let shotNo = 0;
export async function shot(page, name) {
	const file = path.join(art, `${me}-${String(++shotNo).padStart(2, '0')}-${name}.png`);
	await page.screenshot({ path: file, fullPage: true });
	console.log(`# screenshot ${file}`);
}

/* A browser of its own, with a fresh profile, for one case. */
export async function launch(name, extraArgs) {
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
export async function loadAllThumbs(page, what) {
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
export async function resultImage(page) {
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
export async function submitTryon(b, what) {
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

export function noProblems(b, what) {
	check(`${what}: no console errors, CSP violations or failed requests`,
	    b.problems.length === 0, b.problems.join(' | '));
	b.problems.length = 0;
}

/* Run the cases one after another; print the tally and exit with it. */
export async function runCases(...cases) {
	for (const c of cases) {
		try {
			await c();
		} catch (e) {
			nok(`${c.name}: ran to its end`, e.message.split('\n')[0]);
		}
	}
	console.log(`# ${me}.mjs: ${pass} passed, ${fail} failed`);
	process.exit(fail === 0 ? 0 : 1);
}
