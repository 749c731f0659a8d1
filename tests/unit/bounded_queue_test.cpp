// The pipeline's queues: bounded by count and by bytes, blocking the producer when full
// (backpressure), draining after close, and counting what an operator needs to see.
#include "service/bounded_queue.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "service/backoff.hpp"

using bounced::daemon::service::Backoff;
using bounced::daemon::service::BoundedQueue;
using namespace std::chrono_literals;

namespace {
using Queue = BoundedQueue<std::string>;
Queue make(size_t items, size_t bytes) {
  return Queue("test", items, bytes, [](const std::string& s) { return s.size(); });
}
}  // namespace

TEST_CASE("a full queue makes the producer wait until there is room", "[queue]") {
  Queue queue("test", 2, 1 << 20, [](const std::string& s) { return s.size(); });
  REQUIRE(queue.push("a"));
  REQUIRE(queue.push("b"));
  std::atomic<bool> pushed{false};
  std::jthread producer([&] {
    queue.push("c");
    pushed = true;
  });
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(pushed);
  std::string out;
  REQUIRE(queue.pop(out) == Queue::Popped::item);
  CHECK(out == "a");
  producer.join();
  CHECK(pushed);
  const auto stats = queue.stats();
  CHECK(stats.depth == 2);
  CHECK(stats.high_water == 2);
  CHECK(stats.pushed == 3);
  CHECK(stats.waited_when_full == 1);
}

TEST_CASE("the byte budget bounds memory, yet one oversized item still passes", "[queue]") {
  Queue queue("test", 100, 10, [](const std::string& s) { return s.size(); });
  REQUIRE(queue.push(std::string(25, 'x')));  // alone: let in
  CHECK(queue.stats().bytes == 25);
  std::string out;
  REQUIRE(queue.try_pop(out));
  REQUIRE(queue.push(std::string(6, 'a')));
  std::atomic<bool> pushed{false};
  std::jthread producer([&] {
    queue.push(std::string(6, 'b'));
    pushed = true;
  });
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(pushed);  // 12 bytes would exceed 10
  REQUIRE(queue.try_pop(out));
  producer.join();
  CHECK(pushed);
}

TEST_CASE("closing wakes the producer with false and lets the consumer drain", "[queue]") {
  Queue queue("test", 1, 100, nullptr);
  REQUIRE(queue.push("kept"));
  std::atomic<int> result{-1};
  std::jthread producer([&] { result = queue.push("refused") ? 1 : 0; });
  std::this_thread::sleep_for(20ms);
  queue.close();
  producer.join();
  CHECK(result == 0);
  std::string out;
  CHECK(queue.pop(out) == Queue::Popped::item);
  CHECK(out == "kept");
  CHECK(queue.pop(out) == Queue::Popped::closed);
  CHECK(queue.pop_until(std::chrono::steady_clock::now() + 10ms, out) == Queue::Popped::closed);
}

TEST_CASE("pop_until times out on an empty open queue", "[queue]") {
  Queue queue = make(4, 100);
  std::string out;
  CHECK(queue.pop_until(std::chrono::steady_clock::now() + 20ms, out) == Queue::Popped::timeout);
}

TEST_CASE("backoff doubles up to its cap and starts over after a success", "[queue]") {
  Backoff backoff(500ms, 3s);
  CHECK(backoff.next() == 500ms);
  CHECK(backoff.next() == 1000ms);
  CHECK(backoff.next() == 2000ms);
  CHECK(backoff.next() == 3000ms);
  CHECK(backoff.next() == 3000ms);
  backoff.reset();
  CHECK(backoff.next() == 500ms);
}
