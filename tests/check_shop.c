/*
 * check_shop.c: the shopper's pages (src/app/shop.c) through the one
 * router (router.c), over an in-memory request (mem_req.h), against a
 * real, private MariaDB and the shipped model, the way a FastCGI worker
 * answers them but without the FastCGI loop.
 *
 * main() has the database framefit_shoptest made afresh, migrated and
 * seeded (tests/dbtest.h) and names it to the worker as production does,
 * in FF_DB_NAME. Each test opens its own worker (app_open()) and its own
 * connection for checking rows (Check forks every test); the
 * upload test walks one photo through its whole life: upload, result,
 * another frame, render and 304, the shop click, delete.
 *
 * The photos: one of the face photos in ../shared/data/faces (FF_FACES
 * overrides the folder), and a grey square drawn here, which has no face.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gd.h>

#include "app/app.h"
#include "app/router.h"
#include "app/shop.h"
#include "core/buf.h"
#include "core/xalloc.h"
#include "http/request.h"
#include "render/frame.h"
#include "store/db.h"
#include "view/money.h"

#include "dbtest.h"
#include "mem_req.h"

#define TEST_DB	"framefit_shoptest"
#define FACE	"/mtfl/images/lfw_5590/Aaron_Eckhart_0001.jpg"
#define BOUNDARY "ffcheckXyZ"

static char		 secret_file[64];

/* ---- The worker and its requests ---- */

static struct tryon_app *
worker(void)
{
	struct app_opts		 o = { .migrate = 1 };
	struct tryon_app	*a = NULL;
	enum ff_err		 er;

	o.templates = FF_DATADIR "/templates";
	o.models = FF_DATADIR "/models";
	o.sqldir = FF_DATADIR "/sql";
	o.secret_file = secret_file;
	er = app_open(&o, &a);
	ck_assert_msg(er == FF_OK, "app_open: %s", ff_strerror(er));
	return a;
}

struct answer {
	int		 status;
	struct buf	 raw;		/* the whole CGI response */
	const char	*body;		/* into raw */
	size_t		 body_len;
};

/*
 * Run one request through the router. env: NULL-terminated name/value
 * pairs besides REQUEST_METHOD and REQUEST_URI.
 */
static void
run(struct tryon_app *a, const char *method, const char *uri,
    const char *const *env, const void *body, size_t len, struct answer *out)
{
	struct mem	 m;
	struct req_io	 io = { m_param, m_read, m_write, &m };
	struct http_req	 r;
	const char	*p;
	size_t		 k = 0, i;

	memset(&m, 0, sizeof(m));
	m.env[k++] = "REQUEST_METHOD";
	m.env[k++] = method;
	m.env[k++] = "REQUEST_URI";
	m.env[k++] = uri;
	for (i = 0; env != NULL && env[i] != NULL; i++)
		m.env[k++] = env[i];
	m.body = body;
	m.body_len = len;
	buf_init(&m.out);
	req_init(&r, &io);
	router_handle(a, &r);
	req_finish(&r);
	out->status = r.status;
	req_free(&r);
	buf_append(&m.out, "", 0);
	out->raw = m.out;
	p = strstr(out->raw.ptr, "\r\n\r\n");
	ck_assert_ptr_nonnull(p);
	out->body = p + 4;
	out->body_len = out->raw.len - (size_t)(out->body - out->raw.ptr);
	/* A refused or answered body has been read to its end. */
	ck_assert_uint_eq(m.pos, m.body_len);
}

/* The value of a response header (a static copy), or NULL. */
static const char *
header(const struct answer *an, const char *name)
{
	static char	 v[512];
	const char	*p = an->raw.ptr, *e;
	size_t		 n = strlen(name);

	while (p < an->body - 2) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			e = strstr(p, "\r\n");
			snprintf(v, sizeof(v), "%.*s", (int)(e - p), p);
			return v;
		}
		p = strstr(p, "\r\n") + 2;
	}
	return NULL;
}

static void
answer_free(struct answer *an)
{
	buf_free(&an->raw);
}

/* A multipart/form-data body: frame, optional source and PD, the photo. */
static void
form_pd(struct buf *b, const char *sku, const char *source, const char *pd,
    const void *photo, size_t len)
{
	buf_reset(b);
	if (pd != NULL)
		buf_printf(b, "--" BOUNDARY "\r\nContent-Disposition: "
		    "form-data; name=\"pd_mm\"\r\n\r\n%s\r\n", pd);
	if (sku != NULL)
		buf_printf(b, "--" BOUNDARY "\r\nContent-Disposition: "
		    "form-data; name=\"frame\"\r\n\r\n%s\r\n", sku);
	if (source != NULL)
		buf_printf(b, "--" BOUNDARY "\r\nContent-Disposition: "
		    "form-data; name=\"source\"\r\n\r\n%s\r\n", source);
	if (photo != NULL) {
		buf_puts(b, "--" BOUNDARY "\r\nContent-Disposition: form-data; "
		    "name=\"photo\"; filename=\"me.jpg\"\r\nContent-Type: "
		    "image/jpeg\r\n\r\n");
		buf_append(b, photo, len);
		buf_puts(b, "\r\n");
	}
	buf_puts(b, "--" BOUNDARY "--\r\n");
}

static void
form(struct buf *b, const char *sku, const char *source, const void *photo,
    size_t len)
{
	form_pd(b, sku, source, NULL, photo, len);
}

