// Output helpers for `tinyaccel report`: Markdown tables, gnuplot charts, and running this
// executable's own subcommands for their --json output.
#pragma once

#include <string>
#include <vector>

namespace tinyaccel::cli {

// A GitHub-flavoured Markdown table; numeric-looking cells are right-aligned by column.
std::string markdown_table(const std::vector<std::string>& headers,
                           const std::vector<std::vector<std::string>>& rows);

// Renders a gnuplot program (everything after `set terminal`/`set output`, data inline) to
// `path`; the terminal follows the extension (.svg or .png). gnuplot writes a temporary next to
// `path` that is renamed over it only when complete. IoError when gnuplot is missing or fails.
void write_gnuplot(const std::string& path, const std::string& program);

// Runs this executable (/proc/self/exe) with `args`, stderr passed through (progress), and
// returns its stdout. IoError naming the command when it cannot start or exits non-zero.
std::string run_self(const std::vector<std::string>& args);

}  // namespace tinyaccel::cli
