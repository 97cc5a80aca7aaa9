// Runs the built `tinyaccel` CLI (TINYACCEL_CLI), or any command line, in a shell and captures
// what it prints.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace tinyaccel::testing {

struct CliResult {
  int status = -1;  // exit status; -1 when it did not exit normally
  std::string out;
  std::string err;
};

// Runs a shell command line, capturing its stdout and stderr.
inline CliResult run_command(const std::string& command_line) {
  char err_path[] = "/tmp/tinyaccel_cli_stderr_XXXXXX";
  const int fd = mkstemp(err_path);
  if (fd >= 0) close(fd);
  const std::string command = "{ " + command_line + " ; } 2>'" + err_path + "'";
  CliResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) result.out.append(buf, n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  std::stringstream ss;
  ss << err.rdbuf();
  result.err = ss.str();
  std::remove(err_path);
  return result;
}

// `env_assignments` ("TINYACCEL_ISA=avx2 ...") are applied on top of the current environment,
// minus any TINYACCEL_ISA / TINYACCEL_NUM_THREADS inherited from whoever runs the tests.
inline CliResult run_cli(const std::string& args, const std::string& env_assignments = "") {
  return run_command("env -u TINYACCEL_ISA -u TINYACCEL_NUM_THREADS " + env_assignments + " '" +
                     std::string(TINYACCEL_CLI) + "' " + args);
}

}  // namespace tinyaccel::testing
