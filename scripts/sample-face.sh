#!/bin/sh
# sample-face.sh: install the photo the admin catalog previews are drawn on.
#
#   scripts/sample-face.sh          install it if missing (a no-op after)
#
# The photo is "astronaut.png" of scikit-image (NASA portrait of Eileen
# Collins, public domain), taken from Debian's python3-skimage package at
# setup time with `apt-get download` and `dpkg-deb`, never installed and
# never committed: no photo of a person lives in the repository. It goes
# to $FF_SAMPLE_FACE_DIR (default <repo>/var/sample-face) as face.png,
# with eyes.txt holding its eye centres in pixels ("lx ly rx ry", read off
# the 512 x 512 photo at 8x zoom). Without it the previews use an LFW photo
# of the shared face data, and without that the frame alone.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
dest=${FF_SAMPLE_FACE_DIR:-$root/var/sample-face}
want=88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5
member=./usr/lib/python3/dist-packages/skimage/data/astronaut.png

die() { echo "sample-face.sh: $*" >&2; exit 1; }

if [ -s "$dest/face.png" ] && [ -s "$dest/eyes.txt" ]; then
	exit 0
fi
command -v apt-get >/dev/null || die "apt-get is missing; copy a face photo to $dest/face.png and its eyes to eyes.txt"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# apt-get download writes to the current directory; the _apt user may
# not be able to, which only costs a warning.
(cd "$tmp" && apt-get download -q python3-skimage >/dev/null 2>&1) ||
	die "apt-get download python3-skimage failed (run apt-get update?)"
deb=$(ls "$tmp"/python3-skimage_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "no python3-skimage package downloaded"
(cd "$tmp" && dpkg-deb --fsys-tarfile "$deb" | tar -x "$member") ||
	die "astronaut.png is not in $deb"
got=$(sha256sum "$tmp/$member" | cut -d' ' -f1)
[ "$got" = "$want" ] || die "astronaut.png has SHA-256 $got, not the one whose eyes are known"
mkdir -p "$dest"
cp "$tmp/$member" "$dest/face.png.tmp"
mv "$dest/face.png.tmp" "$dest/face.png"
echo "202.8 101.3 245.6 103.8" >"$dest/eyes.txt"
cat >"$dest/README" <<'TXT'
face.png: scikit-image's data/astronaut.png (NASA, Eileen Collins; public
domain), from Debian's python3-skimage package. eyes.txt: the centres of
the eyes in pixels, image-left eye first. Installed by
scripts/sample-face.sh for the admin catalog previews; not part of the
repository.
TXT
echo "sample-face.sh: installed $dest/face.png"
