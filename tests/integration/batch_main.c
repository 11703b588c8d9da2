/*
 * batch_main.c: `framefit batch` as a program of its own, for the batch
 * test and benchmark: `framefit_batch [options] INPUT` is exactly
 * `framefit batch [options] INPUT`.
 */
#include "app/batch.h"

int
main(int argc, char **argv)
{
	return batch_main(argc, argv);
}
