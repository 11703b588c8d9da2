/*
 * bench_render: frame_draw() time per face, each style, on a 1600x1200
 * photo whose eyes are 260 px apart (a frame about 600 px wide), against
 * the flat drawing (the same renderer with the depth switched off: no
 * temples, shadow or glass) in the same run. Prints medians in ms and
 * the ratio; never passes or fails.
 *
 * Built with -DBENCH_OLD and linked with an older frames.c whose public
 * names were renamed old_* (objcopy --redefine-sym), it also times that
 * renderer: docs/RENDERS.md says how.
 *
 * It includes frames.c to reach draw_one() (lighttpd's way for tests).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "../tests/frames_catalog.h"
#include "core/clock.h"
#include "render/frames.c"

#define RUNS	31

#ifdef BENCH_OLD
enum ff_err	old_frame_draw(gdImagePtr, const struct frame *,
		    const struct face_eyes *, int, double);
#endif

enum how { NEW, POSE, FLAT, OLD };

/* The median of RUNS draws, ms; the draws alternate with the others'. */
static double
one(gdImagePtr im, const struct frame *f, const struct face_pose *p,
    enum how how)
{
	struct face_eyes e;
	double t0 = ff_now_ms();

	switch (how) {
	case NEW:
		frame_draw(im, f, &p->eyes, 1, 0);
		break;
	case POSE:
		frame_draw_pose(im, f, p, 1, 0);
		break;
	case FLAT:
		eyes_norm(&p->eyes, &e);
		draw_one(im, f, &e, frame_px_per_mm(&e, 0), 0, 1, 1);
		break;
	case OLD:
#ifdef BENCH_OLD
		old_frame_draw(im, f, &p->eyes, 1, 0);
#endif
		break;
	}
	return ff_now_ms() - t0;
}

int
main(void)
{
	static const char *const names[] = { "new", "new+yaw", "flat", "old" };
	double t[4][RUNS], med[4];
	struct face_pose p;
	struct frame f;
	gdImagePtr im;
	int st, k, h, nh;

	nh = 3;
#ifdef BENCH_OLD
	nh = 4;
#endif
	if ((im = gdImageCreateTrueColor(1600, 1200)) == NULL)
		return 1;
	gdImageFilledRectangle(im, 0, 0, 1599, 1199, gdTrueColor(196, 160,
	    140));
	memset(&p, 0, sizeof(p));
	p.eyes = (struct face_eyes){ .lx = 670, .ly = 560, .rx = 930,
	    .ry = 575 };
	/* nose turned about 15 degrees towards image-right */
	p.mouth = 1;
	p.mx = 800 + 260 * 0.11;
	p.my = 567 + 260 * 1.06;
	printf("%-10s", "style");
	for (h = 0; h < nh; h++)
		printf(" %9s", names[h]);
	printf("   new/flat%s\n", nh == 4 ? "  new/old" : "");
	for (st = 0; st < FRAME_STYLE__MAX; st++) {
		f = golden_frame((enum frame_style)st);
		for (h = 0; h < nh; h++)
			one(im, &f, &p, (enum how)h);	/* warm up */
		for (k = 0; k < RUNS; k++)
			for (h = 0; h < nh; h++)
				t[h][k] = one(im, &f, &p, (enum how)h);
		printf("%-10s", frame_style_name(f.style));
		for (h = 0; h < nh; h++) {
			qsort(t[h], RUNS, sizeof(double), bench_cmp_double);
			med[h] = t[h][RUNS / 2];
			printf(" %6.2f ms", med[h]);
		}
		printf("   %8.2f", med[NEW] / med[FLAT]);
		if (nh == 4)
			printf(" %8.2f", med[NEW] / med[OLD]);
		printf("\n");
	}
	gdImageDestroy(im);
	return 0;
}
