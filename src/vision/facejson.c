#include <math.h>

#include "core/json.h"
#include "vision/facejson.h"

static void
pair(struct buf *b, const char *key, const float v[2])
{
	buf_printf(b, ",\"%s\":[", key);
	json_num(b, v[0], 1);
	buf_putc(b, ',');
	json_num(b, v[1], 1);
	buf_putc(b, ']');
}

/* One face; width_mm > 0 adds "face_width_mm". */
static void
face_obj(struct buf *b, const struct face *f, double width_mm)
{
	buf_puts(b, "{\"score\":");
	json_num(b, f->score, 3);
	buf_puts(b, ",\"box\":[");
	json_num(b, f->box.x, 1);
	buf_putc(b, ',');
	json_num(b, f->box.y, 1);
	buf_putc(b, ',');
	json_num(b, f->box.w, 1);
	buf_putc(b, ',');
	json_num(b, f->box.h, 1);
	buf_putc(b, ']');
	pair(b, "left_eye", f->left_eye);
	pair(b, "right_eye", f->right_eye);
	if (f->has_mouth)
		pair(b, "mouth", f->mouth);
	if (isfinite(width_mm) && width_mm > 0) {
		buf_puts(b, ",\"face_width_mm\":");
		json_num(b, width_mm, 1);
	}
	buf_putc(b, '}');
}

void
facejson_face(struct buf *b, const struct face *f)
{
	face_obj(b, f, 0);
}

void
facejson_faces_mm(struct buf *b, const struct face *f, int n,
    const double *width_mm)
{
	buf_putc(b, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			buf_putc(b, ',');
		face_obj(b, &f[i], width_mm != NULL ? width_mm[i] : 0);
	}
	buf_putc(b, ']');
}

void
facejson_faces(struct buf *b, const struct face *f, int n)
{
	facejson_faces_mm(b, f, n, NULL);
}
