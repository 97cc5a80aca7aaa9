// Subcommand registry: each subcommand lives in its own file and registers itself, so adding
// one touches nothing else.
//
//   namespace {
//   Runner setup(CLI::App& cmd) {
//     auto opts = std::make_shared<Options>();
//     cmd.add_flag("--json", opts->json, "...");
//     return [opts] { ...; return 0; };
//   }
//   const bool registered = register_command(10, "info", "Describe this machine", setup);
//   }
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>

namespace tinyaccel::cli {

// Runs a chosen subcommand; returns the process exit status.
using Runner = std::function<int()>;
// Declares a subcommand's options on `cmd` and returns what to run when it is chosen.
using CommandSetup = Runner (*)(CLI::App& cmd);

// `order` sorts subcommands in --help; `parent` nests the command under another one
// ("bench" → `tinyaccel bench matmul`); a parent with setup == nullptr only groups.
// Returns true so it can initialise a static.
bool register_command(int order, const char* name, const char* description, CommandSetup setup,
                      const char* parent = nullptr);

// Exit status for bad arguments, bad input files and any library error.
inline constexpr int kUsageError = 2;

// The --help paragraph on how output files are written (tinyaccel/io.hpp's
// write_file_atomically), for every command that writes one.
inline constexpr const char* kOutputFilesHelp =
    "Output files: a regular file is replaced atomically (written beside it, then renamed),\n"
    "keeping its mode, owner and group; a symbolic link's target is written; a character\n"
    "device or FIFO (/dev/null, /dev/stdout, a named pipe) is written directly, never\n"
    "replaced; a directory, block device or socket is refused. A write that fails or is\n"
    "interrupted (Ctrl-C, SIGTERM) leaves no temporary behind.\n";

// Option checks whose messages name the value given and what is accepted, in words
// ("--seq: must be a whole number >= 1, got '0'"), checked on the text before it is converted.
CLI::Validator whole_number(uint64_t min, uint64_t max = INT64_MAX);
CLI::Validator finite_number(double min, bool min_allowed);  // > min, or >= min when allowed

// --threads N into `threads` (left 0 when not given), 1 to tinyaccel::max_threads().
CLI::Option* add_threads_option(CLI::App& cmd, int& threads, const std::string& help);

}  // namespace tinyaccel::cli
