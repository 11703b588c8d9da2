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
 * whatever the Accept header says, with the status of ff_http_status().
 *
 * Photos go through the web app's path (tryon.h): decoded upright under
 * the same 15 MB and 50 megapixel limits, stored normalised (at most
 * TRYON_MAX_SIDE pixels, JPEG, no metadata) with source 'api' and the
 * usual expiry, detected on that normalised image; the coordinates in a
 * detect response are scaled back to the pixels of the photo as uploaded
 * (after EXIF orientation).
 */
#ifndef FF_APP_API_H
#define FF_APP_API_H

struct tryon_app;
struct http_req;

/* Answer a request whose path starts with "/api/" (tryon_handle sends
 * them here). */
void	api_handle(struct tryon_app *, struct http_req *);

#endif
