/*
 * api.h: the JSON API v1, for the shop's own systems (docs/API.md).
 *
 *   POST /api/v1/detect            a photo -> the faces, as JSON
 *   POST /api/v1/tryon?frame=SKU   a photo -> the photo wearing the frame
 *        [&pd_mm=MM]               (image/jpeg, or image/png when Accept
 *                                  prefers it)
 *   GET  /api/v1/frames            the catalog, sizes in millimetres
 *
 * A photo is the multipart/form-data field "photo" or a raw body with
 * Content-Type image/(type). Every call needs "Authorization: Bearer <key>"
 * (apikey.h), is rate-limited per key (FF_API_RATE calls per minute,
 * default 120, shared by every worker through MariaDB) and counted per
 * key. Every error is JSON, {"error":{"code":"...","message":"..."}},
 * whatever the Accept header says, with the status of ff_http_status()
 * (req_error_json(), answer.h).
 *
 * Photos go through the one photo pipeline (photo.h): decoded upright
 * under the same 15 MB and 50 megapixel limits as the shop's form, stored
 * normalised (at most PHOTO_MAX_SIDE pixels, JPEG, no metadata) with
 * source 'api' and the usual expiry, detected on that normalised image;
 * the coordinates in a detect response are scaled back to the pixels of
 * the photo as uploaded (after EXIF orientation).
 *
 * The router (router.h) routes the calls, answers 404, 405 and a
 * malformed query, and checks the key and its rate limit before it calls
 * a handler here: 401 without a valid key, 429 over the limit, 503
 * without the database.
 */
#ifndef FF_APP_API_H
#define FF_APP_API_H

struct db;
struct tryon_app;
struct http_req;

/* The caller the router let through. */
struct api_caller {
	struct db	*db;		/* app_db(), connected */
	long long	 key_id;	/* api_keys.id of the key */
};

void	api_detect(struct tryon_app *, struct http_req *,
	    const struct api_caller *);
void	api_tryon(struct tryon_app *, struct http_req *,
	    const struct api_caller *);
void	api_frames(struct tryon_app *, struct http_req *,
	    const struct api_caller *);

#endif
