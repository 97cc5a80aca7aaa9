// The whole public API of tinyaccel.
#pragma once

#include "tinyaccel/errors.hpp"
#include "tinyaccel/matmul.hpp"
#include "tinyaccel/memory.hpp"
#include "tinyaccel/tensor.hpp"
#include "tinyaccel/threads.hpp"
