/*
 * newsletter.h: whether framefit's own upload form offers to keep the
 * shopper's photo for the shop's e-mails (FF_NEWSLETTER; docs/ADMIN.md).
 *
 * framefit holds no e-mail address. A photo kept for the newsletter is of
 * use only to a shop that ties the upload to its customer: through the
 * embedded try-on's message to the host page, which carries the token
 * (docs/EMBED.md), or through the API's X-Upload-Token (docs/API.md). A
 * shop that does neither would keep photos it can never send, so the box
 * is off unless the operator turns it on. Off, the form has no box, a
 * "consent" field sent all the same is ignored (the photo is kept the
 * usual 24 hours), and no page says a photo may be kept longer.
 *
 * The API's consent=newsletter is the shop's own integration, with its
 * own consent text and the token in hand: it is taken either way.
 */
#ifndef FF_APP_NEWSLETTER_H
#define FF_APP_NEWSLETTER_H

struct tpl_val;

/* Read FF_NEWSLETTER, once, when a worker starts (app_open()): "1" (or
 * on, yes, true) offers the box; unset, empty or "0" (off, no, false)
 * does not; anything else is logged and taken as off. */
void	newsletter_init(void);
/* 1 when the upload form offers the box. */
int	newsletter_offered(void);
/* Set "newsletter" (bool) on a shop page's root, for templates/index.html
 * (the box) and foot.html (how long photos are kept). */
void	newsletter_vars(struct tpl_val *root);

#endif
