#!/usr/bin/python3
"""scripts/eye_patches.py: where each source part's labellers put the eye
centre, read from the photos themselves (the model card's "How the
sources' eye centres differ, read from the photos").

Every labelled eye of a frontal face is cut out in its eye line's frame,
centred on its label (framefit's pixel convention: the labels moved by
half a pixel, dataset.h DS_LABEL_SHIFT), scaled to PX pixels per
inter-ocular distance, turned so the other eye is to the right and the
face's down is down, and its contrast normalised. The patches of one
part are averaged. Two parts whose labellers click the same point give
the same mean eye; a part whose labels sit higher gives a mean iris that
sits lower in its patch. The shift that best matches each part's mean
iris to the mean of all parts is that part's labelling convention, with
no model in between (the held-out runs measure the same through a
model); dataset.c ds_conventions holds it.

    scripts/eye_patches.py [--data DIR] [--png FILE] [--limit N]

(--limit: at most N faces of each part.) Eyes under MIN_IOD px apart are
left out: at that size the mean eye is mostly interpolation.

Prints one line per part (faces, shift along the eye line inwards and down
the face, in inter-ocular distances) and, with --png, writes the mean eyes
side by side, magnified, the label at each centre. Needs Debian's
python3-numpy and python3-pil.
"""
import argparse
import os
import sys

import numpy as np
from PIL import Image

PX = 96                 # patch pixels per inter-ocular distance
ALONG = 0.5             # half-width of a patch along the eye line, iods
ACROSS = 0.35           # half-height across it, iods
SHIFT = 0.5             # dataset.h DS_LABEL_SHIFT
MIN_IOD = 24            # smaller eyes are mostly interpolation
# The mean eyes are matched on the iris and the lids just around it: a
# wider window lets the corners and the brows, whose place depends on the
# head's turn more than on the labellers, pull the match along the line.
IRIS_ALONG = 0.125      # half-width of the matched window, iods
IRIS_ACROSS = 0.09      # half-height
PARTS = ("caltech", "mtfl-lfw", "mtfl-net")


def frontal(lx, ly, rx, ry, nx, ny):
    """geometry.c geom_is_frontal: the nose over the middle of the eye
    line, the test evaluate's target faces pass."""
    ex, ey = rx - lx, ry - ly
    d2 = ex * ex + ey * ey
    return d2 > 0 and 0.3 <= ((nx - lx) * ex + (ny - ly) * ey) / d2 <= 0.7


def faces(root):
    """Yield (part, image path, eyes) for every frontal face. Both files
    start a line with the file, its width and height, then the eyes and the
    nose (dataset.h); the labels move to framefit's pixel centres."""
    for sub in ("caltech-webfaces", "mtfl"):
        with open(os.path.join(root, sub, "annotations.txt")) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                t = line.split()
                v = [float(x) - SHIFT for x in t[3:9]]
                if not frontal(*v):
                    continue
                part = ("caltech" if sub == "caltech-webfaces" else
                        "mtfl-lfw" if t[0].startswith("lfw_5590/") else "mtfl-net")
                yield part, os.path.join(root, sub, "images", t[0]), tuple(v[:4])


def patch(im, eye, other, iod):
    """The eye at `eye` in its own frame: u towards `other`, v down."""
    ux, uy = (other[0] - eye[0]) / iod, (other[1] - eye[1]) / iod
    # down the face is (-uy, ux) from the image-left eye to the other, as
    # geometry.c geom_eye_offsets and dataset.c ds_label_convention take it
    vx, vy = (-uy, ux) if other[0] >= eye[0] else (uy, -ux)
    s = iod / PX
    # Pillow samples output pixel (x, y) at its centre (x + 0.5, y + 0.5)
    # and puts input pixel i's centre at i + 0.5: the labels' moved frame.
    c0 = eye[0] - iod * (ALONG * ux + ACROSS * vx)
    c1 = eye[1] - iod * (ALONG * uy + ACROSS * vy)
    w, h = int(2 * ALONG * PX), int(2 * ACROSS * PX)
    p = im.transform((w, h), Image.AFFINE, (s * ux, s * vx, c0, s * uy, s * vy, c1),
                     resample=Image.BILINEAR)
    a = np.asarray(p, dtype=np.float64)
    sd = a.std()
    return None if sd < 1 else (a - a.mean()) / sd


