/*
 * framefit: the pages' behaviour. An external file because the
 * Content-Security-Policy allows no inline script. Every page works
 * without it; it only makes them quicker and kinder.
 *
 * The upload page: the webcam path ends in the same form as a file
 * upload: the still is put into the file input (DataTransfer) and the
 * form is submitted the ordinary way, so the server's 303 and error
 * pages work unchanged.
 *
 * The result page: a frame from the strip or a new PD is shown in place.
 * The script fetches the result page the link or form names (the one
 * source of truth: the server's page), takes its parts (the picture's
 * address, the frame's details, the strip's links) and swaps them in,
 * with history.replaceState, so there is no reload, no jump and no new
 * history entry. Anything unexpected falls back to the link itself.
 */

/* The PD fields: the server reads "63.5", "63,5" and "63.5 mm"; the
 * range is checked here too, so the browser says so before sending. */
function ffPdCheck(input) {
	'use strict';
	var v = input.value.replace(/^\s+|\s+$/g, '').replace(/\s*mm$/i, '').replace(',', '.');
	var min = parseFloat(input.getAttribute('data-min'));
	var max = parseFloat(input.getAttribute('data-max'));
	var n = parseFloat(v);
	input.setCustomValidity(v === '' || !/^[0-9]{1,4}(\.[0-9]*)?$/.test(v) ||
	    (n >= min && n <= max) ? '' :
	    'Please enter a PD between ' + min + ' and ' + max +
	    ' mm. If your prescription gives two numbers, one per eye, add them.');
}
document.addEventListener('input', function (ev) {
	'use strict';
	if (ev.target.classList && ev.target.classList.contains('pd-input'))
		ffPdCheck(ev.target);
});

/* The no-face page of a photo that was not kept shows the copy this tab
 * kept when the form was sent; every other page forgets it. */
(function () {
	'use strict';
	var sent = document.getElementById('sent');
	var data = null;
	try {
		data = window.sessionStorage.getItem('ff-sent');
		if (!sent)
			window.sessionStorage.removeItem('ff-sent');
	} catch (e) {
		return;
	}
	if (sent && data && data.indexOf('data:image/jpeg;base64,') === 0) {
		document.getElementById('sent-photo').src = data;
		sent.hidden = false;
	}
})();

