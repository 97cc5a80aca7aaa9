// `tinyaccel bench handoff`: the worker pool's start-and-join cost per thread count
// (measure_handoff_sweep), to show how it grows with the count.
#include <iostream>
#include <memory>
#include <tinyaccel/bench.hpp>
#include <tinyaccel/threads.hpp>
#include <vector>

#include "command.hpp"

namespace {

struct Options {
  std::vector<int> threads;
  int calls = 200;
  bool json = false;
};

tinyaccel::cli::Runner setup(CLI::App& cmd) {
  auto opts = std::make_shared<Options>();
  cmd.add_option("--threads", opts->threads, "Thread counts (default: 1,2,4,8,16,32,64)")
      ->delimiter(',')
      ->check(tinyaccel::cli::whole_number(1, tinyaccel::kMaxHandoffThreads));
  cmd.add_option("--calls", opts->calls, "Jobs timed per count; the median is reported")
      ->check(tinyaccel::cli::whole_number(1, 1000000))
      ->capture_default_str();
  cmd.add_flag("--json", opts->json, "One JSON document on stdout");
  cmd.footer(
      "Each row: the median time of one empty job started on and joined from every thread,\n"
      "jobs run back to back (the pool's waiters poll, so this is the warm hand-off). Counts\n"
      "above the usable CPUs are marked oversubscribed.\n\n"
      "Examples:\n"
      "  tinyaccel bench handoff\n"
      "  tinyaccel bench handoff --threads 1,2,16,64 --calls 500 --json");
  return [opts] {
    const std::vector<int> threads =
        opts->threads.empty() ? tinyaccel::default_handoff_threads() : opts->threads;
    const tinyaccel::HandoffBench bench = tinyaccel::measure_handoff_sweep(threads, opts->calls);
    std::cout << (opts->json ? tinyaccel::handoff_bench_json(bench) + "\n"
                             : tinyaccel::handoff_bench_text(bench));
    return 0;
  };
}

const bool registered = tinyaccel::cli::register_command(
    54, "handoff", "Worker pool hand-off (start + join) per thread count", setup, "bench");

}  // namespace
