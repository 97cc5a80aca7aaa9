// tinyaccel: CPU ML kernels, measured against this machine's roofline.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <tinyaccel/errors.hpp>
#include <tinyaccel/io.hpp>

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

// A message made one line: control characters escaped. The library's messages quote user text
// already (tinyaccel::quote); CLI11's repeat arguments as given.
std::string one_line(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// Ends the process as the signal would, without leaving an output's temporary behind.
void on_fatal_signal(int sig) {
  tinyaccel::remove_partial_outputs();
  signal(sig, SIG_DFL);
  raise(sig);
}

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_fatal_signal;
  sigemptyset(&action.sa_mask);
  for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaction(sig, &action, nullptr);
  // Past a file-size limit (ulimit -f) a write then fails with EFBIG, reported as an error,
  // instead of the process being killed.
  signal(SIGXFSZ, SIG_IGN);
}

// What is wrong with the command words of argv ("tinyaccel bench bogus"), naming the valid
// ones; empty when they are fine (options and their values are left to CLI11).
std::string check_command_words(CLI::App& app, int argc, char** argv) {
  CLI::App* level = &app;
  std::string path = "tinyaccel";
  for (int i = 1;; ++i) {
    const auto commands = level->get_subcommands([](CLI::App*) { return true; });
    if (commands.empty()) return "";
    std::string names;
    for (size_t c = 0; c < commands.size(); ++c) {
      names += (c == 0 ? "" : c + 1 == commands.size() ? " or " : ", ") + commands[c]->get_name();
    }
    if (i == argc) {
      return level == &app ? "a command is required: " + names
                           : "'" + path + "' needs a command: " + names;
    }
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') return "";
    auto it = std::find_if(commands.begin(), commands.end(),
                           [&](CLI::App* c) { return c->get_name() == word; });
    if (it == commands.end()) {
      return "unknown command " + tinyaccel::quote(word) + " for " + path +
             ": expected " + names;
    }
    level = *it;
    path += " " + word;
  }
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
  install_signal_handlers();
  if (const std::string wrong = check_command_words(app, argc, argv); !wrong.empty()) {
    std::cerr << "tinyaccel: " << one_line(wrong) << " (run with --help for usage)\n";
    return kUsageError;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "tinyaccel: " << one_line(e.what()) << " (run with --help for usage)\n";
    return kUsageError;
  }
  try {
    for (auto& [cmd, run] : runners) {
      if (cmd->parsed()) return run();
    }
  } catch (const std::exception& e) {
    std::cerr << "tinyaccel: error: " << one_line(e.what()) << "\n";
    return kUsageError;
  }
  return kUsageError;
}
