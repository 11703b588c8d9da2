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

void
facejson_face(struct buf *b, const struct face *f)
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
	buf_putc(b, '}');
}

void
facejson_faces(struct buf *b, const struct face *f, int n)
{
	buf_putc(b, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			buf_putc(b, ',');
		facejson_face(b, &f[i]);
	}
	buf_putc(b, ']');
}
