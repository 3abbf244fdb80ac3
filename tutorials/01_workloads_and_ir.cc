// Tutorial 1: operators, their IR, and the reference interpreter.
//
// tessera's programs are PrimFuncs: loop nests around *blocks*, the unit that
// scheduling reasons about. You get one in three ways:
//   1. from the workload library by name ("gemm:m=64,n=64,k=64", "C2D:1", ...),
//   2. by describing the operator with the tensor-expression builder (te),
//   3. by parsing the IR text format (a file you wrote or `tessera show-ir` printed).
// This program does all three for a small matrix product with a ReLU, checks
// that they agree, and runs the result in the reference interpreter, which is
// the correctness oracle every later transformation is checked against.
#include <cmath>
#include <cstdio>

#include "tessera/tessera.h"

using namespace tessera;

int main() {
  // 1. From the workload library. The spec is canonicalised: every parameter explicit.
  Workload library = workloads::get("gemm:m=8,n=8,k=16,epilogue=bias_relu");
  std::printf("library workload %s: %lld FLOP\n", library.spec.c_str(),
              static_cast<long long>(library.flops));

  // 2. The same operator with the te builder: placeholders for inputs, one
  //    compute stage per tensor; a stage's block is named after its tensor and
  //    its loops after its axes (reduction axes innermost).
  te::Tensor a = te::placeholder({8, 16}, DataType::float32(), "A");
  te::Tensor b = te::placeholder({16, 8}, DataType::float32(), "B");
  te::Tensor bias = te::placeholder({8}, DataType::float32(), "bias");
  IterVar k = te::reduce_axis(16, "k");
  te::Tensor c = te::compute(
      {8, 8}, [&](const te::Axes& x) { return te::sum(a(x[0], k.var) * b(k.var, x[1]), {k}); }, "C",
      {"i", "j"});
  te::Tensor d = te::compute(
      {8, 8}, [&](const te::Axes& x) { return max(c(x[0], x[1]) + bias(x[1]), make_float(0)); },
      "D", {"i", "j"});
  PrimFunc built = te::create_prim_func({a, b, bias, d}, "gemm");

  // Structural equality ignores variable names, so the two are the same program.
  if (!structural_equal(built, library.func)) {
    std::puts("te and library programs differ");
    return 1;
  }

  // 3. Print it, and parse the text back: the round trip is exact.
  std::string text = print(built);
  std::puts(text.c_str());
  PrimFunc parsed = parse_prim_func(text, "tutorial.tir");
  if (!structural_equal(parsed, built) || structural_hash(parsed) != structural_hash(built)) {
    std::puts("round trip changed the program");
    return 1;
  }

  // Run it: inputs are random (seeded), outputs start as NaN so a missed write shows.
  std::vector<NDArray> args = make_random_arguments(parsed, /*seed=*/42);
  run_reference(parsed, args);
  const NDArray& out = args[3];
  double manual = 0;
  for (int kk = 0; kk < 16; ++kk) manual += args[0].get(kk) * args[1].get(kk * 8);
  manual = std::max(manual + args[2].get(0), 0.0);
  std::printf("D[0, 0] = %.6f (by hand: %.6f)\n", out.get(0), manual);
  return std::fabs(out.get(0) - manual) < 1e-4 ? 0 : 1;
}
