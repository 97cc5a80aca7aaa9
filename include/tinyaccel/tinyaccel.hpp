// The whole public API of tinyaccel.
#pragma once

#include "tinyaccel/activation.hpp"
#include "tinyaccel/attention.hpp"
#include "tinyaccel/cost.hpp"
#include "tinyaccel/elementwise.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/io.hpp"
#include "tinyaccel/matmul.hpp"
#include "tinyaccel/quantize.hpp"
#include "tinyaccel/memory.hpp"
#include "tinyaccel/nn.hpp"
#include "tinyaccel/profiler.hpp"
#include "tinyaccel/roofline.hpp"
#include "tinyaccel/tensor.hpp"
#include "tinyaccel/system.hpp"
#include "tinyaccel/threads.hpp"
#include "tinyaccel/timing.hpp"
