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
#include <functional>

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

}  // namespace tinyaccel::cli
