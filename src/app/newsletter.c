/*
 * newsletter.c: the upload form's offer to keep a photo for the shop's
 * e-mails, on or off (see newsletter.h).
 */
#include "app/newsletter.h"
#include "core/setting.h"
#include "view/template.h"

/* Set when a worker starts, then only read. */
static int	offered;

void
newsletter_init(void)
{
	offered = setting_flag("FF_NEWSLETTER", 0);
}

int
newsletter_offered(void)
{
	return offered;
}

void
newsletter_vars(struct tpl_val *root)
{
	tpl_obj_set_bool(root, "newsletter", offered);
}
