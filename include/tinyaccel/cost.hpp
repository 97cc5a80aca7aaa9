// What an op costs, declared once by the op's module and read by tests, benchmarks, the
// profiler and the roofline alike, so no two of them can disagree.
#pragma once

#include <cstdint>

#pragma GCC visibility push(default)
namespace tinyaccel {

struct OpCost {
  int64_t flops = 0;  // floating-point operations (an FMA counts 2)
  // Compulsory DRAM traffic: every input read once, every output written once (write-allocate
  // reads of the output are not counted).
  int64_t bytes = 0;

  // FLOPs per byte; 0 when the op moves nothing.
  double intensity() const { return bytes > 0 ? static_cast<double>(flops) / bytes : 0.0; }
};

}  // namespace tinyaccel
#pragma GCC visibility pop