/* Assert that the body holds want (a printf format). */
static void
has(const struct answer *an, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
has(const struct answer *an, const char *fmt, ...)
{
	struct buf	 w;
	va_list		 ap;

	buf_init(&w);
	va_start(ap, fmt);
	buf_vprintf(&w, fmt, ap);
	va_end(ap);
	if (strstr(an->body, w.ptr) == NULL)
		fprintf(stderr, "check_shop: the body:\n%s\n", an->body);
	ck_assert_msg(strstr(an->body, w.ptr) != NULL, "no %s (the body is on "
	    "stderr)", w.ptr);
	buf_free(&w);
}

static const char *const multipart[] = {
	"CONTENT_TYPE", "multipart/form-data; boundary=" BOUNDARY, NULL
};

static void *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*p;
	long	 n;

	ck_assert_msg(f != NULL, "%s: %s (FF_FACES names the face photos)",
	    path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = xmalloc((size_t)n);
	ck_assert_uint_eq(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static void *
face_photo(size_t *len)
{
	const char	*dir = getenv("FF_FACES_DIR");
	struct buf	 path;
	void		*p;

	buf_init(&path);
	buf_printf(&path, "%s" FACE, dir != NULL && *dir != '\0' ? dir :
	    FF_DATADIR "/../shared/data/faces");
	p = slurp(path.ptr, len);
	buf_free(&path);
	return p;
}

/* ---- The checking connection ---- */

static long long
count(const char *sql, long long arg)
{
	struct db	*d = dbtest_open();
	long long	 n = dbtest_int(d, sql, arg);

	db_close(d);
	return n;
}

/* ---- Tests ---- */

/* The upload page, from the catalog. */
START_TEST(test_index)
{
	struct tryon_app	*a = worker();
	struct answer		 an;
	struct buf		 want;

	ck_assert_uint_ge(a->nframes, 12);
	run(a, "GET", "/?frame=", NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 200);
	ck_assert_str_eq(header(&an, "Content-Type"), "text/html; charset=utf-8");
	ck_assert_str_eq(header(&an, "Cache-Control"), "no-cache");
	buf_init(&want);
	buf_printf(&want, "src=\"/thumb/%s.png\"", a->frames[a->nframes - 1].sku);
	ck_assert_msg(strstr(an.body, want.ptr) != NULL, "no %s", want.ptr);
	ck_assert_ptr_nonnull(strstr(an.body, "action=\"/tryon\""));
	buf_free(&want);
	answer_free(&an);

	run(a, "HEAD", "/healthz", NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 200);
	ck_assert_str_eq(header(&an, "Content-Length"), "3");
	answer_free(&an);
	run(a, "GET", "/healthz", NULL, NULL, 0, &an);
	ck_assert_str_eq(an.body, "ok\n");
	answer_free(&an);
	app_close(a);
}
END_TEST

/* One photo's whole life. */
START_TEST(test_upload_life)
{
	struct tryon_app	*a = worker();
	const struct frame	*f, *f2;
	struct answer		 an;
	struct buf		 b, uri;
	const char		*loc, *etag;
	char			 token[64], csrf[44], tag[64];
	void			*photo;
	size_t			 len;
	long long		 id;

	photo = face_photo(&len);
	f = &a->frames[0];
	f2 = &a->frames[1];
	buf_init(&b);
	buf_init(&uri);

	/* Upload: 303 to the result, and the rows of a try-on. */
	form(&b, f->sku, "webcam", photo, len);
	run(a, "POST", "/tryon", multipart, b.ptr, b.len, &an);
	ck_assert_msg(an.status == 303, "%d: %s", an.status, an.body);
	ck_assert_ptr_nonnull(loc = header(&an, "Location"));
	ck_assert_msg(strncmp(loc, "/t/", 3) == 0 && strlen(loc) == 35, "%s",
	    loc);
	snprintf(token, sizeof(token), "%s", loc + 3);
	answer_free(&an);
	id = count("SELECT id FROM uploads WHERE source = 'webcam' "
	    "AND ? = 0", 0);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM detections WHERE "
	    "upload_id = ?", id), 1);
	ck_assert_int_ge(count("SELECT faces FROM detections WHERE "
	    "upload_id = ?", id), 1);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM tryons WHERE "
	    "upload_id = ?", id), 1);
	/* Stored normalised: a JPEG of at most 1600 pixels a side. */
	ck_assert_int_eq(count("SELECT width FROM uploads WHERE id = ?", id),
	    250);
	ck_assert_int_eq(count("SELECT SUBSTR(bytes, 1, 2) = x'ffd8' FROM "
	    "uploads WHERE id = ?", id), 1);

	/* The result page: the render, the delete form's token. */
	buf_printf(&uri, "/t/%s", token);
	run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 200);
	ck_assert_str_eq(header(&an, "Cache-Control"), "private, no-store");
	buf_reset(&b);
	buf_printf(&b, "src=\"/t/%s/%s.jpg\"", token, f->sku);
	ck_assert_msg(strstr(an.body, b.ptr) != NULL, "no %s", b.ptr);
	app_csrf_token(a, token, csrf);
	buf_reset(&b);
	buf_printf(&b, "name=\"csrf\" value=\"%s\"", csrf);
	ck_assert_msg(strstr(an.body, b.ptr) != NULL, "no %s", b.ptr);
	answer_free(&an);

	/* Another frame is another try-on; the same one again is not. */
	buf_reset(&uri);
	buf_printf(&uri, "/t/%s?frame=%s", token, f2->sku);
	run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 200);
	answer_free(&an);
	run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
	answer_free(&an);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM tryons WHERE "
	    "upload_id = ?", id), 2);
	buf_reset(&uri);
	buf_printf(&uri, "/t/%s?frame=NO-SUCH-1&pd=63,5", token);
	run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 404);
	ck_assert_ptr_nonnull(strstr(an.body, "We do not carry a frame with "
	    "that code."));
	/* Back to the try-on, not to the upload page; the PD kept. */
	has(&an, "href=\"/t/%s?pd&#61;63.5\">Back to your try-on</a>", token);
	answer_free(&an);

	/*
	 * The PD on the result page, as typed: a point, a comma (raw or
	 * escaped in the query), a second decimal rounded. The picture, the
	 * form, the words, the way home and every frame link use it.
	 */
	{
		/* face: the face width of that PD (render/fit.h), mm. */
		static const struct { const char *q, *want; int face; } pds[] = {
			{ "62.3", "62.3", 136 }, { "63%2C5", "63.5", 139 },
			{ "63,5", "63.5", 139 }, { "64.25", "64.3", 140 },
			{ "+61.44+mm", "61.4", 134 },
		};
		size_t i;

		for (i = 0; i < sizeof(pds) / sizeof(pds[0]); i++) {
			buf_reset(&uri);
			buf_printf(&uri, "/t/%s?frame=%s&pd=%s", token,
			    f2->sku, pds[i].q);
			run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
			ck_assert_int_eq(an.status, 200);
			has(&an, "src=\"/t/%s/%s.jpg?pd&#61;%s\"", token,
			    f2->sku, pds[i].want);
			has(&an, "name=\"pd\" %s", "inputmode=\"decimal\"");
			has(&an, "value=\"%s\" aria-describedby", pds[i].want);
			has(&an, "Sized for your PD of %s&nbsp;mm.",
			    pds[i].want);
			has(&an, "<a href=\"/?frame&#61;%s&amp;pd&#61;%s\" "
			    "id=\"home-link\">", f2->sku, pds[i].want);
			has(&an, "href=\"/t/%s?frame&#61;%s&amp;pd&#61;%s\" "
			    "data-sku=\"%s\">", token, f->sku, pds[i].want,
			    f->sku);
			has(&an, "<input type=\"hidden\" name=\"frame\" "
			    "value=\"%s\">", f2->sku);
			/* The fit hint: the width of a face with this PD,
			 * never a measure of the shopper's face. */
			has(&an, " a face with your PD</p>");
			has(&an, "<p class=\"fit-text\">A face with a %s&nbsp;mm "
			    "PD is typically about %d&nbsp;mm across the "
			    "cheekbones; this frame is %ld&nbsp;mm wide.",
			    pds[i].want, pds[i].face,
			    lround(f2->total_width_mm));
			ck_assert_ptr_null(strstr(an.body, "your face"));
			answer_free(&an);
		}
		/* Not a PD: the default, and the page says why. */
		buf_reset(&uri);
		buf_printf(&uri, "/t/%s?frame=%s&pd=635", token, f2->sku);
		run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
		ck_assert_int_eq(an.status, 200);
		has(&an, "src=\"/t/%s/%s.jpg\"", token, f2->sku);
		has(&an, "That is not a PD we can use");
		has(&an, "Sized for a 63&nbsp;mm PD.");
		has(&an, " an average adult face</p>");
		has(&an, "<p class=\"fit-text\">An average adult face, with a "
		    "63&nbsp;mm PD, is about 138&nbsp;mm across the "
		    "cheekbones; this frame is %ld&nbsp;mm wide.",
		    lround(f2->total_width_mm));
		ck_assert_ptr_null(strstr(an.body, "your face"));
		answer_free(&an);
		ck_assert_int_eq(count("SELECT COUNT(*) FROM tryons WHERE "
		    "upload_id = ?", id), 2);
	}

	/* The render: a JPEG with an ETag, 304 when it matches. */
	buf_reset(&uri);
	buf_printf(&uri, "/t/%s/%s.jpg?pd=64&download=1", token, f->sku);
	run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 200);
	ck_assert_str_eq(header(&an, "Content-Type"), "image/jpeg");
	ck_assert(an.body_len > 1000 && (unsigned char)an.body[0] == 0xff &&
	    (unsigned char)an.body[1] == 0xd8);
	buf_reset(&b);
	buf_printf(&b, "attachment; filename=\"framefit-%s.jpg\"", f->sku);
	ck_assert_str_eq(header(&an, "Content-Disposition"), b.ptr);
	ck_assert_str_eq(header(&an, "Cache-Control"), "private, no-store");
	ck_assert_ptr_nonnull(etag = header(&an, "ETag"));
	snprintf(tag, sizeof(tag), "%s", etag);
	answer_free(&an);
	{
		const char *const inm[] = { "HTTP_IF_NONE_MATCH", tag, NULL };

		run(a, "GET", uri.ptr, inm, NULL, 0, &an);
		ck_assert_int_eq(an.status, 304);
		ck_assert_uint_eq(an.body_len, 0);
		answer_free(&an);
	}
	ck_assert_int_eq(count("SELECT COUNT(*) FROM tryons WHERE "
	    "upload_id = ? AND render_ms > 0", id), 1);

	/* The click to the shop: counted, 302 to the product. */
	buf_reset(&uri);
	buf_printf(&uri, "/go/%s?t=%s", f->sku, token);
	run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 302);
	ck_assert_str_eq(header(&an, "Location"), f->product_url);
	answer_free(&an);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM clicks WHERE frame_id = ?",
	    f->id), 1);
	/* Once per try-on and frame, only with a try-on's token: the
	 * same click again, one without a token, one with a made-up token
	 * and one on a frame this photo never tried all go to the shop and
	 * count nothing. */
	{
		static const char *const fmt[] = { "/go/%s?t=%s", "/go/%s",
		    "/go/%s?t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/go/%s?t=%s" };
		const struct frame *g;
		size_t i;

		for (i = 0; i < 4; i++) {
			g = i == 3 ? &a->frames[2] : f;
			buf_reset(&uri);
			buf_printf(&uri, fmt[i], g->sku, token);
			run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
			ck_assert_int_eq(an.status, 302);
			ck_assert_str_eq(header(&an, "Location"),
			    g->product_url);
			answer_free(&an);
		}
	}
	ck_assert_int_eq(count("SELECT COUNT(*) FROM clicks WHERE ? = 0", 0),
	    1);
	ck_assert_int_eq(count("SELECT SUM(n) FROM hourly_rollups WHERE "
	    "metric = 'click' AND frame_id = ?", f->id), 1);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM hourly_rollups WHERE "
	    "metric = 'click' AND frame_id <> ?", f->id), 0);

	/* Delete: a forged token is refused, the right one deletes. */
	buf_reset(&uri);
	buf_printf(&uri, "/t/%s/delete", token);
	{
		const char *const urlenc[] = { "CONTENT_TYPE",
		    "application/x-www-form-urlencoded", NULL };

		buf_reset(&b);
		buf_printf(&b, "csrf=%.42sA", csrf[0] == 'A' ? "B" : "A");
		run(a, "POST", uri.ptr, urlenc, b.ptr, b.len, &an);
		ck_assert_int_eq(an.status, 403);
		answer_free(&an);
		ck_assert_int_eq(count("SELECT COUNT(*) FROM uploads WHERE "
		    "id = ?", id), 1);
		buf_reset(&b);
		buf_printf(&b, "csrf=%s", csrf);
		run(a, "POST", uri.ptr, urlenc, b.ptr, b.len, &an);
		ck_assert_int_eq(an.status, 303);
		ck_assert_str_eq(header(&an, "Location"), "/?deleted=1");
		answer_free(&an);
	}
	ck_assert_int_eq(count("SELECT COUNT(*) FROM uploads WHERE id = ?", id),
	    0);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM tryons WHERE "
	    "upload_id = ?", id), 0);
	buf_reset(&uri);
	buf_printf(&uri, "/t/%s", token);
	run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 404);
	ck_assert_ptr_nonnull(strstr(an.body, "This try-on does not exist"));
	answer_free(&an);
	buf_reset(&uri);
	buf_printf(&uri, "/t/%s/%s.jpg", token, f->sku);
	run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 404);
	ck_assert_ptr_nonnull(strstr(an.body, "This photo does not exist"));
	answer_free(&an);

	free(photo);
	buf_free(&b);
	buf_free(&uri);
	app_close(a);
}
END_TEST

