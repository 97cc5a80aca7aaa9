// tinyaccel: CPU ML kernels, measured against this machine's roofline.
#include <algorithm>
#include <exception>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "command.hpp"

namespace tinyaccel::cli {
namespace {

struct Entry {
  int order;
  const char* name;
  const char* description;
  CommandSetup setup;
  const char* parent;
};

std::vector<Entry>& registry() {
  static std::vector<Entry> entries;
  return entries;
}

}  // namespace

bool register_command(int order, const char* name, const char* description, CommandSetup setup,
                      const char* parent) {
  registry().push_back({order, name, description, setup, parent});
  return true;
}

}  // namespace tinyaccel::cli

int main(int argc, char** argv) {
  using namespace tinyaccel::cli;
  CLI::App app{"tinyaccel: fast ML kernels on CPUs, measured against the machine's own roofline"};
  app.require_subcommand(1);
  app.footer("Run 'tinyaccel <command> --help' for a command's options and examples.");
  auto entries = registry();
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return (a.parent == nullptr) > (b.parent == nullptr) ||
           ((a.parent == nullptr) == (b.parent == nullptr) && a.order < b.order);
  });
  std::map<std::string, CLI::App*> by_name;
  std::vector<std::pair<CLI::App*, Runner>> runners;
  for (const Entry& e : entries) {
    CLI::App* parent = &app;
    if (e.parent != nullptr) {
      auto it = by_name.find(e.parent);
      if (it == by_name.end()) {
        it = by_name.emplace(e.parent, app.add_subcommand(e.parent)).first;
        it->second->require_subcommand(1);
      }
      parent = it->second;
    }
    CLI::App* cmd = parent->add_subcommand(e.name, e.description);
    if (e.setup == nullptr) {
      cmd->require_subcommand(1);
    } else {
      runners.emplace_back(cmd, e.setup(*cmd));
    }
    if (e.parent == nullptr) by_name[e.name] = cmd;
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
    for (auto& [cmd, run] : runners) {
      if (cmd->parsed()) return run();
    }
  } catch (const std::exception& e) {
    std::cerr << "tinyaccel: error: " << e.what() << "\n";
    return kUsageError;
  }
  return kUsageError;
}
