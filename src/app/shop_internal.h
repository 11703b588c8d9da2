/*
 * shop_internal.h: what the shopper's pages share; not for use outside
 * src/app/shop.c and src/app/result.c (their entries are shop.h).
 *
 *   shop.c    the upload page, static files, thumbnails, health, and
 *             the upload itself (POST /tryon) with its error pages
 *   result.c  the pages of one try-on, /t/{token}: the result, its
 *             renders, the stored photo, delete, withdraw; the click to
 *             the shop
 */
#ifndef FF_APP_SHOP_INTERNAL_H
#define FF_APP_SHOP_INTERNAL_H

#include "core/err.h"

struct buf;
struct frame;
struct http_req;
struct tpl_val;
struct tryon_app;

/* What the shopper chose, as far as it was read: on the upload form, or
 * carried by a result page's URL. */
struct choice {
	const struct frame	*f;	/* NULL: not chosen or unknown */
	double			 pd;	/* mm; 0: the default */
	int			 webcam;	/* the photo came from it */
};

/* Append "?pd=..." (sep '?') or "&pd=..." when the shopper gave their
 * PD (pd > 0). (shop.c) */
void	shop_put_pd(struct buf *b, double pd, char sep);
/*
 * The way back to the upload page with the shopper's choices kept, so
 * that a second photo needs no second choice: "/?frame=SKU&pd=63.5",
 * either left out when unknown (f NULL, pd 0); with cam, the page opens
 * the webcam. Appended to b. (shop.c)
 */
void	shop_home_href(struct buf *b, const struct frame *f, double pd,
	    int cam);
/*
 * Set "choice_frame" (the SKU) and "choice_pd" ("62.3") on a page's root
 * for what is known of ch: the hidden fields (templates/
 * choice_fields.html) that carry the frame and PD shown through the
 * page's POST buttons (delete, withdraw) to where they lead. (shop.c)
 */
void	shop_choice_vars(struct tpl_val *root, const struct choice *ch);
/* An error answer whose buttons keep the choice (req_error_back()).
 * (shop.c) */
void	shop_choice_error(struct http_req *r, const struct choice *ch,
	    enum ff_err er, const char *msg);
/*
 * The no-face page: 422, with tips. A fresh upload without a face was not
 * kept (token NULL: the page says so); a stored photo whose faces the
 * policy no longer accepts is shown, with the delete form. Its buttons
 * keep the frame and PD, and a webcam photo gets "Retake". (shop.c)
 */
void	shop_page_noface(struct tryon_app *a, struct http_req *r,
	    const char *token, const struct choice *ch);

#endif
