/*
 * apikey_main.c: `framefit apikey` as a program of its own, for the API
 * test: `framefit_apikey create NAME` is exactly `framefit apikey create
 * NAME`.
 */
#include "app/apikey.h"

int
main(int argc, char **argv)
{
	return apikey_main(argc, argv);
}
