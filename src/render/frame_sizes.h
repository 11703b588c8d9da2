/*
 * frame_sizes.h: the catalog's one rule on a frame's measurements, for
 * every path that creates or changes a frame (the admin form, the store's
 * catalog_validate() under every insert and update, a product-feed
 * import), so a frame the shop shows always has sizes that add up.
 *
 * The sizes are those of the boxing system (ISO 8624), in millimetres of
 * the real product (render/frame.h):
 *   lens_width_mm   "A", the width of the box around one lens shape;
 *   lens_height_mm  "B", the height of that box;
 *   bridge_mm       "DBL", the distance between the two lens boxes;
 *   total_width_mm  the whole front, from the outer edge of one end piece
 *                   (with its hinge) to the other.
 * So the front is the two lenses and the bridge plus an end piece on each
 * side (the rim beside the lens and the hinge block):
 *     total_width = 2 * A + DBL + 2 * end piece.
 * An end piece is narrow on a rimless or thin metal front and widest on
 * a heavy acetate one; the bounds below come from the shop's own starter
 * catalog (sql/002_seed_frames.sql) and makers' published sizes, with
 * the figures in docs/ADMIN.md ("Catalog measurements"). B is at most A:
 * the box of every lens shape sold (round, rectangle, aviator, cat-eye,
 * browline, rimless) is wider than tall or, for a true circle, square.
 *
 * The rule, in the order it is checked:
 *   1. each size is a finite number in the schema's range (the CHECK
 *      constraints of sql/001_init.sql, FRAME_*_MIN/MAX below);
 *   2. B <= A (blamed on lens_height_mm);
 *   3. 2 * A + DBL + 2 * FRAME_END_MIN_MM <= total_width
 *         <= 2 * A + DBL + 2 * FRAME_END_MAX_MM
 *      (blamed on total_width_mm: the lens and bridge sizes are printed
 *      on the frame, the total width is measured by hand; on
 *      lens_width_mm when even the narrowest end pieces would make the
 *      front wider than FRAME_TOTAL_MAX_MM).
 * Rules 2 and 3 are checked only when the sizes they use passed rule 1,
 * so one typing error gives one message. The frame has no temple length:
 * the catalog does not store one.
 */
#ifndef FF_RENDER_FRAME_SIZES_H
#define FF_RENDER_FRAME_SIZES_H

#include "core/buf.h"
#include "core/err.h"
#include "render/frame.h"

/* The schema's ranges, mm (sql/001_init.sql, frames_dims). */
#define FRAME_LENS_WIDTH_MIN_MM		20.0
#define FRAME_LENS_WIDTH_MAX_MM		90.0
#define FRAME_LENS_HEIGHT_MIN_MM	10.0
#define FRAME_LENS_HEIGHT_MAX_MM	80.0
#define FRAME_BRIDGE_MIN_MM		5.0
#define FRAME_BRIDGE_MAX_MM		40.0
#define FRAME_TOTAL_MIN_MM		80.0
#define FRAME_TOTAL_MAX_MM		200.0

/* One end piece (rim beside the lens and hinge), mm a side: the bounds
 * of rule 3 and, for the messages, a typical one. */
#define FRAME_END_MIN_MM		2.0
#define FRAME_END_MAX_MM		20.0
#define FRAME_END_TYPICAL_MM		9.0
/* A typical B / A, for the message of rule 2. */
#define FRAME_HEIGHT_RATIO_TYPICAL	0.8

/* The most problems one frame can have (one per size). */
#define FRAME_ISSUES_MAX		4

struct frame_issue {
	/* The struct frame member (and the admin form's field) that is
	 * wrong: "lens_width_mm", "lens_height_mm", "bridge_mm" or
	 * "total_width_mm"; a static string. */
	const char	*field;
	/* One sentence for a person: the number that is wrong, why, and
	 * what it should be near, e.g. "The total width is 90 mm, ...: it
	 * should be near 140 mm (126 to 162 mm)." */
	char		 text[320];
};

/*
 * Check f's sizes against the rule above. Writes at most max problems
 * (max <= 0 or out NULL: only counts them) and returns how many there
 * are, at most FRAME_ISSUES_MAX; 0 means the sizes add up. A NULL frame
 * is one problem, on "total_width_mm".
 */
int		 frame_sizes_issues(const struct frame *f,
		    struct frame_issue *out, int max);

/*
 * The same rule for a caller that wants one answer: FF_OK when the sizes
 * add up, else FF_EINPUT with every problem's sentence appended to why
 * (when not NULL), separated by one space. Reads only the four sizes.
 */
enum ff_err	 frame_sizes_check(const struct frame *f, struct buf *why);

#endif
