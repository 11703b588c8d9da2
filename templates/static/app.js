/*
 * framefit: the upload page's behaviour. An external file because the
 * Content-Security-Policy allows no inline script.
 *
 * The webcam path ends in the same form as a file upload: the still is
 * put into the file input (DataTransfer) and the form is submitted the
 * ordinary way, so the server's 303 and error pages work unchanged.
 */
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

	function showPreview(file) {
		if (previewUrl)
			URL.revokeObjectURL(previewUrl);
		previewUrl = URL.createObjectURL(file);
		previewImg.src = previewUrl;
		preview.hidden = false;
		placeholder.hidden = true;
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
			/* The still is not mirrored: the preview is, like a mirror,
			 * but the try-on shows the face as others see it. */
			canvas.getContext('2d').drawImage(video, 0, 0, w, h);
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
		submit.disabled = true;
		submit.textContent = 'Finding your face\u2026';
	});

	/* Coming back with the browser's back button re-enables the form. */
	window.addEventListener('pageshow', function () {
		submit.disabled = false;
		submit.textContent = 'Try it on';
	});
})();
