// Writes a file so that readers see either the old file or the complete new one, never a part:
// the content goes to a temporary in the same directory, is flushed, then renamed over `path`.
// On any failure the temporary is removed and IoError names the path.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace tinyaccel {

void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write);
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace tinyaccel