def subpixel_shift(ref, img, r=4):
    """The (dx, dy) by which img's iris sits from ref's: the best integer
    shift of the window IRIS_ALONG x IRIS_ACROSS around the label (each
    side's mean taken out), then a parabola through its neighbours."""
    h, w = ref.shape
    hx, hy = round(IRIS_ALONG * PX), round(IRIS_ACROSS * PX)
    cy, cx = h // 2, w // 2
    core = ref[cy - hy:cy + hy, cx - hx:cx + hx]
    core = core - core.mean()
    sc = np.full((2 * r + 1, 2 * r + 1), -np.inf)
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            win = img[cy - hy + dy:cy + hy + dy, cx - hx + dx:cx + hx + dx]
            sc[dy + r, dx + r] = -((win - win.mean() - core) ** 2).mean()
    iy, ix = np.unravel_index(np.argmax(sc), sc.shape)

    def para(a, b, c):
        d = a - 2 * b + c
        return 0.0 if d == 0 else 0.5 * (a - c) / d
    fx = para(sc[iy, ix - 1], sc[iy, ix], sc[iy, ix + 1]) if 0 < ix < 2 * r else 0.0
    fy = para(sc[iy - 1, ix], sc[iy, ix], sc[iy + 1, ix]) if 0 < iy < 2 * r else 0.0
    # img's iris sits at +shift from ref's: the part's labels sit at
    # -shift from the pooled labels
    return ix - r + fx, iy - r + fy


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data", "faces"))
    ap.add_argument("--png")
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()

    sums = {p: None for p in PARTS}
    counts = {p: 0 for p in PARTS}
    seen = {p: 0 for p in PARTS}
    for part, path, (lx, ly, rx, ry) in faces(a.data):
        iod = ((rx - lx) ** 2 + (ry - ly) ** 2) ** 0.5
        if iod < MIN_IOD:
            continue
        seen[part] += 1
        if a.limit and seen[part] > a.limit:
            continue
        try:
            im = Image.open(path).convert("L")
        except OSError as e:
            print("eye_patches: %s: %s" % (path, e), file=sys.stderr)
            continue
        for eye, other in (((lx, ly), (rx, ry)), ((rx, ry), (lx, ly))):
            p = patch(im, eye, other, iod)
            if p is None:
                continue
            sums[part] = p if sums[part] is None else sums[part] + p
            counts[part] += 1
    means = {p: sums[p] / counts[p] for p in PARTS if counts[p]}
    if not means:
        sys.exit("eye_patches: no faces")
    pooled = sum(means.values()) / len(means)
    print("part\teyes\tlabel_along_in\tlabel_down")
    for p in PARTS:
        if p not in means:
            continue
        dx, dy = subpixel_shift(pooled, means[p])
        # the mean eye sits at +d in the patch: the label at -d from the eye
        print("%s\t%d\t%+.4f\t%+.4f" % (p, counts[p], -dx / PX, -dy / PX))
    print("# label_*: where the part's labels sit against the pooled labels, read from the "
          "mean eyes (iods; along the eye line towards the nose, and down the face)")
    if a.png:
        tiles = []
        for p in list(means) + ["pooled"]:
            m = pooled if p == "pooled" else means[p]
            g = np.clip((m - m.min()) / (m.max() - m.min()) * 255, 0, 255).astype(np.uint8)
            t = Image.fromarray(g).convert("RGB").resize((g.shape[1] * 3, g.shape[0] * 3),
                                                         Image.NEAREST)
            cx, cy = t.width // 2, t.height // 2
            for d in range(-6, 7):
                t.putpixel((cx + d, cy), (255, 0, 0))
                t.putpixel((cx, cy + d), (255, 0, 0))
            tiles.append(t)
        out = Image.new("RGB", (sum(t.width for t in tiles) + 8 * (len(tiles) - 1),
                                tiles[0].height), (255, 255, 255))
        x = 0
        for t in tiles:
            out.paste(t, (x, 0))
            x += t.width + 8
        out.save(a.png)


if __name__ == "__main__":
    main()
