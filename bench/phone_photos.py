#!/usr/bin/python3
"""phone_photos.py: phone-like JPEG selfies for bench/bench_phone.sh, made
at run time (no photo of a person lives in the repository).

    phone_photos.py OUTDIR [FACE.jpg ...]

Sources: scikit-image's astronaut.png (python3-skimage; NASA portrait,
public domain) and the face photos given (the shared LFW photos). Each is
cropped to 4:3 or 3:4 around its middle, where the face is, and scaled up
(bicubic) to the size a phone takes. Upscaling a 250-512 px photo leaves
it smooth: it compresses to a third of a phone photo's bytes, and a JPEG
decoder's cost follows its bytes (the entropy decoding visits every bit).
So a sensor's grain is added, as a phone at ISO 100-400 leaves it: Gaussian
noise on luma (fine, per pixel) plus a coarser, weaker layer (noise at a
quarter of the resolution, scaled up: the texture of skin, hair, fabric
that the upscale lost), and a little chroma noise. GRAIN below was chosen
so that quality 92, 4:2:0 lands at 3-5 MB for 12 MP, the size of an
iPhone or Pixel photo of a person indoors (about 2.5-3.5 bits a pixel).

Written, per source (NN its number):
  NN-12mp-land-base.jpg     4032 x 3024 baseline
  NN-12mp-land-prog.jpg     4032 x 3024 progressive
  NN-12mp-port-base.jpg     3024 x 4032 baseline
  NN-12mp-port-prog.jpg     3024 x 4032 progressive
  NN-12mp-exif6.jpg         stored 4032 x 3024, EXIF orientation 6: meant
                            3024 x 4032 (the way phones save a portrait)
  NN-2mp-*.jpg              1600 x 1200, 1200 x 1600, 2048 x 1536 (1.9-3.1
                            MP, baseline; what a phone's "smaller" setting or
                            a messenger sends)
It prints one line per photo: name, size, bytes. Existing files are kept.
"""
import io
import os
import sys

import numpy as np
from PIL import Image

QUALITY = 92
# Standard deviations, in 8-bit levels, at 12 MP; smaller photos get less
# (a phone's downscaled copy averages the grain away).
GRAIN_FINE = 7.0
GRAIN_COARSE = 5.0
GRAIN_CHROMA = 2.5


def crop(im, aspect):
    """The largest centred crop of aspect w/h."""
    w, h = im.size
    if w / h > aspect:
        cw, ch = round(h * aspect), h
    else:
        cw, ch = w, round(w / aspect)
    x, y = (w - cw) // 2, (h - ch) // 2
    return im.crop((x, y, x + cw, y + ch))


def grainy(im, w, h, rng, scale):
    """im scaled to w x h (bicubic) with grain (see top)."""
    up = np.asarray(im.resize((w, h), Image.BICUBIC), dtype=np.float32)
    fine = rng.standard_normal((h, w), dtype=np.float32) * GRAIN_FINE * scale
    cw, ch = max(1, w // 4), max(1, h // 4)
    coarse = rng.standard_normal((ch, cw), dtype=np.float32) * GRAIN_COARSE
    coarse = np.asarray(Image.fromarray(coarse, mode="F").resize((w, h),
        Image.BICUBIC)) * scale
    luma = (fine + coarse)[:, :, None]
    chroma = rng.standard_normal((h, w, 3), dtype=np.float32) * \
        GRAIN_CHROMA * scale
    out = np.clip(up + luma + chroma, 0, 255).astype(np.uint8)
    return Image.fromarray(out, mode="RGB")


def save(im, path, progressive=False, orientation=None):
    exif = Image.Exif()
    exif[0x010F] = "framefit-bench"        # Make
    exif[0x0110] = "phone"                 # Model
    if orientation is not None:
        exif[0x0112] = orientation
    buf = io.BytesIO()
    # subsampling 2 is 4:2:0, as phones save.
    im.save(buf, "JPEG", quality=QUALITY, subsampling=2,
        progressive=progressive, optimize=False, exif=exif.tobytes())
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(buf.getvalue())
    os.replace(tmp, path)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: phone_photos.py OUTDIR [FACE.jpg ...]")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    from skimage import data
    sources = [Image.fromarray(data.astronaut())]
    sources += [Image.open(p).convert("RGB") for p in sys.argv[2:]]
    rng = np.random.default_rng(14)
    for n, src in enumerate(sources):
        land, port = crop(src, 4 / 3), crop(src, 3 / 4)
        jobs = [
            ("12mp-land-base", land, 4032, 3024, False, None, 1.0),
            ("12mp-land-prog", land, 4032, 3024, True, None, 1.0),
            ("12mp-port-base", port, 3024, 4032, False, None, 1.0),
            ("12mp-port-prog", port, 3024, 4032, True, None, 1.0),
            # Stored landscape: the portrait turned a quarter to the left;
            # orientation 6 says to turn it a quarter to the right to show it.
            ("12mp-exif6", port, 3024, 4032, False, 6, 1.0),
            ("2mp-land", land, 1600, 1200, False, None, 0.8),
            ("2mp-port", port, 1200, 1600, False, None, 0.8),
            ("3mp-land", land, 2048, 1536, False, None, 0.8),
        ]
        for name, im, w, h, prog, orient, scale in jobs:
            path = os.path.join(out, "%02d-%s.jpg" % (n, name))
            if not os.path.exists(path):
                pic = grainy(im, w, h, rng, scale)
                if orient == 6:
                    pic = pic.transpose(Image.Transpose.ROTATE_90)
                save(pic, path, prog, orient)
            with Image.open(path) as chk:
                sw, sh = chk.size
            print("%s %dx%d %d" % (os.path.basename(path), sw, sh,
                os.path.getsize(path)))


if __name__ == "__main__":
    main()
