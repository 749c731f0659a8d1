#include "recording_sink.hpp"

namespace bounced::test {

using daemon::intake::Disposition;
using daemon::intake::IncomingMessage;

RecordingSink::RecordingSink(daemon::intake::Source& source,
                             std::function<Answer(const IncomingMessage&)> decide)
    : source_(source), decide_(std::move(decide)), thread_([this] { writer(); }) {}

RecordingSink::~RecordingSink() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  thread_.join();
}

bool RecordingSink::push(IncomingMessage message) {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  pushed_.push_back(message);
  queue_.push_back(std::move(message));
  queued_.notify_all();
  return true;
}

void RecordingSink::writer() {
  std::unique_lock lock(mutex_);
  for (;;) {
    queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;
    IncomingMessage message = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    const Answer decided = decide_(message);
    if (decided == Answer::hold) {
      lock.lock();
      held_.push_back(std::move(message));
      continue;
    }
    answer(message, decided);
    lock.lock();
  }
}

void RecordingSink::answer(const IncomingMessage& message, Answer answer) {
  switch (answer) {
    case Answer::stored:
      source_.acknowledge(message, Disposition::stored);
      break;
    case Answer::not_bounce:
      source_.acknowledge(message, Disposition::not_bounce);
      break;
    case Answer::release:
      source_.release(message);
      break;
    case Answer::hold:
      break;
  }
}

std::vector<IncomingMessage> RecordingSink::pushed() const {
  std::lock_guard lock(mutex_);
  return pushed_;
}

std::size_t RecordingSink::count() const {
  std::lock_guard lock(mutex_);
  return pushed_.size();
}

std::vector<IncomingMessage> RecordingSink::held() const {
  std::lock_guard lock(mutex_);
  return held_;
}

RunningSource::RunningSource(daemon::intake::Source& source, daemon::intake::MessageSink& sink)
    : thread_([&source, &sink](std::stop_token stop) { source.run(sink, stop); }) {}

RunningSource::~RunningSource() {
  stop();
}

void RunningSource::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

}  // namespace bounced::test
