"""The peer of bench/bench_phone.sh: a virtual try-on the way a competent
Python developer writes one with Flask and OpenCV (bench/peer/README.md).

POST /tryon, multipart/form-data with a "photo" file (and a "frame"
field, which names the colour here): the photo is decoded upright (EXIF
orientation), the face and its eyes are found with OpenCV's Haar cascades
on a small grey copy, a pair of glasses is drawn at the eyes, and the
picture is answered as a JPEG, capped at the same 1600 px long side as
framefit's answer. 422 when no face is found, 400 without a photo.

    gunicorn -w 2 -b 127.0.0.1:8090 --chdir bench/peer app:app
"""
import os

import cv2
import numpy as np
from flask import Flask, Response, abort, request

CASCADES = os.environ.get("PEER_CASCADES", "/usr/share/opencv4/haarcascades")
# The long side of the picture answered (framefit's PHOTO_MAX_SIDE), and
# of the grey copy the cascades run on (the usual tutorial size).
MAX_SIDE = 1600
DETECT_SIDE = int(os.environ.get("PEER_DETECT_SIDE", "640"))
JPEG_QUALITY = 85

face_cascade = cv2.CascadeClassifier(
    os.path.join(CASCADES, "haarcascade_frontalface_default.xml"))
eye_cascade = cv2.CascadeClassifier(os.path.join(CASCADES, "haarcascade_eye.xml"))
if face_cascade.empty() or eye_cascade.empty():
    raise SystemExit("peer: no Haar cascades under %s (apt install opencv-data)"
                     % CASCADES)
# One thread per worker: gunicorn runs one worker per core already.
cv2.setNumThreads(int(os.environ.get("PEER_CV_THREADS", "1")))

COLOURS = {"black": (20, 20, 20), "tortoise": (30, 60, 110), "gold": (40, 170, 210)}

app = Flask(__name__)


def find_eyes(gray):
    """The eye centres (x, y) in gray's pixels, image-left first, or None."""
    faces = face_cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5,
                                          minSize=(40, 40))
    if len(faces) == 0:
        return None
    x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
    # Eyes lie in the upper half of the face box.
    roi = gray[y:y + h // 2, x:x + w]
    eyes = eye_cascade.detectMultiScale(roi, scaleFactor=1.1, minNeighbors=5,
                                        minSize=(w // 10, w // 10))
    # The largest eye in each half of the face; where one is missing, it
    # goes where it is on an average face.
    pts = [(x + 0.3 * w, y + 0.38 * h), (x + 0.7 * w, y + 0.38 * h)]
    for side in (0, 1):
        half = [e for e in eyes if (e[0] + e[2] / 2 >= w / 2) == bool(side)]
        if half:
            ex, ey, ew, eh = max(half, key=lambda e: e[2] * e[3])
            pts[side] = (x + ex + ew / 2, y + ey + eh / 2)
    return pts


def draw_glasses(img, left, right, colour):
    """Two lenses, a bridge and the temples, scaled to the eye distance."""
    (lx, ly), (rx, ry) = left, right
    d = float(np.hypot(rx - lx, ry - ly))
    angle = float(np.degrees(np.arctan2(ry - ly, rx - lx)))
    axes = (int(d * 0.42), int(d * 0.32))
    t = max(2, int(d / 25))
    for cx, cy in (left, right):
        cv2.ellipse(img, (int(cx), int(cy)), axes, angle, 0, 360, colour, t,
                    cv2.LINE_AA)
    ux, uy = (rx - lx) / d, (ry - ly) / d
    inner = d / 2 - axes[0]
    cv2.line(img, (int(lx + ux * axes[0]), int(ly + uy * axes[0])),
             (int(rx - ux * axes[0]), int(ry - uy * axes[0])), colour, t,
             cv2.LINE_AA)
    for (cx, cy), s in ((left, -1), (right, 1)):
        ox, oy = cx + s * ux * axes[0], cy + s * uy * axes[0]
        cv2.line(img, (int(ox), int(oy)),
                 (int(ox + s * ux * inner), int(oy + s * uy * inner)), colour,
                 t, cv2.LINE_AA)


@app.post("/tryon")
def tryon():
    photo = request.files.get("photo")
    if photo is None:
        abort(400, "no photo")
    data = np.frombuffer(photo.read(), np.uint8)
    # IMREAD_COLOR applies the EXIF orientation.
    img = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if img is None:
        abort(422, "not an image")
    s = MAX_SIDE / max(img.shape[:2])
    if s < 1:
        img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    k = DETECT_SIDE / max(gray.shape) if DETECT_SIDE > 0 else 1.0
    if k < 1:
        gray = cv2.resize(gray, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    else:
        k = 1.0
    gray = cv2.equalizeHist(gray)
    eyes = find_eyes(gray)
    if eyes is None:
        abort(422, "no face found")
    left, right = [(x / k, y / k) for x, y in eyes]
    colour = COLOURS.get(request.form.get("frame", ""), COLOURS["black"])
    draw_glasses(img, left, right, colour)
    ok, jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        abort(500)
    return Response(jpg.tobytes(), mimetype="image/jpeg")


@app.get("/healthz")
def healthz():
    return "ok\n"
