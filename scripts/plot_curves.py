#!/usr/bin/env python3
"""scripts/plot_curves.py: accuracy against training time, as an SVG.

    scripts/plot_curves.py [models/curves.tsv] [models/accuracy-vs-time.svg]

Reads the rows scripts/curve.sh scored (series, iteration, minutes,
found, e05, e10, ...; lines starting with # are comments) and draws one
line per series for e <= 0.10 (solid) and e <= 0.05 (dashed), in percent
of target faces, against minutes of training. Plain SVG, no libraries:
the model card shows it as an image."""
import sys
from collections import OrderedDict

src = sys.argv[1] if len(sys.argv) > 1 else "models/curves.tsv"
dst = sys.argv[2] if len(sys.argv) > 2 else "models/accuracy-vs-time.svg"
series = OrderedDict()
head = None
for line in open(src):
    if line.startswith("#") or not line.strip():
        continue
    cols = line.rstrip("\n").split("\t")
    if head is None:
        head = cols
        continue
    r = dict(zip(head, cols))
    series.setdefault(r["series"], []).append(
        (float(r["minutes"]), float(r["e10"]), float(r["e05"])))
if not series:
    sys.exit("plot_curves.py: no rows in " + src)

W, H, L, R, T, B = 820, 440, 60, 280, 30, 50
xmax = max(m for pts in series.values() for m, _, _ in pts)
xmax = (int(xmax / 10) + 1) * 10
ymin, ymax = 0, 100
sx = lambda m: L + (W - L - R) * m / xmax
sy = lambda v: T + (H - T - B) * (1 - (v - ymin) / (ymax - ymin))
colours = ["#1b6ca8", "#c0392b", "#27864a", "#8e44ad", "#d68910", "#555555"]
o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
     'viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">' % (W, H, W, H),
     '<rect width="100%" height="100%" fill="white"/>',
     '<text x="%d" y="18" font-size="14">Eye accuracy against training time '
     '(validation photos; solid e &#8804; 0.10, dashed e &#8804; 0.05)</text>' % L]
for v in range(0, 101, 20):
    o.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (L, W - R, sy(v), sy(v)))
    o.append('<text x="%d" y="%.1f" text-anchor="end">%d %%</text>' % (L - 6, sy(v) + 4, v))
step = 10 if xmax <= 100 else 20
for m in range(0, xmax + 1, step):
    o.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#eee"/>' % (sx(m), sx(m), T, H - B))
    o.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (sx(m), H - B + 16, m))
o.append('<text x="%.1f" y="%d" text-anchor="middle">minutes of training (one core)</text>'
         % ((L + W - R) / 2, H - 12))
for i, (name, pts) in enumerate(series.items()):
    c = colours[i % len(colours)]
    pts.sort()
    for k, dash in ((1, ""), (2, ' stroke-dasharray="5,4"')):
        path = " ".join("%.1f,%.1f" % (sx(p[0]), sy(p[k])) for p in pts)
        o.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>' % (c, dash, path))
        for p in pts:
            o.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>' % (sx(p[0]), sy(p[k]), c))
    y = T + 20 + 20 * i
    o.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="3"/>' % (W - R + 12, W - R + 32, y, y, c))
    o.append('<text x="%d" y="%d">%s</text>' % (W - R + 38, y + 4,
             name.replace("&", "&amp;").replace("<", "&lt;")))
o.append("</svg>")
open(dst, "w").write("\n".join(o) + "\n")
print("plot_curves.py: %d series, %d points -> %s" % (len(series), sum(len(p) for p in series.values()), dst))
