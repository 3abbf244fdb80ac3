// CacheRead: a new block copies the part of a buffer that a block reads into a new
// buffer <buffer>_<scope> just before the block's loop nest; the block reads the copy.
#include "../instruction_traits.h"

#include "tessera/arith/int_set.h"
#include "tessera/ir/mutator.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct CacheReadTraits : InstructionTraitsBase {
  static constexpr const char* kName = "CacheRead";
  static constexpr const char* kMethod = "cache_read";
  static constexpr std::array<const char*, 3> kArguments = {"block", "buffer index", "scope"};
  static BlockRV apply(Schedule& sch, const BlockRV& block, int64_t buffer_index,
                       const std::string& scope) {
    return sch.cache_read(block, buffer_index, scope);
  }
};
const InstructionRegistration registration = register_instruction<CacheReadTraits>();
}  // namespace

BlockRV schedule_detail::cache_stage(Schedule& sch, const std::string& primitive,
                                     const BlockRV& block_rv, int64_t index,
                                     const std::string& scope, bool read) {
  const BlockNode* b = sch.get(block_rv);
  const std::vector<BufferRegion>& regions = read ? b->reads : b->writes;
  if (index < 0 || index >= static_cast<int64_t>(regions.size())) {
    schedule_fail(sch, primitive,
                  fmt::format("block '{}' has {} {} regions; index {} is out of range", b->name,
                              regions.size(), read ? "read" : "write", index),
                  b);
  }
  if (scope.empty()) schedule_fail(sch, primitive, "the storage scope is empty", b);
  const Buffer& buffer = regions[static_cast<size_t>(index)].buffer;
  // A block that both reads and writes the buffer (a reduction update without its init)
  // would read one copy and write the other.
  for (const BufferRegion& r : read ? b->writes : b->reads) {
    if (r.buffer.same_as(buffer)) {
      schedule_fail(
          sch, primitive,
          fmt::format("block '{}' both reads and writes '{}'; a {} cache would separate them",
                      b->name, buffer->name, read ? "read" : "write"),
          b);
    }
  }
  if (!read && !is_const_int(sch.state().find_block(b->name)->realize->predicate, 1)) {
    // The copy back covers the box the block writes; under a predicate the block skips
    // points of that box, and the copy would overwrite them with what the cache never
    // received (found by the random-schedule test after decompose_padding).
    schedule_fail(
        sch, primitive,
        fmt::format(
            "block '{}' has a predicate; a write cache would copy back elements it does not write",
            b->name),
        b);
  }
  const bool accumulates =
      std::any_of(b->iter_vars.begin(), b->iter_vars.end(),
                  [](const IterVar& iv) { return iv.kind == IterKind::kReduce; });
  if (!read && accumulates) {
    // Another writer of the same elements running between this block's iterations (a
    // later part of a partitioned reduction, say) would write around the cache, and
    // the next iteration's copy back would overwrite what it wrote, since the cache
    // accumulates without it (found by the random-schedule test). A block that only
    // stores final values is unaffected.
    const ScheduleState::BlockEntry* self = sch.state().find_block(b->name);
    for (const BlockNode* o : sch.state().child_blocks(self->scope)) {
      if (o == b) continue;
      const ScheduleState::BlockEntry* other = sch.state().find_block(o->name);
      bool writes = std::any_of(o->writes.begin(), o->writes.end(),
                                [&](const BufferRegion& w) { return w.buffer.same_as(buffer); });
      bool shares_loop =
          !self->loops.empty() && !other->loops.empty() && self->loops[0] == other->loops[0];
      if (!writes || !shares_loop) continue;
      Analyzer az;
      if (!regions_disjoint(
              touched_region(borrow(nest_top(sch, b)), buffer, AccessKind::kWrite, az),
              touched_region(borrow(nest_top(sch, o)), buffer, AccessKind::kWrite, az), az)) {
        schedule_fail(sch, primitive,
                      fmt::format("block '{}' also writes elements of '{}' that block '{}' writes, "
                                  "inside the same loops; "
                                  "a write cache would lose its writes",
                                  o->name, buffer->name, b->name),
                      b);
      }
    }
  }
  CachePlacement placement =
      cache_placement(sch, primitive, b, buffer, read ? AccessKind::kRead : AccessKind::kWrite);
  std::string name = fresh_name(sch, buffer->name + "_" + scope);
  Buffer cache = Buffer::make(name, buffer->dtype, buffer->shape, {}, Expr(), scope);
  Stmt copy = read ? copy_nest(name, buffer, cache, placement.region)
                   : copy_nest(name, cache, buffer, placement.region);
  const ScheduleState::BlockEntry* e = sch.state().find_block(b->name);
  ScheduleAccess::mutable_state(sch).replace_func(
      insert_stage(
          sch.func(),
          StageEdit{b, buffer, cache, {}, placement.anchor, copy, /*copy_after=*/!read, e->scope}),
      primitive);
  return ScheduleAccess::new_block_rv(sch, name);
}

BlockRV Schedule::cache_read(const BlockRV& block, int64_t read_index, const std::string& scope) {
  BlockRV out = cache_stage(*this, "cache_read", block, read_index, scope, /*read=*/true);
  record_instruction<CacheReadTraits>(*this, out, block, read_index, scope);
  return out;
}

}  // namespace tessera
