// Per-store feature extraction (docs/features.md). Index expressions are read as linear
// forms in the loop variables (floordiv and floormod by constants approximated), which
// is what the stride, footprint and reuse features need and keeps extraction in the tens
// of microseconds per store.
#include "tessera/tune/feature_extractor.h"

#include <algorithm>
#include <cmath>
#include <array>
#include <functional>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "tessera/ir/visitor.h"
#include "tessera/lower/lower.h"
#include "tessera/lower/passes.h"
#include "tessera/support/error.h"

namespace tessera {

float slog(double x) { return static_cast<float>(std::copysign(std::log2(1.0 + std::fabs(x)), x)); }

namespace {

constexpr double kCacheLineBytes = 64;

enum Arith {
  kFloatAddSub,
  kFloatMul,
  kFloatMulAdd,
  kFloatDivMod,
  kFloatMinMax,
  kFloatCompare,
  kFloatMath,
  kIntAddSub,
  kIntMul,
  kIntDivMod,
  kIntMinMax,
  kIntCompare,
  kBoolOp,
  kSelect,
  kCast,
  kOtherCall,
  kArithCount
};
const char* const kArithNames[] = {
    "float_add_sub", "float_mul",     "float_mul_add", "float_div_mod",
    "float_min_max", "float_compare", "float_math",    "int_add_sub",
    "int_mul",       "int_div_mod",   "int_min_max",   "int_compare",
    "bool_op",       "select",        "cast",          "other_call"};
static_assert(sizeof(kArithNames) / sizeof(kArithNames[0]) == kArithCount);

const char* const kLoopKinds[] = {"vectorize", "unroll", "parallel"};
const char* const kLoopKindFields[] = {"count",          "extent_product", "innermost_extent",
                                       "position_none",  "position_inner", "position_middle",
                                       "position_outer", "reduce_fraction"};
const char* const kGpuFields[] = {"is_gpu",      "blockIdx.x",  "blockIdx.y",  "blockIdx.z",
                                  "threadIdx.x", "threadIdx.y", "threadIdx.z", "vthread"};
const char* const kBufferFields[] = {"read",
                                     "write",
                                     "read_write",
                                     "bytes",
                                     "unique_bytes",
                                     "lines",
                                     "unique_lines",
                                     "reuse_loop",
                                     "reuse_serial",
                                     "reuse_none",
                                     "reuse_distance_iterations",
                                     "reuse_distance_bytes",
                                     "reuse_count",
                                     "bytes_per_reuse",
                                     "unique_bytes_per_reuse",
                                     "lines_per_reuse",
                                     "unique_lines_per_reuse",
                                     "stride"};
static_assert(sizeof(kBufferFields) / sizeof(kBufferFields[0]) == kFeaturesPerBuffer);
const char* const kAllocationFields[] = {"alloc_bytes", "alloc_footprint", "alloc_outer_product",
                                         "outer_product_over_alloc_outer"};
const char* const kOtherFields[] = {"outer_loop_product", "loop_count", "auto_unroll_max_step"};

constexpr int kArithOffset = 0;
constexpr int kLoopOffset = kArithOffset + kArithCount;
constexpr int kGpuOffset = kLoopOffset + 24;
constexpr int kBufferOffset = kGpuOffset + 8;
constexpr int kCurveOffset = kBufferOffset + kFeatureBuffersPerStore * kFeaturesPerBuffer;
constexpr int kAllocationOffset = kCurveOffset + kFeatureCurveSamples;
constexpr int kOtherOffset = kAllocationOffset + 4;
static_assert(kOtherOffset + 3 == kFeatureCount);

// An index as sum(coefficient · loop variable) + rest, with its span capped where a
// floormod bounds it. Variables that enter non-linearly get coefficient 1.
struct LinearForm {
  std::unordered_map<const VarNode*, double> coefficients;
  double cap = std::numeric_limits<double>::infinity();
};

LinearForm linear_form(const Expr& e) {
  LinearForm out;
  switch (e.kind()) {
    case ExprKind::kVar: out.coefficients[e.as<VarNode>()] = 1; return out;
    case ExprKind::kIntImm:
    case ExprKind::kFloatImm: return out;
    case ExprKind::kCast: return linear_form(e.as<CastNode>()->value);
    default: break;
  }
  if (const auto* b = e.as<BinaryNode>()) {
    const std::optional<int64_t> cb = as_const_int(b->b), ca = as_const_int(b->a);
    auto scaled = [](LinearForm f, double s) {
      for (auto& [v, c] : f.coefficients) c *= s;
      f.cap *= std::fabs(s);
      return f;
    };
    switch (b->kind) {
      case ExprKind::kAdd:
      case ExprKind::kSub: {
        LinearForm x = linear_form(b->a), y = linear_form(b->b);
        const double sign = b->kind == ExprKind::kSub ? -1 : 1;
        for (auto& [v, c] : y.coefficients) x.coefficients[v] += sign * c;
        x.cap = std::isfinite(x.cap) && std::isfinite(y.cap)
                    ? x.cap + y.cap
                    : std::numeric_limits<double>::infinity();
        return x;
      }
      case ExprKind::kMul:
        if (cb) return scaled(linear_form(b->a), static_cast<double>(*cb));
        if (ca) return scaled(linear_form(b->b), static_cast<double>(*ca));
        break;
      case ExprKind::kDiv:
      case ExprKind::kFloorDiv:
        if (cb && *cb != 0) return scaled(linear_form(b->a), 1.0 / static_cast<double>(*cb));
        break;
      case ExprKind::kMod:
      case ExprKind::kFloorMod:
        if (cb && *cb != 0) {
          LinearForm x = linear_form(b->a);
          x.cap = std::min(x.cap, static_cast<double>(std::llabs(*cb)));
          return x;
        }
        break;
      default: break;
    }
  }
  // Anything else: every variable it uses counts once.
  struct Uses : IRVisitor {
    LinearForm* form;
    void visit_var(const VarNode* v) override { form->coefficients[v] = 1; }
  } uses;
  uses.form = &out;
  uses.visit_expr(e);
  return out;
}

struct Loop {
  const ForNode* node;
  double extent;
};

// One buffer's accesses within one store statement.
struct Access {
  Buffer buffer;
  std::vector<LinearForm> indices;  // of the first access
  bool read = false, write = false;
  int count = 0;  // accesses per iteration
};

double extent_of(const Expr& e) {
  std::optional<int64_t> c = as_const_int(e);
  return c ? static_cast<double>(std::max<int64_t>(*c, 1)) : 1.0;
}

class Extractor : public IRVisitor {
 public:
  std::vector<std::vector<float>> rows;

