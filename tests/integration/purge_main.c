/*
 * purge_main.c: `framefit purge` as a program of its own, for
 * tests/integration/test_admin.sh, until src/framefit.c dispatches the
 * subcommand to purge_main() (src/app/purge.h).
 */
#include "app/purge.h"

int
main(int argc, char **argv)
{
	return purge_main(argc, argv);
}
