// .npz archives through libzip: each member is a .npy array read by io::read_npy.
#include <sys/stat.h>
#include <zip.h>

#include <cerrno>
#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "io/npy_format.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/io.hpp"

namespace tinyaccel {
namespace {

constexpr char kSuffix[] = ".npy";
constexpr size_t kSuffixBytes = 4;
// DEFLATE emits at least 2 bits per 258-byte match, so it expands by at most 1032:1; a member
// that claims more output than that from its compressed size is lying about one of them.
constexpr uint64_t kMaxDeflateRatio = 1032;
// Members carry a fixed time (1980-01-01, the zip epoch) so an archive's bytes depend only on
// its contents.
constexpr time_t kZipEpoch = 315532800;

struct ArchiveCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
using Archive = std::unique_ptr<zip_t, ArchiveCloser>;

std::string zip_message(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string message = zip_error_strerror(&error);
  zip_error_fini(&error);
  return message;
}

// One member, read through libzip (decompressed, its CRC checked when its end is reached).
class MemberInput final : public io::NpyInput {
 public:
  MemberInput(zip_t* archive, zip_uint64_t index, uint64_t size, const std::string& source)
      : size_(size), source_(source) {
    file_ = zip_fopen_index(archive, index, 0);
    if (file_ == nullptr) {
      throw IoError(source + ": cannot open the member: " + zip_strerror(archive));
    }
  }
  ~MemberInput() override { zip_fclose(file_); }
  MemberInput(const MemberInput&) = delete;
  MemberInput& operator=(const MemberInput&) = delete;

  uint64_t size() const override { return size_; }
  void read(void* dst, size_t n) override {
    auto* out = static_cast<char*>(dst);
    while (n > 0) {
      const zip_uint64_t want = std::min<size_t>(n, size_t{1} << 30);
      const zip_int64_t got = zip_fread(file_, out, want);
      if (got < 0) {
        throw IoError(source_ + ": corrupt member: " + zip_file_strerror(file_));
      }
      if (got == 0) {
        throw IoError(source_ + ": corrupt member: its data ends before the size in the " +
                      "archive directory (" + std::to_string(size_) + " bytes)");
      }
      out += got;
      n -= static_cast<size_t>(got);
    }
  }
  // Reading past the end makes libzip compare the CRC; there must be nothing left to read.
  void finish() override {
    char extra = 0;
    const zip_int64_t got = zip_fread(file_, &extra, 1);
    if (got < 0) throw IoError(source_ + ": corrupt member: " + zip_file_strerror(file_));
    if (got > 0) {
      throw IoError(source_ + ": corrupt member: more data than the size in the archive " +
                    "directory (" + std::to_string(size_) + " bytes)");
    }
  }

 private:
  zip_file_t* file_ = nullptr;
  uint64_t size_;
  const std::string& source_;
};

NamedTensors read_archive(zip_t* archive, uint64_t archive_bytes, const std::string& source) {
  const zip_int64_t count = zip_get_num_entries(archive, 0);
  if (count < 0) throw IoError(source + ": cannot list the archive: " + zip_strerror(archive));
  NamedTensors tensors;
  std::set<std::string> names;
  for (zip_int64_t i = 0; i < count; ++i) {
    const auto index = static_cast<zip_uint64_t>(i);
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(archive, index, ZIP_FL_ENC_RAW, &st) != 0) {
      throw IoError(source + ": cannot read member #" + std::to_string(i) + ": " +
                    zip_strerror(archive));
    }
    constexpr zip_uint64_t kNeeded =
        ZIP_STAT_NAME | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
    if ((st.valid & kNeeded) != kNeeded) {
      throw IoError(source + ": member #" + std::to_string(i) + " has an incomplete entry");
    }
    // Names are taken as the archive stores them (UTF-8 in anything NumPy writes) and written
    // back the same way, so a name survives a read and a write byte for byte.
    const std::string member = st.name;
    const std::string where = source + " (member " + quote(member) + ")";
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
      throw IoError(where + ": encrypted members are not supported");
    }
    if (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE) {
      throw IoError(where + ": compression method " + std::to_string(st.comp_method) +
                    " is not supported (numpy.savez stores, numpy.savez_compressed deflates)");
    }
    const uint64_t max_size = st.comp_method == ZIP_CM_STORE
                                  ? st.comp_size
                                  : st.comp_size * kMaxDeflateRatio + 1024;
    if (st.comp_size > archive_bytes || st.size > max_size) {
      throw IoError(where + ": corrupt entry: " + std::to_string(st.size) + " bytes from " +
                    std::to_string(st.comp_size) + " compressed bytes in a " +
                    std::to_string(archive_bytes) + "-byte archive");
    }
    std::string name = member;
    if (name.size() > kSuffixBytes &&
        name.compare(name.size() - kSuffixBytes, kSuffixBytes, kSuffix) == 0) {
      name.resize(name.size() - kSuffixBytes);
    }
    if (!names.insert(name).second) {
      throw IoError(where + ": a second array named " + quote(name));
    }
    MemberInput input(archive, index, st.size, where);
    tensors.emplace_back(name, io::read_npy(input, where));
  }
  return tensors;
}