  void visit_for(const ForNode* op) override {
    loops_.push_back({op, extent_of(op->extent)});
    IRVisitor::visit_for(op);
    loops_.pop_back();
  }
  void visit_allocate(const AllocateNode* op) override {
    allocations_[op->buffer.get()] = loops_.size();
    IRVisitor::visit_allocate(op);
  }
  void visit_buffer_store(const BufferStoreNode* op) override {
    rows.push_back(features_of(op));
    IRVisitor::visit_buffer_store(op);
  }

 private:
  std::vector<Loop> loops_;
  std::unordered_map<const BufferNode*, size_t>
      allocations_;  // buffer → loop depth of its Allocate

  double product(size_t from, size_t to) const {  // loops [from, to)
    double p = 1;
    for (size_t i = from; i < to; ++i) p *= loops_[i].extent;
    return p;
  }

  static void count_arith(const Expr& e, std::array<double, kArithCount>& counts) {
    struct Counter : IRVisitor {
      std::array<double, kArithCount>* counts;
      void visit_buffer_load(const BufferLoadNode*) override {
      }  // index arithmetic is not the kernel's
      void visit_binary(const BinaryNode* op) override {
        const DataType t = op->a.dtype();
        const bool fp = t.is_floating();
        auto& c = *counts;
        switch (op->kind) {
          case ExprKind::kAdd:
          case ExprKind::kSub:
            if (fp && (op->a.kind() == ExprKind::kMul || op->b.kind() == ExprKind::kMul)) {
              c[kFloatMulAdd] += 1;
              c[kFloatMul] -= 1;  // the operand's multiply is part of the mul-add
            } else {
              c[fp ? kFloatAddSub : kIntAddSub] += 1;
            }
            break;
          case ExprKind::kMul: c[fp ? kFloatMul : kIntMul] += 1; break;
          case ExprKind::kDiv:
          case ExprKind::kMod:
          case ExprKind::kFloorDiv:
          case ExprKind::kFloorMod: c[fp ? kFloatDivMod : kIntDivMod] += 1; break;
          case ExprKind::kMin:
          case ExprKind::kMax: c[fp ? kFloatMinMax : kIntMinMax] += 1; break;
          case ExprKind::kAnd:
          case ExprKind::kOr: c[kBoolOp] += 1; break;
          default: c[fp ? kFloatCompare : kIntCompare] += 1; break;
        }
        IRVisitor::visit_binary(op);
      }
      void visit_not(const NotNode* op) override {
        (*counts)[kBoolOp] += 1;
        IRVisitor::visit_not(op);
      }
      void visit_select(const SelectNode* op) override {
        (*counts)[kSelect] += 1;
        IRVisitor::visit_select(op);
      }
      void visit_cast(const CastNode* op) override {
        (*counts)[kCast] += 1;
        IRVisitor::visit_cast(op);
      }
      void visit_call(const CallNode* op) override {
        if (op->op == "fma")
          (*counts)[kFloatMulAdd] += 1;
        else
          (*counts)[op->dtype.is_floating() ? kFloatMath : kOtherCall] += 1;
        IRVisitor::visit_call(op);
      }
    } counter;
    counter.counts = &counts;
    counter.visit_expr(e);
  }

