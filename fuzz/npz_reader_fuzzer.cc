// Fuzzes the .npz reader (libzip over an in-memory buffer, then the .npy reader per member):
// any input either parses or throws IoError/DTypeError. Parsed archives must survive a write
// (stored or deflated, chosen by the input) and a re-read with the same names and bits.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tinyaccel/errors.hpp"
#include "tinyaccel/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tinyaccel;
  NamedTensors tensors;
  try {
    tensors = parse_npz(data, size, "fuzz input");
  } catch (const IoError&) {
    return 0;
  } catch (const DTypeError&) {
    return 0;
  }
  NamedTensors nonempty_names;
  for (auto& [name, tensor] : tensors) {
    if (!name.empty() && name.find('\0') == std::string::npos) {
      nonempty_names.emplace_back(name, tensor);
    }
  }
  const bool compressed = size > 0 && (data[size - 1] & 1);
  const std::string bytes = serialize_npz(nonempty_names, compressed);
  const NamedTensors again = parse_npz(bytes.data(), bytes.size(), "round trip");
  if (again.size() != nonempty_names.size()) std::abort();
  for (size_t i = 0; i < again.size(); ++i) {
    const Tensor& a = nonempty_names[i].second;
    const Tensor& b = again[i].second;
    if (again[i].first != nonempty_names[i].first || a.shape() != b.shape() ||
        a.dtype() != b.dtype() ||
        (a.nbytes() > 0 &&
         std::memcmp(a.raw_data(), b.raw_data(), static_cast<size_t>(a.nbytes())) != 0)) {
      std::abort();
    }
  }
  return 0;
}
