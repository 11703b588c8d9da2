/*
 * fuzz_app.h: the worker's app for the fuzz targets that run requests
 * through the real router (fuzz_request.c, fuzz_api.c): opened once, with
 * the templates and static files of the source tree, and without a
 * database or a model: no MariaDB runs beside a fuzzer, and a request
 * must not wait on one. The transport is tests/mem_req.h's.
 */
#ifndef FF_TESTS_FUZZ_APP_H
#define FF_TESTS_FUZZ_APP_H
#include <stdio.h>
#include <stdlib.h>

#include "app/app.h"
#include "core/clock.h"

static struct tryon_app *
fuzz_app(void)
{
	static struct tryon_app	*a;
	struct app_opts		 o = { 0 };

	if (a != NULL)
		return a;
	/* Nothing listens there: app_db() fails at once, then not again. */
	setenv("FF_DB_SOCKET", "/nonexistent/framefit-fuzz.sock", 1);
	setenv("FF_SECRET_FILE", "/tmp/framefit-fuzz-secret", 1);
	o.models = "/nonexistent/framefit-fuzz-models";
	o.migrate = 0;
	if (app_open(&o, &a) != FF_OK) {
		fprintf(stderr, "fuzz: app_open failed\n");
		abort();
	}
	a->db_retry = ff_now_ms() + 1e12;
	a->det_retry = ff_now_ms() + 1e12;
	return a;
}

#endif
