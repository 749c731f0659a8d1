// The pipeline's counters since start (monotonic), read by the metrics line and systemd's
// STATUS=. The queue gauges are in QueueStats.
#pragma once

#include <atomic>
#include <cstdint>

namespace bounced::daemon::service {

struct PipelineCounters {
  std::atomic<std::uint64_t> received{0};     // pushed by the sources
  std::atomic<std::uint64_t> stored{0};       // committed as new rows
  std::atomic<std::uint64_t> duplicates{0};   // committed before (a replay): nothing inserted
  std::atomic<std::uint64_t> not_bounce{0};   // ordinary mail, kept in its source's folder
  std::atomic<std::uint64_t> quarantined{0};  // unreadable, copied to the quarantine
  std::atomic<std::uint64_t> released{0};     // given back to their source uncommitted
  std::atomic<std::uint64_t> batches{0};      // transactions committed
  std::atomic<std::uint64_t> write_failures{0};
  std::atomic<bool> database_available{false};
};

}  // namespace bounced::daemon::service
