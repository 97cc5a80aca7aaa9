// Fuzzes the .npy reader: any input either parses or throws IoError/DTypeError; anything else
// (a crash, a sanitizer report, another exception) is a bug. A parsed tensor must also survive
// a write and a re-read bit for bit.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tinyaccel/errors.hpp"
#include "tinyaccel/io.hpp"

namespace {

bool same_tensor(const tinyaccel::Tensor& a, const tinyaccel::Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && a.is_contiguous() &&
         b.is_contiguous() &&
         (a.nbytes() == 0 ||
          std::memcmp(a.raw_data(), b.raw_data(), static_cast<size_t>(a.nbytes())) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tinyaccel;
  Tensor tensor;
  try {
    tensor = parse_npy(data, size, "fuzz input");
  } catch (const IoError&) {
    return 0;
  } catch (const DTypeError&) {
    return 0;
  }
  const std::string bytes = serialize_npy(tensor);
  if (!same_tensor(tensor, parse_npy(bytes.data(), bytes.size(), "round trip"))) std::abort();
  return 0;
}