/* A photo without a face: 422, counted for the reports, not kept. */
START_TEST(test_upload_noface)
{
	struct tryon_app	*a = worker();
	struct answer		 an;
	struct buf		 b;
	gdImagePtr		 im;
	void			*png;
	long long		 before, photos, uploads;
	int			 len;

	ck_assert_ptr_nonnull(im = gdImageCreateTrueColor(320, 240));
	gdImageFilledRectangle(im, 0, 0, 319, 239, gdTrueColor(128, 128, 128));
	ck_assert_ptr_nonnull(png = gdImagePngPtr(im, &len));
	gdImageDestroy(im);
	before = count("SELECT COUNT(*) FROM tryons WHERE ? = 0", 0);
	photos = count("SELECT COALESCE(SUM(n), 0) FROM hourly_rollups WHERE "
	    "metric = 'photo' AND ? = 0", 0);
	uploads = count("SELECT COALESCE(SUM(n), 0) FROM hourly_rollups WHERE "
	    "metric = 'upload_form' AND ? = 0", 0);
	buf_init(&b);
	form(&b, a->frames[0].sku, NULL, png, (size_t)len);
	run(a, "POST", "/tryon", multipart, b.ptr, b.len, &an);
	ck_assert_msg(an.status == 422, "%d", an.status);
	ck_assert_str_eq(header(&an, "Content-Type"), "text/html; charset=utf-8");
	/* Nothing to delete: the page says the photo was not kept. */
	ck_assert_ptr_null(strstr(an.body, "name=\"csrf\""));
	ck_assert_ptr_null(strstr(an.body, "/delete"));
	ck_assert_ptr_nonnull(strstr(an.body, "id=\"not-kept\""));
	ck_assert_ptr_nonnull(strstr(an.body, "Tips for a great try-on"));
	answer_free(&an);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM uploads WHERE width = ?",
	    320), 0);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM detections WHERE "
	    "faces = ?", 0), 0);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM tryons WHERE ? = 0", 0),
	    before);
	/* Counted all the same: a photo through the face finder, an upload
	 * from the form. */
	ck_assert_int_eq(count("SELECT COALESCE(SUM(n), 0) FROM hourly_rollups "
	    "WHERE metric = 'photo' AND ? = 0", 0), photos + 1);
	ck_assert_int_eq(count("SELECT COALESCE(SUM(n), 0) FROM hourly_rollups "
	    "WHERE metric = 'upload_form' AND ? = 0", 0), uploads + 1);
	gdFree(png);
	buf_free(&b);
	app_close(a);
}
END_TEST

