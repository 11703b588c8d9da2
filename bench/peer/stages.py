#!/usr/bin/python3
"""stages.py: where the peer's time goes, per photo: the steps of
app.py's POST /tryon run in this process, each timed as CPU time of the
thread (time.thread_time), median of REPS runs. The counterpart of
bench/bench_pipeline for framefit (docs/PERFORMANCE.md).

    bench/peer/stages.py photo.jpg ...

Steps: parse (Werkzeug's multipart parser on the upload's body), decode
(cv2.imdecode), resize (to the 1600 px answer), detect (grey copy, shrink,
equalise, both cascades), draw, encode (cv2.imencode).
"""
import io
import os
import statistics
import sys
import time

import cv2
import numpy as np
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import app  # noqa: E402  (the peer itself: its cascades and functions)

REPS = int(os.environ.get("REPS", "5"))
STEPS = ["parse", "decode", "resize", "detect", "draw", "encode"]


def once(body):
    t = {}
    c = time.thread_time()
    env = EnvironBuilder(method="POST", data={
        "frame": "black", "photo": (io.BytesIO(body), "selfie.jpg")}).get_environ()
    data = np.frombuffer(Request(env).files["photo"].read(), np.uint8)
    t["parse"] = time.thread_time() - c
    c = time.thread_time()
    img = cv2.imdecode(data, cv2.IMREAD_COLOR)
    t["decode"] = time.thread_time() - c
    c = time.thread_time()
    s = app.MAX_SIDE / max(img.shape[:2])
    if s < 1:
        img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    t["resize"] = time.thread_time() - c
    c = time.thread_time()
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    k = app.DETECT_SIDE / max(gray.shape) if app.DETECT_SIDE > 0 else 1.0
    if k < 1:
        gray = cv2.resize(gray, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    else:
        k = 1.0
    eyes = app.find_eyes(cv2.equalizeHist(gray))
    t["detect"] = time.thread_time() - c
    c = time.thread_time()
    if eyes is not None:
        left, right = [(x / k, y / k) for x, y in eyes]
        app.draw_glasses(img, left, right, app.COLOURS["black"])
    t["draw"] = time.thread_time() - c
    c = time.thread_time()
    cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, app.JPEG_QUALITY])
    t["encode"] = time.thread_time() - c
    return t


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: stages.py photo.jpg ...")
    print("peer stages: CPU ms of one thread, median of %d runs a photo" % REPS)
    print("  %-24s" % "photo" + "".join(" %8s" % s for s in STEPS) + " %8s" % "sum")
    per = {s: [] for s in STEPS}
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            body = f.read()
        once(body)
        runs = [once(body) for _ in range(REPS)]
        row, total = "  %-24.24s" % os.path.basename(path), 0.0
        for s in STEPS:
            m = statistics.median(r[s] for r in runs) * 1000
            per[s].append(m)
            total += m
            row += " %8.1f" % m
        print(row + " %8.1f" % total)
    if len(sys.argv) > 2:
        meds = [statistics.median(per[s]) for s in STEPS]
        print("  %-24s" % "median over photos" +
              "".join(" %8.1f" % m for m in meds) + " %8.1f" % sum(meds))


if __name__ == "__main__":
    main()
