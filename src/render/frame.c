/*
 * frame.c: the names of the frame styles, spelt as in the `frames.style`
 * column (sql/001_init.sql), so the store, the API and the templates can
 * all use frame_style_name() and frame_style_parse().
 */
#include <string.h>

#include "render/frame.h"

/* Order follows enum frame_style; checked by tests/check_frames.c. */
static const char *const style_names[FRAME_STYLE__MAX] = {
	[FRAME_ROUND]		= "round",
	[FRAME_RECTANGLE]	= "rectangle",
	[FRAME_AVIATOR]		= "aviator",
	[FRAME_CATEYE]		= "cateye",
	[FRAME_BROWLINE]	= "browline",
	[FRAME_RIMLESS]		= "rimless",
};

const char *
frame_style_name(enum frame_style st)
{
	if ((int)st < 0 || st >= FRAME_STYLE__MAX)
		return NULL;
	return style_names[st];
}

/* The product feed's and frames.availability's spelling (sql/090). */
static const char *const stock_names[FRAME_STOCK__MAX] = {
	[FRAME_IN_STOCK]	= "in_stock",
	[FRAME_OUT_OF_STOCK]	= "out_of_stock",
	[FRAME_PREORDER]	= "preorder",
	[FRAME_BACKORDER]	= "backorder",
};

const char *
frame_stock_name(enum frame_stock s)
{
	if ((int)s <= FRAME_STOCK_UNSAID || s >= FRAME_STOCK__MAX)
		return NULL;
	return stock_names[s];
}

int
frame_stock_parse(const char *s)
{
	int i;

	for (i = FRAME_STOCK_UNSAID + 1; s != NULL && i < FRAME_STOCK__MAX; i++)
		if (strcmp(s, stock_names[i]) == 0)
			return i;
	return -1;
}

int
frame_style_parse(const char *s)
{
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; i < FRAME_STYLE__MAX; i++)
		if (strcmp(s, style_names[i]) == 0)
			return i;
	/* Aliases a catalog feed may use; the canonical name is above. */
	if (strcmp(s, "cat-eye") == 0)
		return FRAME_CATEYE;
	if (strcmp(s, "wayfarer") == 0)
		return FRAME_BROWLINE;
	return -1;
}