/* A photo whose stored faces the policy no longer takes: the no-face
 * page shows it (GET /t/{token}/photo), keeps frame and PD, and offers
 * "Retake" for a webcam photo. */
START_TEST(test_noface_kept)
{
	struct tryon_app	*a = worker();
	const struct frame	*f = &a->frames[3];
	struct answer		 an;
	struct buf		 b, uri;
	struct db		*d;
	const char		*loc;
	char			 token[64];
	void			*photo;
	size_t			 len;
	long long		 id;

	photo = face_photo(&len);
	buf_init(&b);
	buf_init(&uri);
	form_pd(&b, f->sku, "webcam", "62,3", photo, len);
	run(a, "POST", "/tryon", multipart, b.ptr, b.len, &an);
	ck_assert_msg(an.status == 303, "%d: %s", an.status, an.body);
	loc = header(&an, "Location");
	ck_assert_str_eq(loc + 35, "?pd=62.3");
	snprintf(token, sizeof(token), "%.32s", loc + 3);
	answer_free(&an);
	d = dbtest_open();
	id = dbtest_int(d, "SELECT MAX(id) FROM uploads WHERE ? = 0", 0);
	/* A face 4 pixels wide is below the policy's floor. */
	dbtest_exec(d, "UPDATE detection_faces SET box_w = 4, box_h = 4 "
	    "WHERE detection_id IN (SELECT id FROM detections WHERE "
	    "upload_id = ?)", id);
	db_close(d);

	buf_printf(&uri, "/t/%s?frame=%s&pd=62,3", token, f->sku);
	run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 422);
	has(&an, "<img class=\"sent-img\" id=\"sent-photo\" "
	    "src=\"/t/%s/photo\"", token);
	has(&an, "id=\"retake\" href=\"/?frame&#61;%s&amp;pd&#61;62.3&amp;"
	    "cam&#61;1\">Retake with the webcam</a>", f->sku);
	has(&an, "id=\"back\" href=\"/?frame&#61;%s&amp;pd&#61;62.3\">",
	    f->sku);
	has(&an, "action=\"/t/%s/delete\"", token);
	ck_assert_ptr_null(strstr(an.body, "id=\"not-kept\""));
	answer_free(&an);

	/* The photo itself: the stored bytes, kept out of caches. */
	buf_reset(&uri);
	buf_printf(&uri, "/t/%s/photo", token);
	run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 200);
	ck_assert_str_eq(header(&an, "Content-Type"), "image/jpeg");
	ck_assert_str_eq(header(&an, "Cache-Control"), "private, no-store");
	ck_assert_int_eq((long long)an.body_len, count("SELECT LENGTH(bytes) "
	    "FROM uploads WHERE id = ?", id));
	answer_free(&an);
	run(a, "GET", "/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/photo", NULL, NULL,
	    0, &an);
	ck_assert_int_eq(an.status, 404);
	has(&an, "This photo does not exist");
	answer_free(&an);

	/* Back on the upload page: the frame chosen, the PD filled in,
	 * the webcam asked for. */
	run(a, "GET", "/?frame=FF-NO-SUCH&pd=62,3&cam=1", NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 200);
	has(&an, "value=\"62.3\" aria-describedby=\"pd-help\"");
	has(&an, "<details class=\"pd\" open>");
	has(&an, "data-cam=\"1\"");
	answer_free(&an);
	buf_reset(&uri);
	buf_printf(&uri, "/?frame=%s&pd=62.3", f->sku);
	run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
	has(&an, "value=\"%s\" id=\"f-%s\" checked", f->sku, f->sku);
	ck_assert_ptr_null(strstr(an.body, "data-cam"));
	answer_free(&an);
	free(photo);
	buf_free(&b);
	buf_free(&uri);
	app_close(a);
}
END_TEST

/* The PD as shoppers type it (shop_pd_parse()): a point or a comma,
 * tenths, "mm"; nothing strtod() would also take. */
static const struct {
	const char	*in;
	double		 want;
} pds[] = {
	{ NULL, 0 }, { "", 0 }, { "  ", 0 },
	{ "63", 63.0 }, { "63.5", 63.5 }, { "63,5", 63.5 },
	{ "62.3", 62.3 }, { "62,3", 62.3 }, { " 62.3 ", 62.3 },
	{ "63.5 mm", 63.5 }, { "63,5MM", 63.5 }, { "63.5mm", 63.5 },
	{ "63.", 63.0 }, { "063.5", 63.5 }, { "63.54", 63.5 },
	{ "63.55", 63.6 }, { "63.549", 63.5 }, { "62.95", 63.0 },
	{ "50", 50.0 }, { "49.95", 50.0 }, { "80", 80.0 }, { "80.04", 80.0 },
	{ "49.9", -1 }, { "80.05", -1 }, { "80.1", -1 }, { "635", -1 },
	{ "31.5", -1 }, { "31.5/32", -1 }, { "6.35e1", -1 }, { "0x40", -1 },
	{ "inf", -1 }, { "nan", -1 }, { "-63", -1 }, { "+63", -1 },
	{ ",5", -1 }, { ".5", -1 }, { "63,5,1", -1 }, { "63 5", -1 },
	{ "63.5 cm", -1 }, { "63.5 mmm", -1 }, { "63a", -1 },
};

START_TEST(test_pd_parse)
{
	double got = shop_pd_parse(pds[_i].in);

	ck_assert_msg(got == pds[_i].want, "\"%s\": %.17g, want %.17g",
	    pds[_i].in != NULL ? pds[_i].in : "(null)", got, pds[_i].want);
}
END_TEST

