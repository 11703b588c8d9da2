/*
 * costly.h: images built to be costly to decode yet valid and small as
 * files, and a phone-sized photo to compare them with. Shared by the
 * benchmark (bench/bench_cost.c) and the hostile-input corpus
 * (tests/gen_costly.c), so both measure the same bytes.
 *
 * Every generator is deterministic: the same call gives the same bytes
 * in every run (the noise comes from one fixed-seed xorshift stream,
 * restarted by costly_phone()).
 */
#ifndef FF_TESTS_COSTLY_H
#define FF_TESTS_COSTLY_H
#include <stddef.h>
#include <gd.h>

/*
 * `face` upscaled (bicubic) to w x h with camera-like noise added, so it
 * compresses like a phone's photo (a few MB at quality 92 for 12 MP)
 * rather than like a smooth upscale. The caller owns the image
 * (gdImageDestroy()).
 */
gdImagePtr	 costly_phone(gdImagePtr face, int w, int h);

/*
 * A smooth truecolor picture of w x h (a gradient): small as a file,
 * whatever its size. alpha: 1 gives it a translucent alpha channel
 * (saved by the PNG and WebP writers). The caller owns it.
 */
gdImagePtr	 costly_flat(int w, int h, int alpha);

/*
 * A palette picture of w x h in horizontal bands of a few colours: as
 * a GIF (LZW, runs of one index) a few tens of KB near 50 MP. The
 * caller owns it.
 */
gdImagePtr	 costly_bands(int w, int h);

/*
 * im as a JPEG at quality q, 4:2:0. scans: 0 = baseline, 1 = libjpeg's
 * standard progressive script, n > 1 = a progressive script of about n
 * scans (DC, then every AC coefficient of every component on its own,
 * first at reduced precision, then refined). cmyk: 1 = four components,
 * CMYK as Adobe writes it (no subsampling), which a decoder converts
 * only at full size. Returns malloc()ed bytes, their count in *len.
 */
void		*costly_jpeg(gdImagePtr im, int q, int scans, int cmyk,
		    size_t *len);

#endif
