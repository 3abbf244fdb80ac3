/* Tutorial 5, part 2: a plain C program calling a tuned kernel.
 *
 * `tessera replay --db DIR -w gemm:m=64,n=64,k=64 --emit so --out DIR/gemm.so` wrote a
 * shared library and a header (gemm.h) declaring the kernel:
 *   void gemm(float* restrict A, float* restrict B, float* restrict C);
 * Buffers are dense, row-major, and C is written (not accumulated). The library runs its
 * parallel loops on libtessera's thread pool and records where libtessera is, so linking
 * the library is all a C program needs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gemm.h"

enum { M = 64, N = 64, K = 64 };

// The kernels use aligned vector loads and stores: every array must be 64-byte aligned
// (plain malloc gives 16, and a kernel may crash on it). aligned_alloc needs a size that is
// a multiple of the alignment.
static float* array_of(size_t elements) {
  return aligned_alloc(64, (sizeof(float) * elements + 63) / 64 * 64);
}

int main(void) {
  float* a = array_of(M * K);
  float* b = array_of(K * N);
  float* c = array_of(M * N);
  for (int i = 0; i < M * K; ++i) a[i] = (float)((i * 7) % 13) / 13.0f - 0.5f;
  for (int i = 0; i < K * N; ++i) b[i] = (float)((i * 5) % 11) / 11.0f - 0.5f;
  gemm(a, b, c);
  double worst = 0;
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < N; ++j) {
      double want = 0;
      for (int k = 0; k < K; ++k) want += (double)a[i * K + k] * b[k * N + j];
      double error = fabs(c[i * N + j] - want);
      if (error > worst) worst = error;
    }
  }
  printf("tuned gemm from C: worst error %.2e\n", worst);
  free(a);
  free(b);
  free(c);
  return worst < 1e-4 ? 0 : 1;
}