/* A refused upload keeps the choices: frame, PD, and the webcam. */
START_TEST(test_error_keeps_choice)
{
	static const char jpeg[] = "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"
	    "\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb";
	struct tryon_app	*a = worker();
	const char		*sku = a->frames[2].sku;
	struct answer		 an;
	struct buf		 b;
	gdImagePtr		 im;
	void			*png;
	int			 len;

	buf_init(&b);
	/* A damaged photo from the webcam: a plain heading, both ways back. */
	form_pd(&b, sku, "webcam", "63,5", jpeg, sizeof(jpeg) - 1);
	run(a, "POST", "/tryon", multipart, b.ptr, b.len, &an);
	ck_assert_int_eq(an.status, 422);
	has(&an, "<h1 id=\"err\">We couldn&#39;t use that photo</h1>");
	has(&an, "<title>We couldn&#39;t use that photo · framefit</title>");
	has(&an, "id=\"back\" href=\"/?frame&#61;%s&amp;pd&#61;63.5\">Try "
	    "another photo</a>", sku);
	has(&an, "id=\"retake\" href=\"/?frame&#61;%s&amp;pd&#61;63.5&amp;"
	    "cam&#61;1\">", sku);
	/* The HTTP phrase only in the small print, for support. */
	has(&an, "&middot; image_corrupt &middot; HTTP 422 Unprocessable "
	    "Content</p>");
	ck_assert_ptr_null(strstr(an.body, "<h1 id=\"err\">Unprocessable"));
	answer_free(&an);

	/* A bad PD from the form: the frame is kept, the PD is not. */
	form_pd(&b, sku, NULL, "635", jpeg, sizeof(jpeg) - 1);
	run(a, "POST", "/tryon", multipart, b.ptr, b.len, &an);
	ck_assert_int_eq(an.status, 400);
	has(&an, "id=\"back\" href=\"/?frame&#61;%s\">", sku);
	has(&an, "Type it as 63.5 or 63,5; if your prescription gives two "
	    "numbers, one for each eye, add them.");
	ck_assert_ptr_null(strstr(an.body, "id=\"retake\""));
	/* Under a heading that names the mistake, not a generic one. */
	has(&an, "<h1 id=\"err\">Please check your PD</h1>");
	has(&an, "<title>Please check your PD · framefit</title>");
	has(&an, "&middot; bad_request &middot; HTTP 400 Bad Request</p>");
	answer_free(&an);
	form_pd(&b, sku, NULL, "45", jpeg, sizeof(jpeg) - 1);
	run(a, "POST", "/tryon", multipart, b.ptr, b.len, &an);
	ck_assert_int_eq(an.status, 400);
	has(&an, "<h1 id=\"err\">Please check your PD</h1>");
	has(&an, "Your pupillary distance must be a number of millimetres "
	    "between 50 and 80, or left empty.");
	answer_free(&an);

	/*
	 * Too large: refused from Content-Length, the body never read. The
	 * choices come from the form's address (app.js writes them there),
	 * so the way back still keeps them; without them it is "/".
	 */
	{
		const char *const big[] = { "CONTENT_TYPE",
		    "multipart/form-data; boundary=" BOUNDARY,
		    "CONTENT_LENGTH", "20000000", NULL };

		buf_reset(&b);
		buf_printf(&b, "/tryon?frame=%s&pd_mm=62%%2C3&source=webcam",
		    sku);
		run(a, "POST", b.ptr, big, NULL, 0, &an);
		ck_assert_int_eq(an.status, 413);
		has(&an, "<h1 id=\"err\">That photo is too large</h1>");
		has(&an, "id=\"back\" href=\"/?frame&#61;%s&amp;pd&#61;62.3\">"
		    "Try another photo</a>", sku);
		has(&an, "id=\"retake\" href=\"/?frame&#61;%s&amp;pd&#61;62.3"
		    "&amp;cam&#61;1\">", sku);
		answer_free(&an);
		run(a, "POST", "/tryon", big, NULL, 0, &an);
		ck_assert_int_eq(an.status, 413);
		has(&an, "id=\"back\" href=\"/\">Try another photo</a>");
		answer_free(&an);
	}
	/* The body's choices win over the address's. */
	form_pd(&b, sku, NULL, "635", jpeg, sizeof(jpeg) - 1);
	run(a, "POST", "/tryon?frame=NO-SUCH-2&pd_mm=70", multipart, b.ptr,
	    b.len, &an);
	ck_assert_int_eq(an.status, 400);
	has(&an, "id=\"back\" href=\"/?frame&#61;%s\">", sku);
	answer_free(&an);

	/* An unknown frame: the PD is kept. */
	form_pd(&b, "NO-SUCH-1", NULL, "61", jpeg, sizeof(jpeg) - 1);
	run(a, "POST", "/tryon", multipart, b.ptr, b.len, &an);
	ck_assert_int_eq(an.status, 400);
	has(&an, "id=\"back\" href=\"/?pd&#61;61.0\">");
	answer_free(&an);

	/* An expired try-on, from a link with frame and PD. */
	buf_reset(&b);
	buf_printf(&b, "/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA?frame=%s&pd=62.3",
	    sku);
	run(a, "GET", b.ptr, NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 404);
	has(&an, "<h1 id=\"err\">We couldn&#39;t find that</h1>");
	has(&an, "id=\"back\" href=\"/?frame&#61;%s&amp;pd&#61;62.3\">",
	    sku);
	answer_free(&an);

	/* No face, from the webcam: not kept, both ways back. */
	ck_assert_ptr_nonnull(im = gdImageCreateTrueColor(320, 240));
	gdImageFilledRectangle(im, 0, 0, 319, 239, gdTrueColor(128, 128, 128));
	ck_assert_ptr_nonnull(png = gdImagePngPtr(im, &len));
	gdImageDestroy(im);
	form_pd(&b, sku, "webcam", "64", png, (size_t)len);
	run(a, "POST", "/tryon", multipart, b.ptr, b.len, &an);
	ck_assert_int_eq(an.status, 422);
	has(&an, "id=\"retake\" href=\"/?frame&#61;%s&amp;pd&#61;64.0&amp;"
	    "cam&#61;1\">Retake with the webcam</a>", sku);
	has(&an, "id=\"back\" href=\"/?frame&#61;%s&amp;pd&#61;64.0\">",
	    sku);
	has(&an, "id=\"not-kept\"");
	ck_assert_ptr_null(strstr(an.body, "/photo\""));
	answer_free(&an);
	/* The same from a file: one way back, no retake. */
	form_pd(&b, sku, NULL, NULL, png, (size_t)len);
	run(a, "POST", "/tryon", multipart, b.ptr, b.len, &an);
	ck_assert_int_eq(an.status, 422);
	has(&an, "id=\"back\" href=\"/?frame&#61;%s\">Try another photo",
	    sku);
	ck_assert_ptr_null(strstr(an.body, "retake"));
	answer_free(&an);
	gdFree(png);
	buf_free(&b);
	app_close(a);
}
END_TEST

/* The upload form with the consent box's fields (consent NULL: unticked). */
static void
form_consent(struct buf *b, const char *sku, const char *pd,
    const char *consent, const char *wording, const void *photo, size_t len)
{
	struct buf	 rest;

	buf_init(&rest);
	form_pd(&rest, sku, NULL, pd, photo, len);
	buf_reset(b);
	if (consent != NULL)
		buf_printf(b, "--" BOUNDARY "\r\nContent-Disposition: "
		    "form-data; name=\"consent\"\r\n\r\n%s\r\n--" BOUNDARY
		    "\r\nContent-Disposition: form-data; name=\"consent_wording\""
		    "\r\n\r\n%s\r\n", consent, wording);
	buf_append(b, rest.ptr, rest.len);
	buf_free(&rest);
}

/* POST a result page's button (delete, withdraw) with the urlencoded
 * body; the Location of its 303. */
static const char *
post_button(struct tryon_app *a, const char *token, const char *button,
    const char *body)
{
	static const char *const urlenc[] = { "CONTENT_TYPE",
	    "application/x-www-form-urlencoded", NULL };
	static char	 loc[256];
	struct answer	 an;
	struct buf	 uri;

	buf_init(&uri);
	buf_printf(&uri, "/t/%s/%s", token, button);
	run(a, "POST", uri.ptr, urlenc, body, strlen(body), &an);
	ck_assert_msg(an.status == 303, "%s: %d: %s", button, an.status,
	    an.body);
	snprintf(loc, sizeof(loc), "%s", header(&an, "Location"));
	answer_free(&an);
	buf_free(&uri);
	return loc;
}

/* The footer's promise, with and without the newsletter box. */
#define FOOT_24H	"Photos are kept for 24&nbsp;hours, then deleted.</p>"
#define FOOT_KEPT	"Photos are kept for 24&nbsp;hours, then deleted, " \
			"unless you ask us to keep yours for the shop's " \
			"emails.</p>"

/*
 * FF_NEWSLETTER (newsletter.h). Off, the default: no consent box, the
 * field ignored (not refused), and no page promises more than 24 hours.
 * On: the box, the consent kept, the footer says so. And the buttons of a
 * result page (withdraw, delete) lead on with the frame and PD it showed.
 */
