// .npy files and buffers: the inputs that feed io::read_npy and the writers around npy_header.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ostream>

#include "io/npy_format.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/io.hpp"

namespace tinyaccel {
namespace {

class BufferInput final : public io::NpyInput {
 public:
  BufferInput(const void* data, size_t size)
      : data_(static_cast<const unsigned char*>(data)), size_(size) {}
  uint64_t size() const override { return size_; }
  void read(void* dst, size_t n) override {
    if (n == 0) return;
    std::memcpy(dst, data_ + pos_, n);
    pos_ += n;
  }

 private:
  const unsigned char* data_;
  size_t size_;
  size_t pos_ = 0;
};

// A regular file read sequentially; its size is taken once, so a file that shrinks while it
// is read is reported instead of over-read.
class FileInput final : public io::NpyInput {
 public:
  explicit FileInput(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw IoError("cannot read " + quote(path) + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      const int err = errno;
      ::close(fd_);
      throw IoError("cannot read " + quote(path) + ": " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd_);
      throw IoError("cannot read " + quote(path) + ": " +
                    (S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file"));
    }
    size_ = static_cast<uint64_t>(st.st_size);
  }
  ~FileInput() override { ::close(fd_); }
  FileInput(const FileInput&) = delete;
  FileInput& operator=(const FileInput&) = delete;

  uint64_t size() const override { return size_; }
  void read(void* dst, size_t n) override {
    auto* out = static_cast<char*>(dst);
    while (n > 0) {
      const ssize_t got = ::read(fd_, out, n);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw IoError("cannot read " + quote(path_) + ": " + std::strerror(errno));
      if (got == 0) {
        throw IoError("cannot read " + quote(path_) + ": the file shrank while reading");
      }
      out += got;
      n -= static_cast<size_t>(got);
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace

Tensor parse_npy(const void* data, size_t size, const std::string& source) {
  BufferInput input(data, size);
  return io::read_npy(input, quote(source));
}

Tensor load_npy(const std::string& path) {
  FileInput input(path);
  return io::read_npy(input, quote(path));
}

std::string serialize_npy(const Tensor& tensor) {
  std::string out = io::npy_header(tensor.shape(), tensor.dtype());
  out.reserve(out.size() + static_cast<size_t>(tensor.nbytes()));
  io::write_npy_data(tensor, [&](const char* p, size_t n) { out.append(p, n); });
  return out;
}

void save_npy(const std::string& path, const Tensor& tensor) {
  const std::string header = io::npy_header(tensor.shape(), tensor.dtype());
  write_file_atomically(path, [&](std::ostream& out) {
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    io::write_npy_data(tensor, [&](const char* p, size_t n) {
      out.write(p, static_cast<std::streamsize>(n));
    });
  });
}

}  // namespace tinyaccel
