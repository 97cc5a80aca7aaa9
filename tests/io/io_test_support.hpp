// Helpers for the tensor-file tests: a scratch directory, file access, Debian's Python+NumPy.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <tinyaccel/tensor.hpp>

namespace tinyaccel::testing {

// A fresh directory, removed with everything in it when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tinyaccel_io_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }
  // Names of the entries in the directory, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path_)) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::filesystem::path path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Debian's interpreter: the first python3 on PATH may lack NumPy.
inline constexpr const char* kPython = "/usr/bin/python3";

struct PythonResult {
  int status = -1;
  std::string output;  // stdout and stderr together
};

// Runs a Python script (written to `dir`) with `args`; NumPy is imported by the script itself.
inline PythonResult run_python(const TempDir& dir, const std::string& script,
                               const std::string& args = "") {
  const std::string script_path = dir.file("script.py");
  write_bytes(script_path, script);
  const std::string command =
      std::string(kPython) + " '" + script_path + "' " + args + " 2>&1";
  PythonResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) result.output.append(buf, n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Empty when /usr/bin/python3 imports numpy; otherwise why not, for the failure message.
inline std::string numpy_missing() {
  const std::string command = std::string(kPython) + " -c 'import numpy' >/dev/null 2>&1";
  if (std::system(command.c_str()) == 0) return "";
  return std::string(kPython) +
         " cannot import numpy: the NumPy interoperability tests need it (run scripts/setup, "
         "which installs python3-numpy)";
}

// The value the interop scripts store at flat C-order index i: exact in float32 and float64,
// distinct for every index, negative ones included.
inline double pattern_value(int64_t i) { return 0.25 * static_cast<double>(i) - 3.5; }

inline Tensor pattern_tensor(const Shape& shape, DType dtype) {
  std::vector<double> values(static_cast<size_t>(shape_numel(shape)));
  for (size_t i = 0; i < values.size(); ++i) values[i] = pattern_value(static_cast<int64_t>(i));
  return Tensor::from_vector(shape, values).to(dtype);
}

}  // namespace tinyaccel::testing