void check_names(const NamedTensors& tensors) {
  std::set<std::string> names;
  for (const auto& [name, tensor] : tensors) {
    if (name.empty()) throw ValueError("cannot write an .npz member with an empty name");
    if (name.find('\0') != std::string::npos) {
      throw ValueError("cannot write an .npz member whose name contains a NUL byte: " +
                       quote(name) + " (names must be non-empty and NUL-free)");
    }
    if (!names.insert(name).second) {
      throw ValueError("cannot write two .npz members named " + quote(name));
    }
  }
}

}  // namespace

NamedTensors parse_npz(const void* data, size_t size, const std::string& name) {
  const std::string source = quote(name);
  if (size == 0) throw IoError(source + ": empty input, not an .npz (zip) archive");
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(data, size, 0, &error);
  zip_t* archive = buffer ? zip_open_from_source(buffer, ZIP_RDONLY, &error) : nullptr;
  if (archive == nullptr) {
    const std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    if (buffer != nullptr) zip_source_free(buffer);
    throw IoError(source + ": not a valid .npz (zip) archive: " + message);
  }
  zip_error_fini(&error);
  Archive owner(archive);  // discarding the archive frees the buffer source too
  return read_archive(archive, size, source);
}

NamedTensors load_npz(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw IoError("cannot read " + quote(path) + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    throw IoError("cannot read " + quote(path) + ": " +
                  (S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file"));
  }
  if (st.st_size == 0) throw IoError(quote(path) + ": empty file, not an .npz (zip) archive");
  int code = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (archive == nullptr) {
    throw IoError(quote(path) + ": not a valid .npz (zip) archive: " + zip_message(code));
  }
  Archive owner(archive);
  return read_archive(archive, static_cast<uint64_t>(st.st_size), quote(path));
}

std::string serialize_npz(const NamedTensors& tensors, bool compressed) {
  check_names(tensors);
  // libzip reads member buffers only when the archive is closed: keep them alive until then.
  std::vector<std::string> members;
  members.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) members.push_back(serialize_npy(tensor));

  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* target = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_t* archive = target ? zip_open_from_source(target, ZIP_TRUNCATE, &error) : nullptr;
  if (archive == nullptr) {
    const std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    if (target != nullptr) zip_source_free(target);
    throw IoError("cannot create an .npz archive: " + message);
  }
  zip_error_fini(&error);
  zip_source_keep(target);  // outlives the archive so its bytes can be read after zip_close
  auto fail = [&](const std::string& what) {
    const std::string message = what + ": " + zip_strerror(archive);
    zip_discard(archive);
    zip_source_free(target);
    throw IoError("cannot create an .npz archive: " + message);
  };
  for (size_t i = 0; i < tensors.size(); ++i) {
    const std::string member = tensors[i].first + kSuffix;
    zip_source_t* source = zip_source_buffer(archive, members[i].data(), members[i].size(), 0);
    if (source == nullptr) fail("member " + quote(member));
    const zip_int64_t index = zip_file_add(archive, member.c_str(), source, ZIP_FL_ENC_GUESS);
    if (index < 0) {
      zip_source_free(source);
      fail("member " + quote(member));
    }
    const auto at = static_cast<zip_uint64_t>(index);
    if (zip_set_file_compression(archive, at, compressed ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) !=
            0 ||
        zip_file_set_mtime(archive, at, kZipEpoch, 0) != 0) {
      fail("member " + quote(member));
    }
  }
  if (zip_close(archive) != 0) fail("writing");

  // An archive without members: libzip writes nothing, NumPy writes the bare end record.
  if (zip_source_is_deleted(target)) {
    zip_source_free(target);
    return std::string("PK\x05\x06", 4) + std::string(18, '\0');
  }
  std::string bytes;
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_source_stat(target, &st) != 0 || zip_source_open(target) != 0) {
    zip_source_free(target);
    throw IoError("cannot create an .npz archive: cannot read back the archive buffer");
  }
  bytes.resize(st.size);
  const zip_int64_t got = zip_source_read(target, bytes.data(), st.size);
  zip_source_close(target);
  zip_source_free(target);
  if (got < 0 || static_cast<zip_uint64_t>(got) != st.size) {
    throw IoError("cannot create an .npz archive: short read of the archive buffer");
  }
  return bytes;
}

void save_npz(const std::string& path, const NamedTensors& tensors, bool compressed) {
  write_file_atomically(path, serialize_npz(tensors, compressed));
}

const Tensor& find_tensor(const NamedTensors& tensors, const std::string& name) {
  std::string present;
  for (const auto& [key, tensor] : tensors) {
    if (key == name) return tensor;
    present += (present.empty() ? "" : ", ") + quote(key);
  }
  throw ValueError("no tensor named " + quote(name) + " (present: " +
                   (present.empty() ? "none" : present) + ")");
}

}  // namespace tinyaccel
