#include <dlfcn.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>
#include <float.h>
#include <math.h>
#include <string.h>
#ifdef __SSE2__
#include <immintrin.h>
#endif
#include <darknet.h>
#include <cblas.h>

#include "vision/blas.h"

int blas_linked = 1;

typedef void gemm_fn(int, int, int, int, int, float, float *, int, float *,
    int, float, float *, int);
typedef void im2col_fn(float *, int, int, int, int, int, int, float *);

static int stock;
typedef void act_fn(float *, const int, const ACTIVATION);
typedef void maxpool_fn(layer, network);
/* Exported by libdarknet but missing from darknet.h. */
float activate(float, ACTIVATION);

static gemm_fn *stock_gemm;
static im2col_fn *stock_im2col;
static act_fn *stock_act;
static maxpool_fn *stock_maxpool;

enum ff_err
blas_use_stock(int on)
{
	if (on && stock_gemm == NULL) {
		/* dlsym on the library's own handle finds its definitions, not
		 * the ones in this executable that shadow them. */
		void *h = dlopen(FF_DARKNET_SO, RTLD_NOW | RTLD_LOCAL);
		if (h == NULL)
			return FF_EMODEL;
		stock_gemm = (gemm_fn *)dlsym(h, "gemm_cpu");
		stock_im2col = (im2col_fn *)dlsym(h, "im2col_cpu");
		stock_act = (act_fn *)dlsym(h, "activate_array");
		stock_maxpool = (maxpool_fn *)dlsym(h, "forward_maxpool_layer");
		if (stock_gemm == NULL || stock_im2col == NULL || stock_act == NULL ||
		    stock_maxpool == NULL ||
		    (void *)stock_act == (void *)activate_array ||
		    (void *)stock_maxpool == (void *)forward_maxpool_layer ||
		    stock_gemm == gemm_cpu || stock_im2col == im2col_cpu)
			return FF_EMODEL;
	}
	stock = on;
	return FF_OK;
}

void openblas_set_num_threads(int);
char *openblas_get_corename(void);

const char *
blas_kernels(void)
{
	const char *n = openblas_get_corename();

	return n != NULL ? n : "unknown";
}

void
blas_pick_kernels(char **argv)
{
	/* Kernels without AVX2, from oldest: what a CPU the library does
	 * not know may be given. */
	static const char *const weak[] = {
		"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem",
		"Sandybridge", "Atom", "Katmai", "Coppermine", "Northwood",
	};
	const char *want = NULL, *have = blas_kernels();
	char self[4096];
	ssize_t n;
	size_t i;

	if (getenv("OPENBLAS_CORETYPE") != NULL)
		return;
	for (i = 0; i < sizeof weak / sizeof weak[0]; i++)
		if (strcasecmp(have, weak[i]) == 0)
			break;
	if (i == sizeof weak / sizeof weak[0])
		return;
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx512cd"))
		want = "SkylakeX";
	else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		want = "Haswell";
	if (want == NULL || setenv("OPENBLAS_CORETYPE", want, 1) != 0)
		return;
	/* The program's own path, not /proc/self/exe: the process keeps its
	 * name (comm), which scripts and ps look for. */
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
		self[n] = '\0';
		execv(self, argv);
	}
	/* Still the old kernels: run with them rather than not at all. */
	unsetenv("OPENBLAS_CORETYPE");
}

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
	if (stock) {
		stock_gemm(TA, TB, M, N, K, ALPHA, A, lda, B, ldb, BETA, C, ldc);
		return;
	}
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

	if (stock) {
		stock_im2col(data_im, channels, height, width, ksize, stride, pad, data_col);
		return;
	}
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

void
activate_array(float *x, const int n, const int a)
{
	int i;

	if (stock) {
		stock_act(x, n, (ACTIVATION)a);
		return;
	}
	switch (a) {
	case LINEAR:
		return;
	case LEAKY:
		/*
		 * darknet's leaky slope is 0.1: max(x, 0.1 x) is the same
		 * function, and one SSE max per four values. gcc leaves the
		 * branchy form scalar at -O2 (it would have to prove no NaN).
		 */
		i = 0;
#ifdef __SSE2__
		for (; i + 4 <= n; i += 4) {
			__m128 v = _mm_loadu_ps(x + i);
			_mm_storeu_ps(x + i, _mm_max_ps(v, _mm_mul_ps(v, _mm_set1_ps(0.1f))));
		}
#endif
		for (; i < n; i++)
			x[i] = x[i] > 0 ? x[i] : 0.1f * x[i];
		return;
	case LOGISTIC:
		for (i = 0; i < n; i++)
			x[i] = 1.0f / (1.0f + expf(-x[i]));
		return;
	default:
		for (i = 0; i < n; i++)
			x[i] = activate(x[i], (ACTIVATION)a);
		return;
	}
}

