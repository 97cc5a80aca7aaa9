// Files: tensors in NumPy's formats, .npy (one array) and .npz (a zip archive of .npy members,
// as written by numpy.savez and numpy.savez_compressed).
//
// Read: format versions 1.0, 2.0 and 3.0; C or Fortran order (a Fortran-order file is returned
// as a contiguous C-order tensor with the same values); any rank including 0-d, and zero-size
// arrays. The dtypes, as NumPy spells them ('=' and '|' are accepted as the native order, which
// is little-endian on every platform this library builds for):
//   float32 '<f4', float64 '<f8', int32 '<i4'   little-endian only
//   int8 '|i1', uint8 '|u1'                     any byte-order character
//   bfloat16 '<V2'                              (also '|V2'): see below
// Every other dtype (other integers, float16, big-endian, complex, object, structured) is a
// DTypeError naming it.
//
// bfloat16: NumPy has no bfloat16, so a file can only say "2 raw bytes per element". We write
// what numpy.save writes for an ml_dtypes.bfloat16 array (the bfloat16 JAX, TensorFlow and
// Keras use), descr '<V2' with the little-endian bit patterns, and read any 2-byte void array
// as bfloat16 (the convention Keras and JAX follow for such files). Round trips:
//   ml_dtypes:  np.load(f).view(ml_dtypes.bfloat16); np.save(f, a_bf16) is read as is.
//   PyTorch:    torch.from_numpy(np.load(f).view(np.int16)).view(torch.bfloat16); the other way
//               np.save(f, t.view(torch.int16).numpy().view('V2')).
// A '<u2'/'<i2' file is not taken for bfloat16 (it is a DTypeError): integers are integers. A file that is truncated, corrupt or whose header disagrees with its size is an
// IoError naming the file and the fault; nothing is allocated beyond what the file's own size
// can hold, so a lying header cannot trigger a huge allocation.
//
// Write: always format 1.0 (2.0 only for a header over 64 KiB), C order, little-endian, the
// header padded to a multiple of 64 bytes like NumPy. Strided views are written in logical
// (row-major) order. Files are written by write_file_atomically (below): readers of a regular
// file see the old file or the new one, and a failed write leaves neither a partial file nor a
// temporary behind.
#pragma once

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "tinyaccel/tensor.hpp"

#pragma GCC visibility push(default)
namespace tinyaccel {

Tensor load_npy(const std::string& path);
void save_npy(const std::string& path, const Tensor& tensor);

// The same formats in memory. `source` names the bytes in error messages.
Tensor parse_npy(const void* data, size_t size, const std::string& source = "<memory>");
std::string serialize_npy(const Tensor& tensor);

// Archive members in archive order. Names are the member names without their ".npy" suffix
// (numpy.savez(f, x=...) gives the member "x.npy", read back as "x").
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Every member must be a .npy array this library reads; a duplicate name is an IoError.
NamedTensors load_npz(const std::string& path);
NamedTensors parse_npz(const void* data, size_t size, const std::string& source = "<memory>");

// Members are stored (numpy.savez) or deflated (numpy.savez_compressed), each named
// "<name>.npy". ValueError on an empty or duplicate name, or one containing a NUL byte.
void save_npz(const std::string& path, const NamedTensors& tensors, bool compressed = false);
std::string serialize_npz(const NamedTensors& tensors, bool compressed = false);

// The tensor called `name`; ValueError listing the names present when there is none.
const Tensor& find_tensor(const NamedTensors& tensors, const std::string& name);

// Writes an output file. What happens depends on what `path` names (after following symbolic
// links, a dangling one to the file it names):
//   nothing          a new file, 0666 less the umask, written to a temporary in the same
//                    directory and renamed into place: readers see no file or the whole file;
//   a regular file   the same, atomically, the new file taking the old one's owner, group and
//                    permission bits (never looser). When the old file has other hard links, or
//                    this process cannot give a new file its owner and group (not root, not the
//                    owner), it is rewritten in place instead, which keeps all of that but is
//                    not atomic. A file this process may not write is refused, as a direct
//                    write would be;
//   a character device or a FIFO (/dev/null, /dev/stdout, a named pipe)
//                    opened and written; never replaced, truncated or removed;
//   a regular file reached through /proc (/dev/stdout redirected to a file)
//                    opened through the link and rewritten in place;
//   anything else (a directory, a block device, a socket)
//                    refused.
// The temporary is ".<start of the name>.XXXXXX": never longer than the final name (or 16
// bytes), so it fits wherever the final name fits. On any failure it is removed and IoError
// names the path and the reason (the OS's, e.g. "No space left on device").
void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write);
void write_file_atomically(const std::string& path, const std::string& content);

// Removes the temporaries of the writes in progress: for a signal handler that then ends the
// process (the CLI's, on SIGINT, SIGTERM, SIGHUP and SIGPIPE). Async-signal-safe; a write it
// interrupted fails later if the process goes on.
void remove_partial_outputs() noexcept;

}  // namespace tinyaccel
#pragma GCC visibility pop
