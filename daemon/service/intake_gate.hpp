// Whether the pipeline takes new mail: shut while the database is unavailable, so sources keep
// their mail instead of pushing it into memory; shut for good when the daemon stops.
#pragma once

#include <condition_variable>
#include <mutex>

namespace bounced::daemon::service {

class IntakeGate {
 public:
  // Blocks while the gate is shut for now; false once it is shut for good.
  bool wait_open() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return open_ || closed_for_good_; });
    return !closed_for_good_;
  }
  bool is_open() const {
    std::lock_guard lock(mutex_);
    return open_ && !closed_for_good_;
  }
  void set_open(bool open) {
    {
      std::lock_guard lock(mutex_);
      open_ = open;
    }
    changed_.notify_all();
  }
  void close_for_good() {
    {
      std::lock_guard lock(mutex_);
      closed_for_good_ = true;
    }
    changed_.notify_all();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;  // opened by the writer once it has a database connection
  bool closed_for_good_ = false;
};

}  // namespace bounced::daemon::service