/*
 * One candidate of four 2 x 2 windows: where v beats the running maximum
 * (strictly, so the first maximum stays), take v and its index.
 */
static inline void
pool_step(__m128 v, __m128i vi, __m128 *m, __m128i *mi)
{
	__m128 gt = _mm_cmpgt_ps(v, *m);
	__m128i gti = _mm_castps_si128(gt);

	*m = _mm_or_ps(_mm_and_ps(gt, v), _mm_andnot_ps(gt, *m));
	*mi = _mm_or_si128(_mm_and_si128(gti, vi), _mm_andnot_si128(gti, *mi));
}

/*
 * Four outputs of a 2 x 2, stride 2 window row at once (every max pool in
 * framefit's networks): de-interleave two input rows into the windows'
 * four cells and fold them in darknet's cell order, from -FLT_MAX and
 * index -1 as darknet starts. Returns how many outputs it did.
 */
static int
pool_2x2_row(const float *r0, const float *r1, int w, int iy, size_t ibase,
    int n, float *out, int *idx)
{
	const __m128i step = _mm_set_epi32(6, 4, 2, 0);
	int j;

	for (j = 0; j + 4 <= n; j += 4) {
		__m128 a0 = _mm_loadu_ps(r0 + 2 * j), a1 = _mm_loadu_ps(r0 + 2 * j + 4);
		__m128 b0 = _mm_loadu_ps(r1 + 2 * j), b1 = _mm_loadu_ps(r1 + 2 * j + 4);
		__m128i i00 = _mm_add_epi32(_mm_set1_epi32((int)(ibase + (size_t)iy * w) + 2 * j), step);
		__m128i i10 = _mm_add_epi32(i00, _mm_set1_epi32(w));
		__m128i one = _mm_set1_epi32(1);
		__m128 m = _mm_set1_ps(-FLT_MAX);
		__m128i mi = _mm_set1_epi32(-1);

		pool_step(_mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0)), i00, &m, &mi);
		pool_step(_mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1)), _mm_add_epi32(i00, one), &m, &mi);
		pool_step(_mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)), i10, &m, &mi);
		pool_step(_mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1)), _mm_add_epi32(i10, one), &m, &mi);
		_mm_storeu_ps(out + j, m);
		_mm_storeu_si128((__m128i *)(idx + j), mi);
	}
	return j;
}

/*
 * darknet's max pool (maxpool_layer.c): a window of l.size cells, moved by
 * l.stride, its origin shifted by -l.pad / 2; cells outside the input do
 * not count; the first maximum in row-major order wins, and its input
 * index goes to l.indexes (training's backward pass reads it). Darknet
 * tests the bounds of every cell of every window through a chain of
 * ternaries; here each output row and column clips its window once. The
 * layer's forward pointer reaches this through libdarknet's GOT.
 */
void
forward_maxpool_layer(layer l, network net)
{
	int off = -l.pad / 2;
	int pair = l.size == 2 && l.stride == 2 && off == 0;

	if (stock) {
		stock_maxpool(l, net);
		return;
	}
	for (int bc = 0; bc < l.batch * l.c; bc++) {
		size_t ibase = (size_t)bc * l.h * l.w;
		size_t obase = (size_t)bc * l.out_h * l.out_w;
		const float *in = net.input + ibase;

		for (int i = 0; i < l.out_h; i++) {
			int y0 = off + i * l.stride, y1 = y0 + l.size, j = 0;

			if (y0 < 0)
				y0 = 0;
			if (y1 > l.h)
				y1 = l.h;
			/* Windows wholly inside: the last one may be cut by an odd
			 * width, and every window of a cut row; those go below. */
			if (pair && y1 - y0 == 2)
				j = pool_2x2_row(in + (size_t)y0 * l.w, in + (size_t)(y0 + 1) * l.w,
				    l.w, y0, ibase, l.w / 2 < l.out_w ? l.w / 2 : l.out_w,
				    l.output + obase + (size_t)i * l.out_w,
				    l.indexes + obase + (size_t)i * l.out_w);
			for (; j < l.out_w; j++) {
				int x0 = off + j * l.stride, x1 = x0 + l.size;
				float m = -FLT_MAX;
				int mi = -1;

				if (x0 < 0)
					x0 = 0;
				if (x1 > l.w)
					x1 = l.w;
				for (int y = y0; y < y1; y++)
					for (int x = x0; x < x1; x++)
						if (in[y * l.w + x] > m) {
							m = in[y * l.w + x];
							mi = y * l.w + x;
						}
				l.output[obase + (size_t)i * l.out_w + j] = m;
				l.indexes[obase + (size_t)i * l.out_w + j] =
				    mi < 0 ? -1 : (int)(ibase + (size_t)mi);
			}
		}
	}
}
