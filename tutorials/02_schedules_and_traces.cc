// Tutorial 2: schedules, templates and traces.
//
// A schedule transforms a program through primitives (split, reorder, fuse,
// compute_at, ...). Written with fixed arguments it is a handwritten schedule;
// with sampling instructions in place of constants it is a template, a whole
// space of schedules. Every call is recorded in a trace, which replays to the
// same program anywhere, prints as C++, and is what the tuner stores.
#include <cstdio>
#include <set>

#include "tessera/tessera.h"

using namespace tessera;

// 1. A handwritten schedule: every decision fixed.
void conv_by_hand(Schedule& sch) {
  BlockRV conv = sch.get_block("conv");
  std::vector<LoopRV> l = sch.get_loops(conv);  // n, h, w, co, rh, rw, rc
  // Compute the padded input one output row at a time, right where it is used.
  sch.compute_at(sch.get_block("pad"), l[1]);
  std::vector<LoopRV> co = sch.split(l[3], {std::nullopt, 4});
  sch.reorder({co[0], l[4], l[5], l[6], co[1]});  // output channels innermost
  // Rows overlap between the padding computed for neighbouring h, so h itself cannot run
  // in parallel (parallel() would refuse: two iterations would write the same elements);
  // the columns can.
  sch.parallel(l[2]);
  sch.vectorize(co[1]);
}

// 2. The same as a template: the channel tile is sampled, and so is where the
//    padding is computed (inline, at the root, or under one of conv's loops).
void conv_template(Schedule& sch) {
  BlockRV conv = sch.get_block("conv");
  BlockRV pad = sch.get_block("pad");
  sch.compute_at(pad, sch.sample_compute_location(pad));
  std::vector<LoopRV> l = sch.get_loops(conv);
  std::vector<LoopRV> co = sch.split(l[3], sch.sample_perfect_tile(l[3], 2, 8));
  sch.annotate(l[1], "pragma_auto_unroll_max_step",
               sch.sample_categorical({0, 16, 64}, {0.5, 0.25, 0.25}));
  // Not vectorize: when the padding lands under co's inner loop, its lanes would all
  // write the same padded elements, and vectorize() would refuse that draw. Unrolling
  // is legal wherever the padding goes.
  sch.unroll(co[1]);
}

bool same_results(const PrimFunc& a, const PrimFunc& b) {
  std::vector<NDArray> x = make_random_arguments(a, 1), y = make_random_arguments(b, 1);
  run_reference(a, x);
  run_reference(b, y);
  return compare(y.back(), x.back(), 1e-5, 1e-5).match;
}

int main() {
  PrimFunc conv = workloads::get("C2D:n=1,h=8,w=8,ci=4,co=8,kernel=3,stride=1,pad=1").func;

  Schedule hand(conv);
  conv_by_hand(hand);
  std::printf("handwritten schedule:\n%s\n", print(hand.func()).c_str());
  if (!same_results(conv, hand.func())) return 1;

  // Each seed draws one point of the template's space; the same seed gives the
  // same trace on every machine.
  std::set<std::string> points;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    Schedule sch(conv, seed);
    conv_template(sch);
    if (!same_results(conv, sch.func())) return 1;
    points.insert(sch.trace()->to_json_string());
  }
  std::printf("8 seeds gave %zu distinct schedules of the template\n", points.size());

  // A trace is stored as JSON and replays to the identical program...
  Schedule one(conv, 3);
  conv_template(one);
  std::string json = one.trace()->to_json_string();
  Schedule replayed(conv);
  Trace::from_json_string(json).apply(replayed);
  std::printf("replay reproduces the program: %s\n",
              structural_equal(replayed.func(), one.func()) ? "yes" : "no");
  // ... and prints as C++ to paste into a handwritten schedule.
  std::printf("as C++:\n%s", one.trace()->as_cpp().c_str());

  // A primitive whose precondition fails explains itself and changes nothing.
  try {
    hand.parallel(hand.get_loops(hand.get_block("conv"))[4]);  // rh feeds a reduction variable
  } catch (const ScheduleError& e) {
    std::printf("\nrefused as expected: %s\n", e.message().c_str());
  }
  return structural_equal(replayed.func(), one.func()) ? 0 : 1;
}
