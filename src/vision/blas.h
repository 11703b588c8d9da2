/*
 * blas.h: route libdarknet's hot loops to faster code.
 *
 * libdarknet (Debian's build of pjreddie's darknet, 2018) calls gemm(),
 * gemm_cpu(), im2col_cpu() and activate_array() through its PLT, and
 * reaches forward_maxpool_layer() through its GOT, so the
 * definitions in blas.c, linked into *our executable*, replace its own for
 * every call libdarknet makes. gemm goes to OpenBLAS's cblas_sgemm, which is
 * ~3-4x faster than darknet's naive triple loop; the others are written for
 * the cases our networks hit. The *_equivalence tests of
 * tests/check_vision.c compare every replacement with libdarknet's own
 * version (looked up with dlsym on the library handle) within float
 * tolerance.
 *
 * Nothing here needs to be called: linking blas.o is enough. blas_init()
 * pins OpenBLAS to one thread, because framefit parallelises across
 * processes (one network per worker), not inside a forward pass.
 */
#ifndef FF_VISION_BLAS_H
#define FF_VISION_BLAS_H

void	blas_init(int threads);
/*
 * OpenBLAS picks its kernels from the CPU's model number when it loads,
 * and a CPU newer than the library gets its oldest ones (SSE3,
 * "Prescott"), several times slower than the AVX2 or AVX-512 kernels the
 * CPU runs (docs/PERFORMANCE.md). When the library chose kernels without
 * AVX2 on a CPU that has it, this names the right ones in
 * OPENBLAS_CORETYPE and runs the program again, once, with the same
 * arguments and open files, so every launcher (web server, systemd,
 * Slurm, a shell) gets them. Call it first thing in main(). It returns
 * when nothing is to be done: the library chose well, OPENBLAS_CORETYPE
 * is already set (an operator's choice wins), or the exec failed.
 */
void	blas_pick_kernels(char **argv);
/* The kernels OpenBLAS loaded, e.g. "SkylakeX", for logs and benches. */
const char *blas_kernels(void);
/*
 * 1: send every call back to libdarknet's own code (found with dlsym on
 * the library's handle), 0: use the replacements. For the equivalence
 * tests and the benchmark's same-process baseline. FF_EMODEL if
 * libdarknet's symbols cannot be found.
 */
#include "core/err.h"
enum ff_err	blas_use_stock(int);

/* The replacements, with darknet's own signatures. */
void	gemm(int TA, int TB, int M, int N, int K, float ALPHA, float *A,
	    int lda, float *B, int ldb, float BETA, float *C, int ldc);
void	gemm_cpu(int TA, int TB, int M, int N, int K, float ALPHA, float *A,
	    int lda, float *B, int ldb, float BETA, float *C, int ldc);
void	im2col_cpu(float *data_im, int channels, int height, int width,
	    int ksize, int stride, int pad, float *data_col);

/* darknet's ACTIVATION is an int-sized enum; LEAKY, LINEAR and LOGISTIC
 * get tight loops, the rest go to libdarknet's activate(). */
void	activate_array(float *x, const int n, const int a);

/* darknet's maxpool forward (not in darknet.h; layer and network are
 * passed by value, as libdarknet's own definition takes them). */
#include <darknet.h>
void	forward_maxpool_layer(layer l, network net);

/* A marker referenced by programs so the linker keeps blas.o. */
extern int blas_linked;

#endif
