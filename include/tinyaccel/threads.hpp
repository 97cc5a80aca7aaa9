// One knob for every thread in the library: our kernels and the BLAS backend alike.
// The default is TINYACCEL_NUM_THREADS when set, else the number of logical CPUs available.
#pragma once

namespace tinyaccel {

// n >= 1, else ValueError. Also sets the BLAS library's thread count. BLAS is only ever called
// from one of our threads at a time, so the two never multiply (no oversubscription).
void set_num_threads(int n);
int num_threads();

}  // namespace tinyaccel