  // The span of dimension `d` of `a` while loops [from, size) vary.
  double span(const Access& a, size_t d, size_t from) const {
    double span = 1;
    for (size_t i = from; i < loops_.size(); ++i) {
      auto it = a.indices[d].coefficients.find(loops_[i].node->loop_var.get());
      if (it != a.indices[d].coefficients.end())
        span += std::fabs(it->second) * (loops_[i].extent - 1);
    }
    span = std::min(span, a.indices[d].cap);
    if (d < a.buffer->shape.size()) span = std::min(span, extent_of(a.buffer->shape[d]));
    return std::max(span, 1.0);
  }
  // Elements of `a` touched while loops [from, size) vary.
  double footprint(const Access& a, size_t from) const {
    double elements = 1;
    for (size_t d = 0; d < a.indices.size(); ++d) elements *= span(a, d, from);
    return elements;
  }
  // Cache lines of that footprint: whole rows of the last dimension.
  double footprint_lines(const Access& a, size_t from) const {
    if (a.indices.empty()) return 1;
    const double row = span(a, a.indices.size() - 1, from);
    const double rows = footprint(a, from) / row;
    return rows * std::ceil(row * a.buffer->dtype.bytes() / kCacheLineBytes);
  }
  // The coefficient of loop `i`'s variable in the row-major flattened index.
  double flat_coefficient(const Access& a, size_t i) const {
    double stride = 1, c = 0;
    for (size_t d = a.indices.size(); d-- > 0;) {
      auto it = a.indices[d].coefficients.find(loops_[i].node->loop_var.get());
      if (it != a.indices[d].coefficients.end()) c += it->second * stride;
      if (d < a.buffer->shape.size()) stride *= extent_of(a.buffer->shape[d]);
    }
    return c;
  }
  bool uses_loop(const Access& a, size_t i) const {
    for (const LinearForm& f : a.indices) {
      auto it = f.coefficients.find(loops_[i].node->loop_var.get());
      if (it != f.coefficients.end() && it->second != 0) return true;
    }
    return false;
  }

