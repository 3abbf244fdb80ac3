// StorageAlign: a buffer a block writes gets explicit strides such that the stride of
// dimension `axis` is factor * k + offset (padding the rows, typically to avoid shared
// memory bank conflicts or cache-set aliasing). The buffer must be allocated by the
// program with a constant shape; the values it holds do not change.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct StorageAlignTraits : InstructionTraitsBase {
  static constexpr const char* kName = "StorageAlign";
  static constexpr const char* kMethod = "storage_align";
  static constexpr std::array<const char*, 5> kArguments = {"block", "buffer index", "axis",
                                                            "factor", "offset"};
  static void apply(Schedule& sch, const BlockRV& block, int64_t buffer_index, int64_t axis,
                    int64_t factor, int64_t offset) {
    sch.storage_align(block, buffer_index, axis, factor, offset);
  }
};
const InstructionRegistration registration = register_instruction<StorageAlignTraits>();
}  // namespace

void Schedule::storage_align(const BlockRV& block_rv, int64_t buffer_index, int64_t axis,
                             int64_t factor, int64_t offset) {
  const std::string primitive = "storage_align";
  const BlockNode* b = get(block_rv);
  const Buffer& buffer = written_intermediate(*this, primitive, b, buffer_index);
  const int64_t ndim = static_cast<int64_t>(buffer.ndim());
  if (axis < 0 || axis >= ndim)
    schedule_fail(
        *this, primitive,
        fmt::format("axis {} is out of range for the {}-D buffer '{}'", axis, ndim, buffer->name),
        b);
  if (factor < 1)
    schedule_fail(*this, primitive, fmt::format("factor must be positive, got {}", factor), b);
  if (offset < 0 || offset >= factor)
    schedule_fail(*this, primitive,
                  fmt::format("offset {} must be in [0, factor {})", offset, factor), b);
  std::vector<int64_t> shape;
  try {
    shape = buffer.const_shape();
  } catch (const Error& e) {
    schedule_fail(*this, primitive, e.message(), b);
  }
  // Strides from the innermost dimension out; existing strides are honoured as the
  // starting point so that several alignments compose.
  std::vector<int64_t> strides(static_cast<size_t>(ndim), 1);
  for (int64_t d = ndim - 1; d >= 0; --d) {
    if (!buffer->strides.empty()) {
      auto s = as_const_int(buffer->strides[static_cast<size_t>(d)]);
      if (!s)
        schedule_fail(*this, primitive,
                      fmt::format("buffer '{}' has a non-constant stride", buffer->name), b);
      strides[static_cast<size_t>(d)] = *s;
    } else if (d < ndim - 1) {
      strides[static_cast<size_t>(d)] =
          strides[static_cast<size_t>(d + 1)] * shape[static_cast<size_t>(d + 1)];
    }
  }
  int64_t& s = strides[static_cast<size_t>(axis)];
  s += ((offset - s) % factor + factor) %
       factor;  // the smallest stride >= s with s % factor == offset
  for (int64_t d = axis - 1; d >= 0; --d) {
    int64_t needed = strides[static_cast<size_t>(d + 1)] * shape[static_cast<size_t>(d + 1)];
    strides[static_cast<size_t>(d)] = std::max(strides[static_cast<size_t>(d)], needed);
  }
  std::vector<Expr> stride_exprs;
  for (int64_t v : strides) stride_exprs.push_back(make_int(v, buffer->shape[0].dtype()));
  Buffer aligned = Buffer::make(buffer->name, buffer->dtype, buffer->shape, stride_exprs,
                                buffer->elem_offset, buffer->scope);
  state_.replace_func(replace_buffer(func(), buffer, aligned), primitive);
  record_instruction<StorageAlignTraits>(*this, {}, block_rv, buffer_index, axis, factor, offset);
}

}  // namespace tessera
