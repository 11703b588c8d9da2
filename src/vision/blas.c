#include <string.h>
#include <cblas.h>

#include "vision/blas.h"

int blas_linked = 1;

void openblas_set_num_threads(int);

void
blas_init(int threads)
{
	openblas_set_num_threads(threads > 0 ? threads : 1);
}

/*
 * Darknet's contract (gemm.c): C = ALPHA * op(A) * op(B) + BETA * C, all
 * row-major, TA/TB non-zero meaning transposed. That is exactly
 * cblas_sgemm in CblasRowMajor.
 */
void
gemm_cpu(int TA, int TB, int M, int N, int K, float ALPHA, float *A, int lda,
    float *B, int ldb, float BETA, float *C, int ldc)
{
	cblas_sgemm(CblasRowMajor, TA ? CblasTrans : CblasNoTrans,
	    TB ? CblasTrans : CblasNoTrans, M, N, K, ALPHA, A, lda, B, ldb,
	    BETA, C, ldc);
}

void
gemm(int TA, int TB, int M, int N, int K, float ALPHA, float *A, int lda,
    float *B, int ldb, float BETA, float *C, int ldc)
{
	gemm_cpu(TA, TB, M, N, K, ALPHA, A, lda, B, ldb, BETA, C, ldc);
}

/*
 * im2col for darknet's layout: data_col is (channels*ksize*ksize) rows of
 * (height_col*width_col). Darknet's version calls a bounds-checking
 * function per element; here the padding test is hoisted out of the inner
 * loop and stride-1 rows are copied with memcpy.
 */
void
im2col_cpu(float *data_im, int channels, int height, int width, int ksize,
    int stride, int pad, float *data_col)
{
	int height_col = (height + 2 * pad - ksize) / stride + 1;
	int width_col = (width + 2 * pad - ksize) / stride + 1;
	int channels_col = channels * ksize * ksize;
	int c, h, w;

	for (c = 0; c < channels_col; ++c) {
		int w_offset = c % ksize;
		int h_offset = (c / ksize) % ksize;
		int c_im = c / ksize / ksize;
		const float *im = data_im + (size_t)c_im * height * width;
		float *col = data_col + (size_t)c * height_col * width_col;
		/* Output columns w whose input column is inside the image. */
		int wlo = 0, whi = width_col;

		while (wlo < width_col && wlo * stride + w_offset - pad < 0)
			wlo++;
		while (whi > wlo && (whi - 1) * stride + w_offset - pad >= width)
			whi--;
		for (h = 0; h < height_col; ++h) {
			int im_row = h_offset + h * stride - pad;
			float *out = col + (size_t)h * width_col;

			if (im_row < 0 || im_row >= height) {
				memset(out, 0, sizeof(float) * width_col);
				continue;
			}
			const float *in = im + (size_t)im_row * width;
			for (w = 0; w < wlo; w++)
				out[w] = 0;
			if (stride == 1) {
				memcpy(out + wlo, in + wlo + w_offset - pad,
				    sizeof(float) * (whi - wlo));
			} else {
				for (w = wlo; w < whi; w++)
					out[w] = in[w * stride + w_offset - pad];
			}
			for (w = whi; w < width_col; w++)
				out[w] = 0;
		}
	}
}