START_TEST(test_newsletter)
{
	struct tryon_app	*a;
	const struct frame	*f, *f2;
	struct answer		 an;
	struct buf		 b, uri;
	const char		*loc;
	char			 token[64], csrf[44];
	void			*photo;
	size_t			 len;
	long long		 id;

	photo = face_photo(&len);
	buf_init(&b);
	buf_init(&uri);

	unsetenv("FF_NEWSLETTER");
	a = worker();
	f = &a->frames[4];
	run(a, "GET", "/", NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 200);
	ck_assert_ptr_null(strstr(an.body, "name=\"consent"));
	ck_assert_ptr_null(strstr(an.body, "unless you tick the box"));
	has(&an, "Your photo is kept for 24 hours so you can switch frames, "
	    "then deleted. You can delete it sooner");
	has(&an, FOOT_24H);
	answer_free(&an);
	/* A ticked box from a page of before: a try-on, kept 24 hours. */
	form_consent(&b, f->sku, "62,3", "newsletter", "newsletter-1", photo,
	    len);
	run(a, "POST", "/tryon", multipart, b.ptr, b.len, &an);
	ck_assert_msg(an.status == 303, "%d: %s", an.status, an.body);
	loc = header(&an, "Location");
	snprintf(token, sizeof(token), "%.32s", loc + 3);
	answer_free(&an);
	id = count("SELECT MAX(id) FROM uploads WHERE ? = 0", 0);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM upload_consents WHERE "
	    "upload_id = ?", id), 0);
	ck_assert_int_eq(count("SELECT TIMESTAMPDIFF(HOUR, created, expires) "
	    "FROM uploads WHERE id = ?", id), 24);
	form_consent(&b, f->sku, NULL, "newsletter", "old-text", photo, len);
	run(a, "POST", "/tryon", multipart, b.ptr, b.len, &an);
	ck_assert_msg(an.status == 303, "%d: %s", an.status, an.body);
	answer_free(&an);
	buf_printf(&uri, "/t/%s", token);
	run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 200);
	has(&an, FOOT_24H);
	ck_assert_ptr_null(strstr(an.body, "/withdraw"));
	answer_free(&an);
	run(a, "GET", "/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 404);
	has(&an, FOOT_24H);
	answer_free(&an);
	app_close(a);

	setenv("FF_NEWSLETTER", "1", 1);
	a = worker();
	f = &a->frames[4];
	f2 = &a->frames[5];
	run(a, "GET", "/", NULL, NULL, 0, &an);
	has(&an, "<input type=\"checkbox\" id=\"consent\" name=\"consent\" "
	    "value=\"newsletter\"");
	has(&an, "name=\"consent_wording\" value=\"newsletter-1\"");
	has(&an, "then deleted, unless you tick the box above.");
	has(&an, FOOT_KEPT);
	answer_free(&an);
	form_consent(&b, f->sku, "62,3", "newsletter", "newsletter-1", photo,
	    len);
	run(a, "POST", "/tryon", multipart, b.ptr, b.len, &an);
	ck_assert_msg(an.status == 303, "%d: %s", an.status, an.body);
	loc = header(&an, "Location");
	snprintf(token, sizeof(token), "%.32s", loc + 3);
	answer_free(&an);
	id = count("SELECT MAX(id) FROM uploads WHERE ? = 0", 0);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM upload_consents WHERE "
	    "upload_id = ? AND withdrawn IS NULL", id), 1);
	form_consent(&b, f->sku, NULL, "newsletter", "old-text", photo, len);
	run(a, "POST", "/tryon", multipart, b.ptr, b.len, &an);
	ck_assert_int_eq(an.status, 400);
	has(&an, FOOT_KEPT);
	answer_free(&an);

	/* The result page of another frame and a PD: both buttons carry
	 * them. */
	buf_reset(&uri);
	buf_printf(&uri, "/t/%s?frame=%s&pd=62,3", token, f2->sku);
	run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 200);
	has(&an, FOOT_KEPT);
	has(&an, "action=\"/t/%s/withdraw\">\n      <input type=\"hidden\" "
	    "name=\"csrf\" value=\"", token);
	buf_reset(&b);
	buf_printf(&b, "<input type=\"hidden\" name=\"frame\" value=\"%s\">"
	    "<input type=\"hidden\" name=\"pd\" value=\"62.3\">", f2->sku);
	loc = strstr(an.body, "/withdraw\"");
	ck_assert_ptr_nonnull(loc);
	ck_assert_msg(strstr(loc, b.ptr) != NULL &&
	    strstr(loc, b.ptr) < strstr(loc, "</form>"), "withdraw: no %s",
	    b.ptr);
	loc = strstr(an.body, "/delete\"");
	ck_assert_ptr_nonnull(loc);
	ck_assert_msg(strstr(loc, b.ptr) != NULL &&
	    strstr(loc, b.ptr) < strstr(loc, "</form>"), "delete: no %s",
	    b.ptr);
	answer_free(&an);

	app_csrf_token(a, token, csrf);
	buf_reset(&b);
	buf_printf(&b, "csrf=%s&frame=%s&pd=62.3", csrf, f2->sku);
	buf_reset(&uri);
	buf_printf(&uri, "/t/%s?frame=%s&pd=62.3", token, f2->sku);
	ck_assert_str_eq(post_button(a, token, "withdraw", b.ptr), uri.ptr);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM upload_consents WHERE "
	    "upload_id = ? AND withdrawn IS NOT NULL", id), 1);
	/* A form without them (an older page): the page's own default. */
	buf_reset(&b);
	buf_printf(&b, "csrf=%s", csrf);
	buf_reset(&uri);
	buf_printf(&uri, "/t/%s", token);
	ck_assert_str_eq(post_button(a, token, "withdraw", b.ptr), uri.ptr);
	/* A PD alone; a frame no longer carried and a bad PD are left out. */
	buf_reset(&b);
	buf_printf(&b, "csrf=%s&pd=61", csrf);
	buf_reset(&uri);
	buf_printf(&uri, "/t/%s?pd=61.0", token);
	ck_assert_str_eq(post_button(a, token, "withdraw", b.ptr), uri.ptr);
	buf_reset(&b);
	buf_printf(&b, "csrf=%s&frame=NO-SUCH-3&pd=635", csrf);
	buf_reset(&uri);
	buf_printf(&uri, "/t/%s", token);
	ck_assert_str_eq(post_button(a, token, "withdraw", b.ptr), uri.ptr);

	/* Delete: to the upload page with the frame and PD for the next
	 * photo. */
	buf_reset(&b);
	buf_printf(&b, "csrf=%s&frame=%s&pd=62.3", csrf, f2->sku);
	buf_reset(&uri);
	buf_printf(&uri, "/?frame=%s&pd=62.3&deleted=1", f2->sku);
	ck_assert_str_eq(post_button(a, token, "delete", b.ptr), uri.ptr);
	ck_assert_int_eq(count("SELECT COUNT(*) FROM uploads WHERE id = ?",
	    id), 0);
	run(a, "GET", uri.ptr, NULL, NULL, 0, &an);
	has(&an, "Your photo and everything made from it have been deleted.");
	has(&an, "value=\"%s\" id=\"f-%s\" checked", f2->sku, f2->sku);
	has(&an, "value=\"62.3\" aria-describedby=\"pd-help\"");
	answer_free(&an);

	free(photo);
	buf_free(&b);
	buf_free(&uri);
	app_close(a);
}
END_TEST

