#!/usr/bin/env bash
# bench/bench_yaw.sh: can the detector's mouth turn the frames with the
# head? frame_yaw_deg() (src/render/frames.h) turns the temples from the
# mouth's offset off the middle of the eye line. This runs
# `framefit detect --json` on MTFL validation photos of each labelled pose
# (1 left profile .. 3 frontal .. 5 right profile) and prints, per pose,
# the yaw the detector's eyes and mouth give and the yaw the labelled
# points give, through the same rule, and how far the detected mouth's
# sideways offset is from the labelled one. A usable cue gives near 0 on
# frontal faces and a clear, signed yaw on turned ones.
#
#   bench/bench_yaw.sh [PER_POSE]      (default 120 photos a pose)
#
# Environment: FRAMEFIT (build/release/src/framefit), FF_FACES
# (../shared/data/faces), FF_MODELS (models).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${FRAMEFIT:-$top/build/release/src/framefit}
faces=${FF_FACES:-$top/../shared/data/faces}
models=${FF_MODELS:-$top/models}
per=${1:-120}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The validation split is dataset.c's: FNV-1a of the name, mod 100, < 12.
python3 - "$faces" "$per" > "$tmp/list" <<'PY'
import collections, sys
faces, per = sys.argv[1], int(sys.argv[2])
def val(name):
    h = 2166136261
    for c in name.encode():
        h = ((h ^ c) * 16777619) & 0xffffffff
    return h % 100 < 12
n = collections.Counter()
for l in open(f"{faces}/mtfl/annotations.txt"):
    t = l.split()
    if l.startswith('#') or len(t) < 17:
        continue
    name = "mtfl/images/" + t[0]
    pose = int(t[-1])
    if val(name) and n[pose] < per:
        n[pose] += 1
        print(pose, f"{faces}/{name}", *t[3:13])
PY
cut -d' ' -f2 "$tmp/list" | xargs "$bin" detect --json --models "$models" \
	> "$tmp/det.jsonl" 2>/dev/null
python3 - "$tmp/list" "$tmp/det.jsonl" <<'PY'
import collections, json, math, sys
# The rule of frames.c's frame_yaw_deg(), on the same constants.
DEAD, DEPTH, MAX = 0.03, 0.29, 30.0
def yaw(l, r, m):
    iod = math.hypot(r[0] - l[0], r[1] - l[1])
    ex, ey = (r[0] - l[0]) / iod, (r[1] - l[1]) / iod
    dx, dy = m[0] - (l[0] + r[0]) / 2, m[1] - (l[1] + r[1]) / 2
    lat, down = (dx * ex + dy * ey) / iod, (-dx * ey + dy * ex) / iod
    if down < 0.5 or down > 2 or abs(lat) > 1:
        return 0.0, lat
    t = 0 if abs(lat) <= DEAD else math.copysign(abs(lat) - DEAD, lat) / DEPTH
    return max(-MAX, min(MAX, math.degrees(math.atan(t)))), lat
lab = {}
for l in open(sys.argv[1]):
    t = l.split()
    lab[t[1]] = (int(t[0]), list(map(float, t[2:12])))
det, ref, dlat = (collections.defaultdict(list) for _ in range(3))
for l in open(sys.argv[2]):
    j = json.loads(l)
    if not j["faces"] or "mouth" not in j["faces"][0]:
        continue
    f = max(j["faces"], key=lambda x: x["score"])
    pose, a = lab[j["file"]]
    y, lat = yaw(f["left_eye"], f["right_eye"], f["mouth"])
    yl, latl = yaw(a[0:2], a[2:4], ((a[6] + a[8]) / 2, (a[7] + a[9]) / 2))
    det[pose].append(y); ref[pose].append(yl); dlat[pose].append(lat - latl)
q = lambda v, p: sorted(v)[int(p * (len(v) - 1))]
print("pose  faces  yaw from detector: median  p10    p90   |yaw|<5   from labels: median"
      "   mouth offset error: median |p90|")
for p in sorted(det):
    v = det[p]
    print("%4d  %5d  %26.1f  %5.1f  %5.1f  %6.0f%%  %21.1f  %17.3f  %5.3f" % (
        p, len(v), q(v, .5), q(v, .1), q(v, .9), 100 * sum(abs(x) < 5 for x in v) / len(v),
        q(ref[p], .5), q(dlat[p], .5), q([abs(x) for x in dlat[p]], .9)))
PY
