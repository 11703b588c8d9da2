/*
 * framefit inside the shop's product page (docs/EMBED.md): tells the
 * host page, and only the host page, what it needs.
 *
 *   {type: 'framefit:height', px}         the page's height in CSS
 *                                         pixels, whenever it changes,
 *                                         so the host sizes the iframe
 *   {type: 'framefit:page'}               a new page loaded in the
 *                                         iframe: the host brings the
 *                                         iframe's top into view when it
 *                                         is scrolled above it, as a
 *                                         navigation would
 *   {type: 'framefit:tryon', sku, token}  a try-on is on screen (each
 *                                         result page, and each frame
 *                                         switched in place): the
 *                                         frame's SKU and the result's
 *                                         token
 *
 * Loaded only on pages the server rendered embedded, which it does only
 * for origins in FF_EMBED_ORIGINS; the list is on <body
 * data-embed-origins>. A message goes to the parent's origin, never to
 * '*', and only when that origin is on the list: from
 * location.ancestorOrigins (Chromium, Safari), else from the referrer
 * of the first page (Firefox), remembered for the tab's later pages.
 */
(function () {
	'use strict';

	var body = document.body;
	if (window.parent === window || !body)
		return;

	var KEY = 'framefit:host';
	var list = (body.getAttribute('data-embed-origins') || '').split(' ')
	    .filter(function (o) { return o !== ''; });
	var host = null;

	function originOf(url) {
		try {
			return new URL(url).origin;
		} catch (e) {
			return null;
		}
	}

	function allowed(o) {
		return typeof o === 'string' && list.indexOf(o) >= 0;
	}

	if (location.ancestorOrigins && location.ancestorOrigins.length > 0) {
		/* [0] is the parent's: the one postMessage must name. */
		if (allowed(location.ancestorOrigins[0]))
			host = location.ancestorOrigins[0];
	} else {
		var ref = document.referrer ? originOf(document.referrer) : null;
		if (allowed(ref)) {
			host = ref;
		} else {
			/* Storage may be refused to a third-party frame. */
			try {
				var kept = sessionStorage.getItem(KEY);
				if (allowed(kept))
					host = kept;
			} catch (e) { /* no memory: no message */ }
		}
	}
	if (host === null)
		return;
	try {
		sessionStorage.setItem(KEY, host);
	} catch (e) { /* as above */ }

	function post(msg) {
		window.parent.postMessage(msg, host);
	}

	var last = -1;
	function height() {
		/* The content's height, not scrollHeight, which is never
		 * less than the iframe's: a page that shrinks must say so. */
		var px = Math.ceil(document.documentElement.getBoundingClientRect().height);
		if (px !== last) {
			last = px;
			post({ type: 'framefit:height', px: px });
		}
	}

	post({ type: 'framefit:page' });
	height();
	if (typeof ResizeObserver === 'function')
		new ResizeObserver(height).observe(document.documentElement);
	else
		window.addEventListener('resize', height);
	window.addEventListener('load', height);

	/* The try-on on screen: on each result page, and again after
	 * app.js swaps in another frame without a reload (ff:shown). */
	function tryon() {
		var sku = body.getAttribute('data-tryon-sku');
		if (sku) {
			post({
				type: 'framefit:tryon',
				sku: sku,
				token: body.getAttribute('data-tryon-token') || null
			});
		}
	}
	tryon();
	document.addEventListener('ff:shown', tryon);
})();
