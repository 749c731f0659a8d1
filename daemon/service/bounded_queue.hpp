// A blocking queue bounded by item count and by bytes, with the gauges and counters an
// operator needs to see where work waits (KumoMTA keeps a metric on every queue; so do we).
// push() blocks while the queue is full - that is the backpressure that makes a slow database
// slow down intake instead of growing memory - and fails once the queue is closed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace bounced::daemon::service {

struct QueueStats {
  std::string name;
  std::size_t depth = 0;  // items waiting now
  std::size_t bytes = 0;  // their weight
  std::size_t capacity = 0;
  std::size_t high_water = 0;          // deepest since start
  std::uint64_t pushed = 0;            // items ever pushed
  std::uint64_t waited_when_full = 0;  // pushes that had to wait: backpressure applied
};

template <typename T>
class BoundedQueue {
 public:
  using Weigh = std::function<std::size_t(const T&)>;

  BoundedQueue(std::string name, std::size_t max_items, std::size_t max_bytes, Weigh weigh)
      : max_items_(max_items), max_bytes_(max_bytes), weigh_(std::move(weigh)) {
    stats_.name = std::move(name);
    stats_.capacity = max_items;
  }

  // Waits for room; false (and the item dropped) once closed. An item heavier than the whole
  // byte budget is let in when the queue is empty, so it cannot wait forever.
  bool push(T item) {
    const std::size_t weight = weigh_ ? weigh_(item) : 0;
    std::unique_lock lock(mutex_);
    auto has_room = [&] {
      return closed_ || (items_.size() < max_items_ &&
                         (stats_.bytes + weight <= max_bytes_ || items_.empty()));
    };
    if (!has_room()) {
      ++stats_.waited_when_full;
      not_full_.wait(lock, has_room);
    }
    if (closed_) return false;
    items_.push_back({std::move(item), weight});
    stats_.bytes += weight;
    ++stats_.pushed;
    if (items_.size() > stats_.high_water) stats_.high_water = items_.size();
    lock.unlock();
    not_empty_.notify_one();
    return true;
  }

  enum class Popped { item, timeout, closed };

  // Waits until an item is there, the deadline passes, or the queue is closed and empty.
  Popped pop_until(std::chrono::steady_clock::time_point deadline, T& out) {
    std::unique_lock lock(mutex_);
    if (!not_empty_.wait_until(lock, deadline, [&] { return !items_.empty() || closed_; })) {
      return Popped::timeout;
    }
    if (items_.empty()) return Popped::closed;
    take_front(out);
    lock.unlock();
    not_full_.notify_one();
    return Popped::item;
  }

  Popped pop(T& out) { return pop_until(std::chrono::steady_clock::time_point::max(), out); }

  // What is there now, without waiting.
  bool try_pop(T& out) {
    std::unique_lock lock(mutex_);
    if (items_.empty()) return false;
    take_front(out);
    lock.unlock();
    not_full_.notify_one();
    return true;
  }

  // Pushes fail from now on; pops return what is left, then `closed`.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  QueueStats stats() const {
    std::lock_guard lock(mutex_);
    QueueStats copy = stats_;
    copy.depth = items_.size();
    return copy;
  }

 private:
  struct Entry {
    T item;
    std::size_t weight;
  };
  void take_front(T& out) {
    out = std::move(items_.front().item);
    stats_.bytes -= items_.front().weight;
    items_.pop_front();
  }

  const std::size_t max_items_;
  const std::size_t max_bytes_;
  Weigh weigh_;
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<Entry> items_;
  QueueStats stats_;
  bool closed_ = false;
};

}  // namespace bounced::daemon::service