/* What the shop refuses, and what the router answers for every family. */
static const struct {
	const char	*method;
	const char	*uri;
	const char	*env[5];
	const char	*body;		/* multipart parts: see form_rows() */
	int		 status;
	const char	*has;		/* in the body */
	const char	*line;		/* a header, "Name: value" */
} rows[] = {
	{ "GET", "/nothing/here", { NULL }, NULL, 404,
	  "There is no page at this address.", NULL },
	{ "POST", "/", { NULL }, NULL, 405,
	  "This address takes only GET, HEAD requests. Please start again "
	  "from our home page.", "Allow: GET, HEAD" },
	{ "GET", "/tryon", { NULL }, NULL, 405, "only POST requests",
	  "Allow: POST" },
	{ "GET", "/?a=%zz", { NULL }, NULL, 400,
	  "The address has a malformed query: ", NULL },
	{ "GET", "/go/NO-SUCH-1", { NULL }, NULL, 404,
	  "We do not carry that frame.", NULL },
	{ "GET", "/thumb/NO-SUCH-1.png", { NULL }, NULL, 404,
	  "We do not carry that frame.", NULL },
	{ "GET", "/static/nothing.css", { NULL }, NULL, 404,
	  "There is no such file.", NULL },
	{ "GET", "/static/app.css", { NULL }, NULL, 200, "{",
	  "Content-Type: text/css; charset=utf-8" },
	{ "GET", "/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/x.jpg", { NULL }, NULL,
	  404, "We do not carry a frame with that code.", NULL },
	{ "GET", "/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	  { "HTTP_ACCEPT", "application/json", NULL }, NULL, 404,
	  "{\"error\":{\"code\":\"not_found\",\"message\":\"This try-on does "
	  "not exist", "Content-Type: application/json" },
	{ "POST", "/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/delete",
	  { "HTTP_ORIGIN", "http://evil.example", "HTTP_HOST", "shop.example",
	  NULL }, "csrf=x", 403, "This form must be sent from our own page.",
	  NULL },
	{ "POST", "/tryon", { "HTTP_ORIGIN", "http://evil.example",
	  "HTTP_HOST", "shop.example", NULL }, "F", 403,
	  "This form must be sent from our own page.", NULL },
	{ "POST", "/tryon", { NULL }, "", 400,
	  "the form field &quot;frame&quot; is missing", NULL },
	{ "POST", "/tryon", { NULL }, "F", 400,
	  "the form field &quot;photo&quot; is missing or empty", NULL },
	{ "POST", "/tryon", { NULL }, "FN", 400,
	  "We do not carry a frame with that code.", NULL },
	{ "POST", "/tryon", { NULL }, "FS", 400,
	  "The photo source must be", NULL },
	{ "POST", "/tryon", { NULL }, "FT", 415,
	  "That file is not a photo we can read.", NULL },
	{ "POST", "/tryon", { NULL }, "FJ", 422,
	  "That image is damaged or incomplete.", NULL },
	{ "POST", "/tryon", { "CONTENT_TYPE",
	  "application/x-www-form-urlencoded", NULL }, "frame=x", 415,
	  "Please send the form as multipart/form-data", NULL },
	/* The staff pages: nothing without the web server's login. */
	{ "GET", "/admin/", { NULL }, NULL, 403,
	  "The admin pages are only reachable through the web server&#39;s "
	  "login.", NULL },
	{ "GET", "/admin/no/such/page", { NULL }, NULL, 403, "login", NULL },
	{ "GET", "/admin/no/such/page", { "REMOTE_USER", "staff", NULL }, NULL,
	  404, "There is no admin page at this address.", NULL },
	{ "GET", "/admin/retention/purge", { "REMOTE_USER", "staff", NULL },
	  NULL, 405, "This admin address takes only POST requests.",
	  "Allow: POST" },
	/* The API: JSON whatever Accept says, routes before the key. */
	{ "GET", "/api/v1/nothing", { "HTTP_ACCEPT", "text/html", NULL }, NULL,
	  404, "{\"error\":{\"code\":\"not_found\",\"message\":\"there is no API "
	  "endpoint at this address (see docs/API.md)\"}}\n",
	  "Content-Type: application/json" },
	{ "GET", "/api/v1/frames", { NULL }, NULL, 401,
	  "{\"error\":{\"code\":\"unauthorized\"",
	  "WWW-Authenticate: Bearer realm=\"framefit\"" },
	/* An error the web server made and handed over. */
	{ "GET", "/t/x", { "REDIRECT_STATUS", "502", NULL }, NULL, 503,
	  "temporarily unavailable", "Retry-After: 10" },
	{ "GET", "/api/v1/frames", { "REDIRECT_STATUS", "413", NULL }, NULL,
	  413, "{\"error\":{\"code\":\"too_large\"",
	  "Content-Type: application/json" },
};

/*
 * The multipart body of a row: F a known frame, N an unknown one, S a
 * bad source, T a text file as the photo, J a truncated JPEG; "" a form
 * with no field at all.
 */
static void
form_rows(struct tryon_app *a, const char *spec, struct buf *b)
{
	static const char jpeg[] = "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01"
	    "\x00\x00\x01\x00\x01\x00\x00\xff\xdb";
	const char	*sku = NULL, *source = NULL;
	const void	*photo = NULL;
	size_t		 len = 0;

	for (; *spec != '\0'; spec++)
		switch (*spec) {
		case 'F': sku = a->frames[0].sku; break;
		case 'N': sku = "NO-SUCH-1"; break;
		case 'S': source = "fax"; break;
		case 'T': photo = "just some text\n"; len = 15; break;
		case 'J': photo = jpeg; len = sizeof(jpeg) - 1; break;
		}
	form(b, sku, source, photo, len);
}

START_TEST(test_rows)
{
	struct tryon_app	*a = worker();
	struct answer		 an;
	struct buf		 b, line;
	const char		*env[8];
	size_t			 k = 0, i;

	buf_init(&b);
	buf_init(&line);
	for (i = 0; rows[_i].env[i] != NULL; i++)
		env[k++] = rows[_i].env[i];
	if (rows[_i].body != NULL && strncmp(rows[_i].uri, "/tryon", 6) == 0 &&
	    (k == 0 || strcmp(env[0], "CONTENT_TYPE") != 0)) {
		form_rows(a, rows[_i].body, &b);
		env[k++] = "CONTENT_TYPE";
		env[k++] = "multipart/form-data; boundary=" BOUNDARY;
	} else if (rows[_i].body != NULL)
		buf_puts(&b, rows[_i].body);
	env[k] = NULL;
	run(a, rows[_i].method, rows[_i].uri, env, b.ptr, b.len, &an);
	ck_assert_msg(an.status == rows[_i].status, "row %d: %d: %s", _i,
	    an.status, an.body);
	ck_assert_msg(strstr(an.body, rows[_i].has) != NULL,
	    "row %d: no \"%s\" in %s", _i, rows[_i].has, an.body);
	if (rows[_i].line != NULL) {
		buf_printf(&line, "\r\n%s\r\n", rows[_i].line);
		ck_assert_msg(strstr(an.raw.ptr, line.ptr) != NULL,
		    "row %d: no \"%s\" in\n%s", _i, rows[_i].line, an.raw.ptr);
	}
	/* Every error is kept out of caches. */
	if (an.status >= 400)
		ck_assert_str_eq(header(&an, "Cache-Control"), "no-store");
	answer_free(&an);
	buf_free(&b);
	buf_free(&line);
	app_close(a);
}
END_TEST

