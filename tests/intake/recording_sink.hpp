// The pipeline's stand-in for the source tests: records every push and answers each message
// the way the test says (acknowledge as stored or not a bounce, release, or hold it), from its
// own thread as the writer would.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "intake/source.hpp"

namespace bounced::test {

enum class Answer { stored, not_bounce, release, hold };

class RecordingSink final : public daemon::intake::MessageSink {
 public:
  // decide: what to answer for a message (called on the sink's own thread).
  RecordingSink(daemon::intake::Source& source,
                std::function<Answer(const daemon::intake::IncomingMessage&)> decide);
  ~RecordingSink() override;

  bool push(daemon::intake::IncomingMessage message) override;

  std::vector<daemon::intake::IncomingMessage> pushed() const;
  std::size_t count() const;
  // Answers a held message now.
  void answer(const daemon::intake::IncomingMessage& message, Answer answer);
  // Messages held so far.
  std::vector<daemon::intake::IncomingMessage> held() const;

 private:
  void writer();

  daemon::intake::Source& source_;
  std::function<Answer(const daemon::intake::IncomingMessage&)> decide_;
  mutable std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<daemon::intake::IncomingMessage> queue_;
  std::vector<daemon::intake::IncomingMessage> pushed_;
  std::vector<daemon::intake::IncomingMessage> held_;
  bool stopping_ = false;
  std::thread thread_;
};

// A source running on its own thread until the object goes (stop requested, thread joined).
class RunningSource {
 public:
  RunningSource(daemon::intake::Source& source, daemon::intake::MessageSink& sink);
  ~RunningSource();
  void stop();

 private:
  std::jthread thread_;
};

}  // namespace bounced::test
