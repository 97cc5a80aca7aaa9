// The worker pool's hand-off per thread count (bench.hpp's measure_handoff_sweep).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "tinyaccel/bench.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/table.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {

std::vector<int> default_handoff_threads() { return {1, 2, 4, 8, 16, 32, 64}; }

HandoffBench measure_handoff_sweep(const std::vector<int>& threads, int calls) {
  for (const int t : threads) {
    if (t < 1 || t > kMaxHandoffThreads) {
      throw ValueError("hand-off: thread counts must be 1 to " +
                       std::to_string(kMaxHandoffThreads) + ", got " + std::to_string(t));
    }
  }
  if (calls < 1) throw ValueError("hand-off: calls must be >= 1, got " + std::to_string(calls));
  HandoffBench bench;
  bench.usable_cpus = usable_cpus();
  bench.calls = calls;
  for (const int t : threads) {
    bench.rows.push_back({t, measure_handoff(t, calls), t > bench.usable_cpus});
  }
  return bench;
}

std::string handoff_bench_json(const HandoffBench& bench) {
  nlohmann::ordered_json j;
  j["usable_cpus"] = bench.usable_cpus;
  j["calls"] = bench.calls;
  j["rows"] = nlohmann::ordered_json::array();
  for (const HandoffRow& r : bench.rows) {
    j["rows"].push_back({{"threads", r.threads},
                         {"microseconds", r.seconds * 1e6},
                         {"oversubscribed", r.oversubscribed}});
  }
  return j.dump(2);
}

std::string handoff_bench_text(const HandoffBench& bench) {
  std::string out = fmt::format(
      "Worker pool hand-off (start and join of one empty job), median of {} calls; {} usable "
      "CPUs\n",
      bench.calls, bench.usable_cpus);
  Table table({"threads", "hand-off us", "per thread us", "note"});
  bool any_over = false;
  for (const HandoffRow& r : bench.rows) {
    any_over = any_over || r.oversubscribed;
    table.add_row({std::to_string(r.threads), fmt::format("{:.2f}", r.seconds * 1e6),
                   fmt::format("{:.3f}", r.seconds * 1e6 / r.threads),
                   r.oversubscribed ? "oversubscribed" : ""});
  }
  out += table.render();
  if (any_over) {
    out += fmt::format(
        "Counts above {} oversubscribe this machine's CPUs: workers wait for a CPU and are\n"
        "put to sleep, so those rows show how the mechanism's cost grows with the count, not\n"
        "the hand-off a machine with that many cores would see.\n",
        bench.usable_cpus);
  }
  return out;
}

}  // namespace tinyaccel
