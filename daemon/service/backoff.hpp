// Capped exponential backoff: the first wait, then twice as long each time, never longer than
// the cap; reset() after a success.
#pragma once

#include <algorithm>
#include <chrono>

namespace bounced::daemon::service {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap)
      : initial_(initial), cap_(std::max(cap, initial)), next_(initial) {}

  std::chrono::milliseconds next() {
    const auto wait = next_;
    next_ = std::min(next_ * 2, cap_);
    return wait;
  }
  void reset() { next_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds cap_;
  std::chrono::milliseconds next_;
};

}  // namespace bounced::daemon::service
