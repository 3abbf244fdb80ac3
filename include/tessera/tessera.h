// tessera's public API in one include: the IR, arithmetic analysis, the te builder and workload
// library, the scheduling DSL (Schedule, Trace) and the runtime (NDArray, reference
// interpreter). Later layers (codegen, tune) add their headers here as they land.
#pragma once

#include "tessera/arith/analyzer.h"
#include "tessera/arith/int_set.h"
#include "tessera/arith/iter_map.h"
#include "tessera/arith/region.h"
#include "tessera/ir/data_type.h"
#include "tessera/ir/function.h"
#include "tessera/ir/op.h"
#include "tessera/ir/parser.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/ir/substitute.h"
#include "tessera/runtime/interpreter.h"
#include "tessera/runtime/ndarray.h"
#include "tessera/schedule/annotation_keys.h"
#include "tessera/schedule/schedule.h"
#include "tessera/schedule/schedule_error.h"
#include "tessera/schedule/trace.h"
#include "tessera/support/error.h"
#include "tessera/support/random.h"
#include "tessera/te/flops.h"
#include "tessera/te/tensor.h"
#include "tessera/te/workloads.h"
