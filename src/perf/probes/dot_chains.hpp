// The body of the dot-product peak loops (bench.hpp's probe_dot_peak): 16 independent chains of
// one zmm instruction on register operands, the asm keeping the compiler from merging or
// dropping them. 16 chains cover 2 pipes × up to 8 cycles of latency. Each ISA-suffixed file
// instantiates it for its instruction.
#pragma once

#include <cstdint>

#define TINYACCEL_CHAIN(ins, n) ins " %%zmm16, %%zmm17, %%zmm" #n "\n"
#define TINYACCEL_DOT_CHAINS(function, ins)                                                  \
  void function(int64_t iterations) {                                                        \
    __asm__ volatile(                                                                        \
        "vpxord %%zmm16, %%zmm16, %%zmm16\n"                                                 \
        "vpxord %%zmm17, %%zmm17, %%zmm17\n"                                                 \
        "1:\n" TINYACCEL_CHAIN(ins, 0) TINYACCEL_CHAIN(ins, 1) TINYACCEL_CHAIN(ins, 2)       \
            TINYACCEL_CHAIN(ins, 3) TINYACCEL_CHAIN(ins, 4) TINYACCEL_CHAIN(ins, 5)          \
                TINYACCEL_CHAIN(ins, 6) TINYACCEL_CHAIN(ins, 7) TINYACCEL_CHAIN(ins, 8)      \
                    TINYACCEL_CHAIN(ins, 9) TINYACCEL_CHAIN(ins, 10) TINYACCEL_CHAIN(ins, 11) \
                        TINYACCEL_CHAIN(ins, 12) TINYACCEL_CHAIN(ins, 13)                    \
                            TINYACCEL_CHAIN(ins, 14) TINYACCEL_CHAIN(ins, 15)                \
        "dec %0\n"                                                                           \
        "jnz 1b\n"                                                                           \
        : "+r"(iterations)                                                                   \
        :                                                                                    \
        : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",      \
          "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17");   \
  }