  std::vector<float> features_of(const BufferStoreNode* store) {
    std::vector<float> row(kFeatureCount, 0.0f);
    const size_t n = loops_.size();
    const double outer = product(0, n);

    // Arithmetic, per iteration then over the nest.
    std::array<double, kArithCount> arith{};
    count_arith(store->value, arith);
    for (int k = 0; k < kArithCount; ++k)
      row[kArithOffset + k] = slog(std::max(0.0, arith[k]) * outer);
    const double flops_per_iteration =
        arith[kFloatAddSub] + arith[kFloatMul] + 2 * arith[kFloatMulAdd] + arith[kFloatDivMod] +
        arith[kFloatMinMax] + arith[kFloatCompare] + arith[kFloatMath];

    // The buffers it touches.
    std::vector<Access> accesses;
    auto add_access = [&](const Buffer& buffer, const std::vector<Expr>& indices, bool write) {
      for (Access& a : accesses) {
        if (a.buffer.get() == buffer.get()) {
          (write ? a.write : a.read) = true;
          ++a.count;
          return;
        }
      }
      Access a;
      a.buffer = buffer;
      for (const Expr& i : indices) a.indices.push_back(linear_form(i));
      (write ? a.write : a.read) = true;
      a.count = 1;
      accesses.push_back(std::move(a));
    };
    add_access(store->buffer, store->indices, true);
    struct Loads : IRVisitor {
      std::function<void(const BufferLoadNode*)> take;
      void visit_buffer_load(const BufferLoadNode* op) override {
        take(op);
        IRVisitor::visit_buffer_load(op);
      }
    } loads;
    loads.take = [&](const BufferLoadNode* l) { add_access(l->buffer, l->indices, false); };
    loads.visit_expr(store->value);

    // Loop context: which loops are reductions for this store (their variable is not in
    // the stored index).
    std::vector<bool> reduce(n, false);
    for (size_t i = 0; i < n; ++i) reduce[i] = !uses_loop(accesses[0], i);
    const ForKind kinds[] = {ForKind::kVectorized, ForKind::kUnrolled, ForKind::kParallel};
    for (int k = 0; k < 3; ++k) {
      int count = 0, reduces = 0;
      double extents = 1, innermost = 0;
      int innermost_index = -1;
      for (size_t i = 0; i < n; ++i) {
        if (loops_[i].node->for_kind != kinds[k]) continue;
        ++count;
        reduces += reduce[i] ? 1 : 0;
        extents *= loops_[i].extent;
        innermost = loops_[i].extent;
        innermost_index = static_cast<int>(i);
      }
      float* f = &row[kLoopOffset + 8 * k];
      f[0] = slog(count);
      f[1] = slog(count > 0 ? extents : 0);
      f[2] = slog(innermost);
      const int position = innermost_index < 0                          ? 0
                           : innermost_index == static_cast<int>(n) - 1 ? 1
                           : innermost_index == 0                       ? 3
                                                                        : 2;
      f[3 + position] = 1;
      f[7] = count > 0 ? static_cast<float>(reduces) / static_cast<float>(count) : 0.0f;
    }
    for (size_t i = 0; i < n; ++i) {
      if (loops_[i].node->for_kind != ForKind::kThreadBinding) continue;
      row[kGpuOffset] = 1;
      for (int g = 1; g < 8; ++g) {
        if (loops_[i].node->thread_tag == kGpuFields[g])
          row[kGpuOffset + g] = slog(loops_[i].extent);
      }
    }

    // Buffer features, most-touched buffers first.
    struct BufferRow {
      std::array<float, kFeaturesPerBuffer> f{};
      double lines = 0, bytes = 0;
      std::string name;
    };
    std::vector<BufferRow> buffers;
    const double inner_extent = n > 0 ? loops_[n - 1].extent : 1;
    for (const Access& a : accesses) {
      BufferRow b;
      b.name = a.buffer->name;
      const double element = a.buffer->dtype.bytes();
      const double bytes = a.count * outer * element;
      const double unique_bytes = footprint(a, 0) * element;
      double stride = 0;
      for (size_t i = n; i-- > 0;) {
        const double c = flat_coefficient(a, i);
        if (c != 0) {
          stride = std::fabs(c);
          break;
        }
      }
      const double inner_stride = n > 0 ? std::fabs(flat_coefficient(a, n - 1)) * element : 0;
      const double lines_per_pass = inner_stride == 0 ? 1
                                    : inner_stride < kCacheLineBytes
                                        ? std::ceil(inner_extent * inner_stride / kCacheLineBytes)
                                        : inner_extent;
      const double lines = a.count * (outer / inner_extent) * lines_per_pass;
      const double unique_lines = footprint_lines(a, 0);
      // Reuse: the innermost loop whose variable the access does not use.
      int reuse_loop = -1;
      double reuse_count = 1;
      for (size_t i = 0; i < n; ++i) {
        if (!uses_loop(a, i)) {
          reuse_loop = static_cast<int>(i);
          reuse_count *= loops_[i].extent;
        }
      }
      int reuse_type = 2;
      double distance_iterations = 0, distance_bytes = 0;
      if (reuse_loop >= 0 && reuse_count > 1) {
        reuse_type = 0;
        distance_iterations = product(static_cast<size_t>(reuse_loop) + 1, n);
        distance_bytes = footprint(a, static_cast<size_t>(reuse_loop) + 1) * element;
      } else if (a.read && a.write) {
        reuse_type = 1;
        reuse_count = a.count;
        distance_iterations = 1;
        distance_bytes = element;
      } else {
        reuse_count = 0;
      }
      const double per_reuse = reuse_count > 0 ? reuse_count : 0.5;
      b.f[a.read && a.write ? 2 : a.write ? 1 : 0] = 1;
      b.f[3] = slog(bytes);
      b.f[4] = slog(unique_bytes);
      b.f[5] = slog(lines);
      b.f[6] = slog(unique_lines);
      b.f[7 + reuse_type] = 1;
      b.f[10] = slog(distance_iterations);
      b.f[11] = slog(distance_bytes);
      b.f[12] = slog(reuse_count);
      b.f[13] = slog(bytes / per_reuse);
      b.f[14] = slog(unique_bytes / per_reuse);
      b.f[15] = slog(lines / per_reuse);
      b.f[16] = slog(unique_lines / per_reuse);
      b.f[17] = slog(stride);
      b.lines = lines;
      b.bytes = bytes;
      buffers.push_back(b);
    }
    std::sort(buffers.begin(), buffers.end(), [](const BufferRow& x, const BufferRow& y) {
      if (x.lines != y.lines) return x.lines > y.lines;
      if (x.bytes != y.bytes) return x.bytes > y.bytes;
      return x.name < y.name;
    });
    for (size_t k = 0; k < buffers.size() && k < static_cast<size_t>(kFeatureBuffersPerStore);
         ++k) {
      std::copy(buffers[k].f.begin(), buffers[k].f.end(),
                row.begin() + kBufferOffset + static_cast<long>(k) * kFeaturesPerBuffer);
    }

    // Arithmetic intensity of the loop nests from the innermost outward, sampled at
    // equal fractions of the store's total flops.
    if (flops_per_iteration > 0) {
      std::vector<std::pair<double, double>> curve;  // (flops, flops / unique bytes)
      for (size_t level = n + 1; level-- > 0;) {
        const double flops = flops_per_iteration * product(level, n);
        double bytes = 0;
        for (const Access& a : accesses) bytes += footprint(a, level) * a.buffer->dtype.bytes();
        curve.emplace_back(flops, flops / std::max(bytes, 1.0));
      }
      const double total = curve.back().first;
      for (int s = 0; s < kFeatureCurveSamples; ++s) {
        const double x = total * (s + 1) / kFeatureCurveSamples;
        double previous_flops = 0, previous_intensity = 0, value = curve.back().second;
        for (const auto& [flops, intensity] : curve) {
          if (flops >= x) {
            const double t =
                flops > previous_flops ? (x - previous_flops) / (flops - previous_flops) : 1.0;
            value = previous_intensity + t * (intensity - previous_intensity);
            break;
          }
          previous_flops = flops;
          previous_intensity = intensity;
        }
        row[kCurveOffset + s] = slog(value);
      }
    }

    // The stored buffer's allocation, when the program allocates it.
    if (auto it = allocations_.find(store->buffer.get()); it != allocations_.end()) {
      double elements = 1;
      for (const Expr& e : store->buffer->shape) elements *= extent_of(e);
      const double alloc_outer = product(0, it->second);
      row[kAllocationOffset] = slog(elements * store->buffer->dtype.bytes());
      row[kAllocationOffset + 1] = slog(elements * alloc_outer);
      row[kAllocationOffset + 2] = slog(alloc_outer);
      row[kAllocationOffset + 3] = slog(outer / alloc_outer);
    }

    double auto_unroll = 0;
    for (const Loop& l : loops_) {
      auto it = l.node->annotations.find("pragma_auto_unroll_max_step");
      if (it != l.node->annotations.end() && std::holds_alternative<int64_t>(it->second)) {
        auto_unroll = std::max(auto_unroll, static_cast<double>(std::get<int64_t>(it->second)));
      }
    }
    row[kOtherOffset] = slog(outer);
    row[kOtherOffset + 1] = slog(static_cast<double>(n));
    row[kOtherOffset + 2] = slog(auto_unroll);
    return row;
  }
};

}  // namespace

const std::vector<std::string>& feature_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const char* a : kArithNames) out.push_back(a);
    for (const char* k : kLoopKinds) {
      for (const char* f : kLoopKindFields) out.push_back(fmt::format("{}_{}", k, f));
    }
    for (const char* g : kGpuFields) out.push_back(std::string("gpu_") + g);
    for (int b = 0; b < kFeatureBuffersPerStore; ++b) {
      for (const char* f : kBufferFields) out.push_back(fmt::format("buffer{}_{}", b, f));
    }
    for (int s = 0; s < kFeatureCurveSamples; ++s) out.push_back(fmt::format("intensity_{}", s));
    for (const char* a : kAllocationFields) out.push_back(a);
    for (const char* o : kOtherFields) out.push_back(o);
    return out;
  }();
  return names;
}

Eigen::MatrixXf extract_features(const PrimFunc& scheduled) {
  PrimFunc f = scheduled;
  try {
    // Features describe the loops as scheduled: blocks gone, but before loop partitioning,
    // unrolling and flattening (docs/features.md), then with unit loops simplified away.
    f = simplify_loops(lower(f, LowerOptions{.stop_after = LoweringStage::kRemoveBlocks}));
  } catch (const Error& e) {
    fail("extracting features of '{}': lowering failed: {}", scheduled->name, e.message());
  }
  Extractor extractor;
  extractor.visit_func(f);
  Eigen::MatrixXf out(static_cast<Eigen::Index>(extractor.rows.size()), kFeatureCount);
  for (size_t r = 0; r < extractor.rows.size(); ++r) {
    for (int c = 0; c < kFeatureCount; ++c)
      out(static_cast<Eigen::Index>(r), c) = extractor.rows[r][static_cast<size_t>(c)];
  }
  return out;
}

}  // namespace tessera
