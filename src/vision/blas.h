/*
 * blas.h: route libdarknet's hot loops to faster code.
 *
 * libdarknet (Debian's build of pjreddie's darknet, 2018) calls gemm(),
 * gemm_cpu(), im2col_cpu() and activate_array() through its PLT, so the
 * definitions in blas.c, linked into *our executable*, replace its own for
 * every call libdarknet makes. gemm goes to OpenBLAS's cblas_sgemm, which is
 * ~3-4x faster than darknet's naive triple loop; the others are written for
 * the cases our networks hit. tests/check_blas.c compares every replacement
 * with libdarknet's own version (looked up with dlsym on the library handle)
 * within float tolerance.
 *
 * Nothing here needs to be called: linking blas.o is enough. blas_init()
 * pins OpenBLAS to one thread, because framefit parallelises across
 * processes (one network per worker), not inside a forward pass.
 */
#ifndef FF_VISION_BLAS_H
#define FF_VISION_BLAS_H

void	blas_init(int threads);

/* The replacements, with darknet's own signatures. */
void	gemm(int TA, int TB, int M, int N, int K, float ALPHA, float *A,
	    int lda, float *B, int ldb, float BETA, float *C, int ldc);
void	gemm_cpu(int TA, int TB, int M, int N, int K, float ALPHA, float *A,
	    int lda, float *B, int ldb, float BETA, float *C, int ldc);
void	im2col_cpu(float *data_im, int channels, int height, int width,
	    int ksize, int stride, int pad, float *data_col);

/* A marker referenced by programs so the linker keeps blas.o. */
extern int blas_linked;

#endif