(function () {
	'use strict';

	var form = document.getElementById('tryon-form');
	if (!form)
		return;

	var input = document.getElementById('photo');
	var source = document.getElementById('source');
	var status = document.getElementById('photo-status');
	var preview = document.getElementById('preview');
	var previewImg = document.getElementById('preview-img');
	var placeholder = document.getElementById('placeholder');
	var webcam = document.getElementById('webcam');
	var camStart = document.getElementById('cam-start');
	var camView = document.getElementById('cam-view');
	var video = document.getElementById('cam-video');
	var snap = document.getElementById('cam-snap');
	var cancel = document.getElementById('cam-cancel');
	var canvas = document.getElementById('cam-canvas');
	var submit = document.getElementById('submit');
	var maxBytes = parseInt(input.getAttribute('data-max-bytes'), 10) || 15728640;
	var types = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'];
	var stream = null;
	var previewUrl = null;

	function say(text, kind) {
		status.textContent = text;
		status.className = 'status' + (kind ? ' is-' + kind : '');
	}

	var stage = preview.parentNode;

	/* A portrait photo or camera gets a portrait stage, so it is shown
	 * whole and not small. */
	function fitStage(w, h) {
		stage.classList.toggle('is-portrait', h > w);
	}

	function showPreview(file) {
		if (previewUrl)
			URL.revokeObjectURL(previewUrl);
		previewUrl = URL.createObjectURL(file);
		previewImg.src = previewUrl;
		preview.hidden = false;
		placeholder.hidden = true;
	}
	previewImg.addEventListener('load', function () {
		fitStage(previewImg.naturalWidth, previewImg.naturalHeight);
	});

	/* A small copy of the photo for this tab only, so that a no-face
	 * page can show what was sent although the server did not keep it. */
	function keepSent() {
		var w = previewImg.naturalWidth, h = previewImg.naturalHeight;
		if (preview.hidden || !w || !h)
			return;
		try {
			var k = Math.min(1, 480 / Math.max(w, h));
			var c = document.createElement('canvas');
			c.width = Math.round(w * k);
			c.height = Math.round(h * k);
			c.getContext('2d').drawImage(previewImg, 0, 0, c.width, c.height);
			window.sessionStorage.setItem('ff-sent', c.toDataURL('image/jpeg', 0.8));
		} catch (e) {
			/* Storage full or refused: the page just shows no copy. */
		}
	}

	/* Refuse early what the server would refuse, with the same words. */
	function check(file) {
		if (!file)
			return false;
		if (file.size > maxBytes) {
			say('That photo is larger than ' + Math.round(maxBytes / 1048576) +
			    ' MB. Please choose a smaller one.', 'error');
			return false;
		}
		if (file.type && types.indexOf(file.type) < 0) {
			say('Please choose a JPEG, PNG, WebP or GIF image.', 'error');
			return false;
		}
		return true;
	}

	input.addEventListener('change', function () {
		var file = input.files && input.files[0];
		source.value = 'form';
		if (!file) {
			say('');
			return;
		}
		if (check(file)) {
			showPreview(file);
			say('Photo ready: ' + file.name, 'ok');
		} else {
			input.value = '';
		}
	});

	function stopCamera() {
		if (stream) {
			stream.getTracks().forEach(function (t) { t.stop(); });
			stream = null;
		}
		video.srcObject = null;
		camView.hidden = true;
	}

	if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia &&
	    window.DataTransfer) {
		webcam.hidden = false;

		camStart.addEventListener('click', function () {
			say('Asking for your camera\u2026');
			navigator.mediaDevices.getUserMedia({
				video: { facingMode: 'user', width: { ideal: 1280 },
				    height: { ideal: 960 } },
				audio: false
			}).then(function (s) {
				stream = s;
				video.srcObject = s;
				video.addEventListener('loadedmetadata', function () {
					fitStage(video.videoWidth, video.videoHeight);
				}, { once: true });
				camView.hidden = false;
				preview.hidden = true;
				placeholder.hidden = true;
				say('Look at the camera, then press \u201cTake photo\u201d.');
				snap.focus();
			}).catch(function (e) {
				say(e && e.name === 'NotAllowedError' ?
				    'Camera access was blocked. You can still upload a photo.' :
				    'No camera could be opened. You can still upload a photo.',
				    'error');
			});
		});

		cancel.addEventListener('click', function () {
			stopCamera();
			placeholder.hidden = !preview.hidden;
			say('');
			camStart.focus();
		});

		snap.addEventListener('click', function () {
			var w = video.videoWidth, h = video.videoHeight;
			if (!w || !h) {
				say('The camera is not ready yet; try again in a moment.', 'error');
				return;
			}
			canvas.width = w;
			canvas.height = h;
			/*
			 * The still is mirrored like the preview. The preview must
			 * be a mirror, or the shopper cannot aim: a head moved left
			 * would move right. And a try-on is a mirror, like the one on
			 * an optician's counter: the still and the result show the
			 * face the shopper framed and approved, not its flip.
			 */
			var g = canvas.getContext('2d');
			g.translate(w, 0);
			g.scale(-1, 1);
			g.drawImage(video, 0, 0, w, h);
			canvas.toBlob(function (blob) {
				if (!blob) {
					say('The photo could not be taken.', 'error');
					return;
				}
				var file = new File([blob], 'webcam.jpg', { type: 'image/jpeg' });
				var dt = new DataTransfer();
				dt.items.add(file);
				input.files = dt.files;
				source.value = 'webcam';
				stopCamera();
				showPreview(file);
				say('Photo taken. Pick a frame and press \u201cTry it on\u201d.', 'ok');
			}, 'image/jpeg', 0.92);
		});

		/* "Retake" on a no-face page comes back here with cam=1. */
		if (form.getAttribute('data-cam') === '1') {
			camStart.scrollIntoView({ block: 'center' });
			camStart.click();
		}
	}

	/* The frame, PD and source also ride in the form's address: a body
	 * the server refuses unread (too large) says nothing, and its error
	 * page's way back still keeps them. The address's own parameters
	 * (embed=1, return=...) stay as they are. */
	var action = form.getAttribute('action');
	function chooseInAddress() {
		if (!window.URL || !window.URLSearchParams)
			return;
		var u = new URL(action, window.location.href);
		var frame = form.querySelector('input[name="frame"]:checked');
		var pd = form.elements.pd_mm;
		['frame', 'pd_mm', 'source'].forEach(function (n) { u.searchParams.delete(n); });
		if (frame)
			u.searchParams.set('frame', frame.value);
		if (pd && pd.value.trim() !== '')
			u.searchParams.set('pd_mm', pd.value.trim());
		if (source.value === 'webcam')
			u.searchParams.set('source', 'webcam');
		form.setAttribute('action', u.pathname + u.search);
	}

	form.addEventListener('submit', function (ev) {
		var file = input.files && input.files[0];
		if (!file) {
			ev.preventDefault();
			say('Please choose a photo or take one with your webcam.', 'error');
			input.focus();
			return;
		}
		if (!check(file)) {
			ev.preventDefault();
			return;
		}
		stopCamera();
		keepSent();
		chooseInAddress();
		submit.disabled = true;
		submit.textContent = 'Finding your face\u2026';
	});

	/* Coming back with the browser's back button re-enables the form. */
	window.addEventListener('pageshow', function () {
		submit.disabled = false;
		submit.textContent = 'Try it on';
	});
})();

