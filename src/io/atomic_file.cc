#include "tinyaccel/io.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include "tinyaccel/errors.hpp"

namespace tinyaccel {

void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write) {
  if (path.empty()) throw IoError("cannot write a file with an empty path");
  const std::string tmp =
      path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(std::random_device{}());
  try {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError("cannot write '" + path + "': " + std::strerror(errno));
    write(out);
    out.flush();
    if (!out) throw IoError("cannot write '" + path + "': write failed");
    out.close();
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      throw IoError("cannot write '" + path + "': " + std::strerror(errno));
    }
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
}

void write_file_atomically(const std::string& path, const std::string& content) {
  write_file_atomically(path, [&](std::ostream& out) { out << content; });
}

}  // namespace tinyaccel
