// Ctrl-C or SIGTERM of a one-shot command that started the embedded PostgreSQL server must not
// leave the server running behind it: the default action would end the process before any
// destructor runs. This guard blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and so
// in every thread started later) and waits for them on a thread of its own. The first one
// releases the cluster (stopped when this process owns it and no other process uses it, see
// embedded_cluster.hpp) and then ends the process by the same signal, as the default would have.
#pragma once

#include <functional>
#include <mutex>
#include <thread>

#include "embedded_cluster.hpp"
#include "intake/file_descriptor.hpp"

namespace bounced::daemon::cli {

class SignalGuard {
 public:
  // Must be created before the command starts any thread.
  explicit SignalGuard(store::EmbeddedCluster& cluster);
  // The signals stay blocked: the process is on its way out, and the cluster's destructor does
  // what a signal would have done.
  ~SignalGuard();
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

  // For a command that stops by itself (maillog --follow): the first signal only calls `stop`;
  // a second one ends the process as above.
  void on_signal(std::function<void()> stop);

 private:
  void wait_for_signals(std::stop_token stop);

  store::EmbeddedCluster& cluster_;
  intake::FileDescriptor signals_;
  intake::FileDescriptor wake_;
  std::mutex mutex_;
  std::function<void()> stop_;
  std::jthread thread_;
};

}  // namespace bounced::daemon::cli
