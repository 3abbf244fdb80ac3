/* A plain C program using a kernel exported by `tessera replay -w gemm:m=M,n=N,k=K
 * --emit so --out DIR/kernel.so`: it includes the generated header, links the library,
 * calls both entry points and checks C = A * B against a naive loop, and that the packed
 * entry point refuses a misaligned array.
 * Built by driver_test.sh with -DM=.. -DN=.. -DK=.. -I DIR. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel.h"

static int check(const float* a, const float* b, const float* c, const char* entry) {
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < N; ++j) {
      double want = 0, scale = 0;
      for (int k = 0; k < K; ++k) {
        want += (double)a[i * K + k] * b[k * N + j];
        scale += fabs((double)a[i * K + k] * b[k * N + j]);
      }
      if (fabs(c[i * N + j] - want) > 1e-5 * scale + 1e-6) {
        printf("so consumer: %s: C[%d, %d] = %g, expected %g\n", entry, i, j, c[i * N + j], want);
        return 1;
      }
    }
  }
  return 0;
}

// Exported kernels need 64-byte aligned arrays (the header says so); malloc gives 16.
static float* array_of(size_t elements) {
  return aligned_alloc(64, (sizeof(float) * elements + 63) / 64 * 64);
}

int main(void) {
  float* a = array_of(M * K);
  float* b = array_of(K * N);
  float* c = array_of(M * N);
  for (int i = 0; i < M * K; ++i) a[i] = (float)((i * 7) % 13) - 6.0f;
  for (int i = 0; i < K * N; ++i) b[i] = (float)((i * 5) % 11) * 0.25f;
  for (int i = 0; i < M * N; ++i) c[i] = NAN;
  gemm(a, b, c);
  if (check(a, b, c, "gemm")) return 1;
  for (int i = 0; i < M * N; ++i) c[i] = NAN;
  void* args[3] = {a, b, c};
  if (gemm_packed(args) != 0) {
    printf("so consumer: gemm_packed refused aligned arrays\n");
    return 1;
  }
  if (check(a, b, c, "gemm_packed")) return 1;
  /* A misaligned array: the packed entry point says which (position + 1) and runs nothing. */
  void* misaligned[3] = {a, (char*)b + 4, c};
  int status = gemm_packed(misaligned);
  if (status != 2) {
    printf("so consumer: gemm_packed with a misaligned B returned %d, expected 2\n", status);
    return 1;
  }
  printf("so consumer: match\n");
  free(a);
  free(b);
  free(c);
  return 0;
}