/* ---- The result page: frames and PD in place ---- */
(function () {
	'use strict';

	var stage = document.getElementById('stage');
	var strip = document.getElementById('strip');
	var buy = document.getElementById('buy');
	if (!stage || !strip || !buy || !window.fetch || !window.DOMParser ||
	    !window.Promise || !history.replaceState || !('decode' in new Image()))
		return;

	/* The current frame in view in the strip (not the window). */
	var list = strip.querySelector('.strip-list');
	var current = strip.querySelector('.strip-item.is-current');
	if (list && current && current.offsetLeft + current.offsetWidth > list.clientWidth)
		list.scrollLeft = current.offsetLeft - (list.clientWidth - current.offsetWidth) / 2;

	var seq = 0;
	/* Pictures shown on this page, decoded, so going back to a frame is
	 * instant; this page's memory only (the server sends no-store). */
	var kept = [];
	var KEEP = 6;
	var news = document.createElement('p');
	news.className = 'visually-hidden';
	news.setAttribute('aria-live', 'polite');
	stage.parentNode.insertBefore(news, stage);

	function picture(src) {
		for (var i = 0; i < kept.length; i++)
			if (kept[i].getAttribute('src') === src)
				return Promise.resolve(kept[i]);
		var img = new Image();
		img.className = 'stage-img';
		img.src = src;
		return img.decode().then(function () {
			kept.push(img);
			if (kept.length > KEEP)
				kept.shift();
			return img;
		});
	}

	function apply(doc, next, img) {
		var old = stage.querySelector('.stage-img');
		var nb = doc.getElementById('buy');
		var focused = document.activeElement && buy.contains(document.activeElement) ?
		    document.activeElement.id : '';
		img.alt = next.getAttribute('alt');
		img.setAttribute('width', next.getAttribute('width'));
		img.setAttribute('height', next.getAttribute('height'));
		if (old !== img)
			old.parentNode.replaceChild(img, old);
		while (buy.firstChild)
			buy.removeChild(buy.firstChild);
		while (nb.firstChild)
			buy.appendChild(document.adoptNode(nb.firstChild));
		if (focused && document.getElementById(focused))
			document.getElementById(focused).focus({ preventScroll: true });

		var here = null;
		Array.prototype.forEach.call(strip.querySelectorAll('a.strip-link'), function (a) {
			var n = doc.querySelector('#strip a.strip-link[data-sku="' +
			    a.getAttribute('data-sku') + '"]');
			if (!n)
				return;
			a.setAttribute('href', n.getAttribute('href'));
			var cur = n.getAttribute('aria-current') === 'true';
			if (cur) {
				a.setAttribute('aria-current', 'true');
				here = a;
			} else
				a.removeAttribute('aria-current');
			a.parentNode.classList.toggle('is-current', cur);
			a.parentNode.classList.remove('is-pending');
		});
		var home = doc.getElementById('home-link');
		if (home)
			document.getElementById('home-link').setAttribute('href', home.getAttribute('href'));
		/* The photo's buttons post the frame and PD shown (hidden
		 * fields), so where they lead keeps them: the new page's. */
		var box = document.getElementById('photo-box');
		var nbox = doc.getElementById('photo-box');
		if (box && nbox)
			box.parentNode.replaceChild(document.adoptNode(nbox), box);
		document.title = doc.title;
		/* What the page says about itself on <body data-*> (embed.js
		 * reads the try-on shown there; ff:shown says it changed). */
		Array.prototype.slice.call(document.body.attributes).forEach(function (at) {
			if (/^data-/.test(at.name) && !doc.body.hasAttribute(at.name))
				document.body.removeAttribute(at.name);
		});
		Array.prototype.forEach.call(doc.body.attributes, function (at) {
			if (/^data-/.test(at.name))
				document.body.setAttribute(at.name, at.value);
		});
		/* The page's own address for what is shown: the current link. */
		if (here)
			history.replaceState(history.state, '', here.getAttribute('href'));
		news.textContent = 'Now showing ' + img.alt.replace(/^Your photo wearing /, '') + '.';
	}

	function show(url) {
		var my = ++seq;
		stage.setAttribute('aria-busy', 'true');
		stage.classList.add('is-loading');
		fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
		    .then(function (r) {
			if (!r.ok || !/^text\/html/.test(r.headers.get('Content-Type') || ''))
				throw new Error('answer ' + r.status);
			return r.text();
		}).then(function (html) {
			var doc = new DOMParser().parseFromString(html, 'text/html');
			var next = doc.querySelector('#stage .stage-img');
			if (!next || !doc.getElementById('buy'))
				throw new Error('not a result page');
			return picture(next.getAttribute('src')).then(function (img) {
				if (my === seq)
					apply(doc, next, img);
			});
		}).then(function () {
			if (my !== seq)
				return;
			stage.setAttribute('aria-busy', 'false');
			stage.classList.remove('is-loading');
			document.dispatchEvent(new CustomEvent('ff:shown', { detail: { url: url } }));
		}).catch(function () {
			/* The page itself says what went wrong. */
			if (my === seq)
				window.location.assign(url);
		});
	}

	strip.addEventListener('click', function (ev) {
		var a = ev.target.closest ? ev.target.closest('a.strip-link') : null;
		if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey ||
		    ev.ctrlKey || ev.shiftKey || ev.altKey)
			return;
		ev.preventDefault();
		Array.prototype.forEach.call(strip.querySelectorAll('.is-pending'), function (li) {
			li.classList.remove('is-pending');
		});
		a.parentNode.classList.add('is-pending');
		show(a.getAttribute('href'));
	});

	/* The PD form is part of what is swapped: listen above it. */
	buy.addEventListener('submit', function (ev) {
		var f = ev.target;
		if (f.id !== 'pd-form')
			return;
		ffPdCheck(f.elements.pd);
		if (!f.checkValidity()) {
			ev.preventDefault();
			f.reportValidity();
			return;
		}
		ev.preventDefault();
		var q = [];
		Array.prototype.forEach.call(f.elements, function (e) {
			if (e.name)
				q.push(encodeURIComponent(e.name) + '=' + encodeURIComponent(e.value.trim()));
		});
		show(f.getAttribute('action') + '?' + q.join('&'));
	});
})();
