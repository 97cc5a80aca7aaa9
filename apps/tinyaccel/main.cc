// tinyaccel: CPU ML kernels, measured against this machine's roofline.
#include <algorithm>
#include <exception>
#include <iostream>
#include <vector>

#include "command.hpp"

namespace tinyaccel::cli {
namespace {

struct Entry {
  int order;
  const char* name;
  const char* description;
  CommandSetup setup;
};

std::vector<Entry>& registry() {
  static std::vector<Entry> entries;
  return entries;
}

}  // namespace

bool register_command(int order, const char* name, const char* description, CommandSetup setup) {
  registry().push_back({order, name, description, setup});
  return true;
}

}  // namespace tinyaccel::cli

int main(int argc, char** argv) {
  using namespace tinyaccel::cli;
  CLI::App app{"tinyaccel: fast ML kernels on CPUs, measured against the machine's own roofline"};
  app.require_subcommand(1);
  app.footer("Run 'tinyaccel <command> --help' for a command's options and examples.");
  auto entries = registry();
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.order < b.order; });
  std::vector<std::pair<CLI::App*, Runner>> commands;
  for (const Entry& e : entries) {
    CLI::App* cmd = app.add_subcommand(e.name, e.description);
    commands.emplace_back(cmd, e.setup(*cmd));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "tinyaccel: " << e.what() << " (run with --help for usage)\n";
    return kUsageError;
  }
  try {
    for (auto& [cmd, run] : commands) {
      if (cmd->parsed()) return run();
    }
  } catch (const std::exception& e) {
    std::cerr << "tinyaccel: error: " << e.what() << "\n";
    return kUsageError;
  }
  return kUsageError;
}