/* Prices as shoppers read them (view/money.h): the exact strings. */
static const struct {
	long long	 cents;
	const char	*iso;
	const char	*want;
} prices[] = {
	{ 14900, NULL, "$149.00" },		/* no currency: the shop's */
	{ 14900, "", "$149.00" },
	{ 12900, "USD", "$129.00" },
	{ 12900, "EUR", "\u20ac129.00" },
	{ 8950, "GBP", "\u00a389.50" },
	{ 12900, "CHF", "CHF\u00a0129.00" },
	{ 12900, "SEK", "129.00\u00a0SEK" },
	{ 129905, "SEK", "1,299.05\u00a0SEK" },
	{ 1290000, "JPY", "\u00a512,900" },	/* no minor unit */
	{ 1290050, "JPY", "\u00a512,901" },
	{ 100000000, "EUR", "\u20ac1,000,000.00" },
	{ 5, "USD", "$0.05" },
	{ 0, "CAD", "CA$0.00" },
	{ -1, "USD", "$0.00" },
	{ 12900, "eur", "$129.00" },		/* not a code: the shop's */
	{ 12900, "EURO", "$129.00" },
};

START_TEST(test_money)
{
	struct buf b;

	unsetenv("FF_CURRENCY");
	buf_init(&b);
	money_format(&b, prices[_i].cents, prices[_i].iso);
	ck_assert_str_eq(b.ptr, prices[_i].want);
	buf_free(&b);
}
END_TEST

/* FF_CURRENCY names the shop's currency; a typo keeps USD. */
START_TEST(test_money_default)
{
	struct buf b;

	buf_init(&b);
	setenv("FF_CURRENCY", "GBP", 1);
	ck_assert_str_eq(money_currency(NULL), "GBP");
	ck_assert_str_eq(money_currency("EUR"), "EUR");
	money_format(&b, 12900, "");
	ck_assert_str_eq(b.ptr, "\u00a3129.00");
	setenv("FF_CURRENCY", "pounds", 1);
	ck_assert_str_eq(money_currency(""), MONEY_DEFAULT);
	ck_assert_str_eq(MONEY_DEFAULT, "USD");
	unsetenv("FF_CURRENCY");
	buf_free(&b);
}
END_TEST

/* A sale is the price within its window and below the price only. */
START_TEST(test_sale_on)
{
	struct frame f = { .price_cents = 12900, .sale_cents = 9900 };

	ck_assert_int_eq(app_sale_on(&f, 1000), 1);
	f.sale_from = 2000;
	f.sale_until = 3000;
	ck_assert_int_eq(app_sale_on(&f, 1999), 0);
	ck_assert_int_eq(app_sale_on(&f, 2000), 1);
	ck_assert_int_eq(app_sale_on(&f, 2999), 1);
	ck_assert_int_eq(app_sale_on(&f, 3000), 0);
	f.sale_from = f.sale_until = 0;
	f.price_cents = 9900;		/* staff lowered the price to it */
	ck_assert_int_eq(app_sale_on(&f, 1000), 0);
	f.sale_cents = 0;
	f.price_cents = 12900;
	ck_assert_int_eq(app_sale_on(&f, 1000), 0);
}
END_TEST

/*
 * The shop's pages show each frame's price in its own currency, a sale
 * with the regular price struck through, and the feed's availability;
 * an out-of-stock frame stays to be tried on.
 */
START_TEST(test_price_shown)
{
	struct db		*d = dbtest_open();
	struct tryon_app	*a;
	struct answer		 an;

	unsetenv("FF_CURRENCY");
	dbtest_exec(d, "UPDATE frames SET currency = 'EUR', sale_price_cents "
	    "= 9900, availability = 'out_of_stock' WHERE sku = "
	    "'FF-RND-4721-TOR'", 0);
	dbtest_exec(d, "UPDATE frames SET currency = 'SEK', availability = "
	    "'preorder', sale_price_cents = 100, sale_from = '2000-01-01', "
	    "sale_until = '2000-01-02' WHERE sku = 'FF-RND-4920-GLD'", 0);
	a = worker();
	run(a, "GET", "/", NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 200);
	has(&an, "id=\"f-FF-RND-4721-TOR\"");
	has(&an, "<span class=\"card-price\"><s class=\"was-price\"><span "
	    "class=\"visually-hidden\">was </span>\u20ac149.00</s> <span "
	    "class=\"visually-hidden\">now </span>\u20ac99.00<span class=\""
	    "stock is-out\">Out of stock</span></span>");
	/* A sale that ended is not shown. */
	has(&an, "<span class=\"card-price\">169.00\u00a0SEK<span class=\""
	    "stock\">Pre-order</span></span>");
	/* A frame of the seed: the shop's currency, nothing else said. */
	has(&an, "<span class=\"card-price\">$129.00</span>");
	answer_free(&an);
	run(a, "GET", "/?frame=FF-RND-4721-TOR", NULL, NULL, 0, &an);
	ck_assert_int_eq(an.status, 200);
	has(&an, "value=\"FF-RND-4721-TOR\" id=\"f-FF-RND-4721-TOR\" "
	    "checked");
	answer_free(&an);
	app_close(a);
	dbtest_exec(d, "UPDATE frames SET currency = NULL, sale_price_cents "
	    "= NULL, sale_from = NULL, sale_until = NULL, availability = NULL "
	    "WHERE sku IN ('FF-RND-4721-TOR', 'FF-RND-4920-GLD')", 0);
	db_close(d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("shop");
	TCase	*tc = tcase_create("pages");
	int	 rc, fd;

	/* The worker connects by the environment, as in production, and
	 * follows the registry at once, not every 2 s. */
	setenv("FF_DB_NAME", TEST_DB, 1);
	setenv("FF_MIGRATE", "1", 1);
	setenv("FF_MODEL_CHECK_S", "0", 1);
	snprintf(secret_file, sizeof(secret_file), "/tmp/check_shop.XXXXXX");
	if ((fd = mkstemp(secret_file)) < 0)
		return EXIT_FAILURE;
	close(fd);
	unlink(secret_file);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_index);
	tcase_add_test(tc, test_upload_life);
	tcase_add_test(tc, test_upload_noface);
	tcase_add_test(tc, test_noface_kept);
	tcase_add_test(tc, test_error_keeps_choice);
	tcase_add_test(tc, test_newsletter);
	tcase_add_loop_test(tc, test_pd_parse, 0, (int)(sizeof(pds) /
	    sizeof(pds[0])));
	tcase_add_loop_test(tc, test_rows, 0, (int)(sizeof(rows) /
	    sizeof(rows[0])));
	tcase_add_loop_test(tc, test_money, 0, (int)(sizeof(prices) /
	    sizeof(prices[0])));
	tcase_add_test(tc, test_money_default);
	tcase_add_test(tc, test_sale_on);
	tcase_add_test(tc, test_price_shown);
	suite_add_tcase(s, tc);
	rc = dbtest_run(TEST_DB, s);
	unlink(secret_file);
	return rc;
}
