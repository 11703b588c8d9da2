#!/usr/bin/env python3
"""scripts/label_offsets.py: where the found eyes sit against the labels, in
pixels, by source part and by eye distance (the model card's "The labels
count pixels from 1").

    framefit evaluate --dump /tmp/dump.tsv [--models DIR]
    scripts/label_offsets.py /tmp/dump.tsv

For each part and band of inter-ocular distance: the mean offset of the
eyes' midpoint along the labelled eye line (towards the image-right eye)
and down the face, in pixels, with its standard error. A labelling
difference grows with the face; a pixel-convention difference is the same
number of pixels at every size."""
import csv
import statistics as st
import sys
from collections import defaultdict

if len(sys.argv) != 2:
    sys.exit(__doc__)
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t") if r["found"] == "1"]
if not rows or "mid_along" not in rows[0]:
    sys.exit("label_offsets.py: no found faces with mid_along in " + sys.argv[1])
bands = [(20, 30), (30, 45), (45, 70), (70, 10000)]
by = defaultdict(list)
for r in rows:
    iod = float(r["iod"])
    for lo, hi in bands:
        if lo <= iod < hi:
            by[(r["source"], lo, hi)].append(r)
            by[("all", lo, hi)].append(r)

def mean_se(v):
    return st.mean(v), (st.stdev(v) / len(v) ** 0.5 if len(v) > 1 else 0.0)

print("%-9s %-10s %5s  %-18s %-18s" % ("part", "eyes px", "faces", "midpoint along px", "down px"))
for key in sorted(by, key=lambda k: (k[0] == "all", k)):
    rs = by[key]
    if len(rs) < 20:
        continue
    along = [float(r["mid_along"]) * float(r["iod"]) for r in rs]
    down = [float(r["down"]) * float(r["iod"]) for r in rs]
    (ma, sa), (md, sd) = mean_se(along), mean_se(down)
    band = "%d-%d" % key[1:] if key[2] < 10000 else "%d+" % key[1]
    print("%-9s %-10s %5d  %+.2f +- %.2f      %+.2f +- %.2f" % (key[0], band, len(rs), ma, sa, md, sd))
