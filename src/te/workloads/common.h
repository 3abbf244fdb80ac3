// Helpers shared by the workload definitions (internal to src/te/workloads).
#pragma once

#include <string>
#include <vector>

#include "tessera/support/error.h"
#include "tessera/te/tensor.h"
#include "tessera/te/workloads.h"

namespace tessera::workload_detail {

/// Registration hooks, one per family file; called once by the registry.
void register_matmul_workloads();
void register_conv_workloads();
void register_norm_workloads();
void register_elementwise_workloads();

/// The `dtype` parameter shared by operators that support several input types.
WorkloadParam dtype_param();
/// Input type named by the dtype parameter.
DataType input_dtype(const WorkloadArgs& args);
/// Accumulation/output type for products of `input`: int32 for int8, float32 for 16-bit floats.
DataType accumulate_dtype(DataType input);
/// a * b in the accumulation type (inputs cast up as needed).
Expr widening_product(Expr a, Expr b, DataType acc);

/// Output length of a sliding window; throws naming the workload when not positive.
int64_t window_output(const char* workload, int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                      int64_t dilation = 1);

/// `t` padded with `before[d]`/`after[d]` elements of `value` per dimension; the
/// out-of-range loads are guarded by if_then_else. Returns `t` if nothing is padded.
te::Tensor pad(const te::Tensor& t, const std::vector<int64_t>& before,
               const std::vector<int64_t>& after, Expr value, const std::string& name);

/// Integer parameter with default `value` and help text.
WorkloadParam int_param(std::string name, std::string help, std::string default_value = "",
                        int64_t min_value = 1);

}  // namespace tessera::workload_detail
