#include "intake/milter_source.hpp"

#include <spdlog/spdlog.h>

namespace bounced::daemon::intake {

namespace {

using Clock = std::chrono::steady_clock;

// How often the MTA hears that the answer is still coming (smfi_progress resets its timer).
constexpr auto kKeepAliveEvery = std::chrono::seconds(30);

}  // namespace

std::variant<std::unique_ptr<MilterSource>, std::string> MilterSource::create(
    MilterSourceOptions options) {
  if (options.socket.empty()) return std::string("milter source: socket is not set");
  if (options.socket.find(':') == std::string::npos) {
    return "milter source: socket '" + options.socket +
           "' is neither unix:/path nor inet:port@address";
  }
  if (!reserve_libmilter()) {
    return std::string(
        "milter source: libmilter runs one milter per process and this process has one");
  }
  return std::unique_ptr<MilterSource>(new MilterSource(std::move(options)));
}

MilterSource::MilterSource(MilterSourceOptions options) : options_(std::move(options)) {
  handlers_.is_ours = [this](std::string_view address) {
    return recipient_matches(options_.recipients, address);
  };
  handlers_.max_message_bytes = options_.max_message_bytes;
  handlers_.end_of_message = [this](MilterTransaction& transaction, const std::string& queue_id,
                                    const std::function<void()>& keep_alive) {
    return end_of_message(transaction, queue_id, keep_alive);
  };
}

MilterSource::~MilterSource() = default;

MilterSource::Counters MilterSource::counters() const {
  return Counters{pushed_.load(), stored_.load(), not_bounce_.load(), tempfailed_.load()};
}

void MilterSource::run(MessageSink& sink, std::stop_token stop) {
  {
    std::unique_lock lock(mutex_);
    if (ran_) {
      // A second smfi_main() would return at once (libmilter's stop flag is never reset):
      // changing the milter needs a restart of the daemon, not a reload.
      spdlog::error("source={} event=milter_not_restartable", options_.name);
      std::condition_variable_any stopped;
      stopped.wait(lock, stop, [] { return false; });
      return;
    }
    ran_ = true;
    sink_ = &sink;
    stopping_ = false;
  }
  std::stop_callback on_stop(stop, [this] {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    stop_deadline_ = Clock::now() + options_.drain_timeout;
    answered_.notify_all();
  });
  LibmilterSettings settings;
  settings.name = "bounced-" + options_.name;
  settings.socket = options_.socket;
  settings.socket_mode = options_.socket_mode;
  settings.mta_timeout = options_.mta_timeout;
  settings.backlog = options_.backlog;
  spdlog::info("source={} event=milter_listening socket={}", options_.name, options_.socket);
  if (auto error = run_libmilter(settings, handlers_, stop)) {
    // Not retried: libmilter cannot be started twice in one process. The MTA tempfails or
    // applies milter_default_action meanwhile; systemd restarts the daemon when it exits.
    spdlog::error("source={} event=milter_failed error=\"{}\"", options_.name, *error);
  }
  std::lock_guard lock(mutex_);
  sink_ = nullptr;
}

MilterVerdict MilterSource::tempfail(const std::string& reply) {
  ++tempfailed_;
  MilterVerdict verdict;
  verdict.action = MilterVerdict::Action::tempfail;
  verdict.reply = reply;
  return verdict;
}

MilterVerdict MilterSource::end_of_message(MilterTransaction& transaction,
                                           const std::string& queue_id,
                                           const std::function<void()>& keep_alive) {
  const bool other_recipients = transaction.has_other_recipients();
  const std::vector<std::string> our_recipients = transaction.our_recipients();
  std::uint64_t token = 0;
  MessageSink* sink = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (!sink_ || stopping_) return tempfail("bounced is restarting, try again later");
    sink = sink_;
    token = ++next_token_;
    waiting_.emplace(token, std::nullopt);
  }
  IncomingMessage message;
  message.source = options_.name;
  message.name = queue_id.empty() ? "milter-" + std::to_string(token) : queue_id;
  message.bytes = transaction.take_message();
  message.received = std::chrono::system_clock::now();
  message.token = token;
  const std::string name = message.name;
  bool pushed = false;
  {
    std::lock_guard push_lock(push_mutex_);
    pushed = sink->push(std::move(message));
  }
  if (!pushed) {
    std::lock_guard lock(mutex_);
    waiting_.erase(token);
    return tempfail("bounced is restarting, try again later");
  }
  ++pushed_;

  // Wait for the commit (or its failure), telling the MTA now and then that we are alive.
  std::optional<Outcome> outcome;
  {
    std::unique_lock lock(mutex_);
    const auto answer_deadline = Clock::now() + options_.answer_timeout;
    auto next_keep_alive = Clock::now() + kKeepAliveEvery;
    for (;;) {
      auto& slot = waiting_[token];
      if (slot) {
        outcome = slot;
        break;
      }
      auto deadline = std::min(answer_deadline, next_keep_alive);
      if (stopping_) deadline = std::min(deadline, stop_deadline_);
      const auto now = Clock::now();
      if (now >= answer_deadline || (stopping_ && now >= stop_deadline_)) break;
      if (now >= next_keep_alive) {
        lock.unlock();
        keep_alive();
        lock.lock();
        next_keep_alive = Clock::now() + kKeepAliveEvery;
        continue;
      }
      answered_.wait_until(lock, deadline);
    }
    waiting_.erase(token);
  }

  if (!outcome) {
    spdlog::warn("source={} message={} event=milter_no_answer action=tempfail", options_.name,
                 name);
    return tempfail("bounced could not store the message in time, try again later");
  }
  if (outcome->released) {
    return tempfail("bounced cannot store the message now, try again later");
  }
  MilterVerdict verdict;
  if (outcome->disposition == Disposition::not_bounce) {
    // Ordinary mail to the bounce address (a human reply) goes where the MTA would take it.
    ++not_bounce_;
    verdict.action = MilterVerdict::Action::accept;
    return verdict;
  }
  ++stored_;
  if (options_.on_stored == MilterOnStored::accept) {
    verdict.action = MilterVerdict::Action::accept;
  } else if (other_recipients) {
    // Discarding would drop the other recipients' copies too: take only ours off.
    verdict.action = MilterVerdict::Action::accept;
    verdict.remove_recipients = our_recipients;
  } else {
    verdict.action = MilterVerdict::Action::discard;
  }
  return verdict;
}

void MilterSource::acknowledge(const IncomingMessage& message, Disposition disposition) {
  std::lock_guard lock(mutex_);
  auto waiting = waiting_.find(message.token);
  if (waiting == waiting_.end()) return;  // answered tempfail already; the MTA sends it again
  waiting->second = Outcome{false, disposition};
  answered_.notify_all();
}

void MilterSource::release(const IncomingMessage& message) {
  std::lock_guard lock(mutex_);
  auto waiting = waiting_.find(message.token);
  if (waiting == waiting_.end()) return;
  waiting->second = Outcome{true, Disposition::stored};
  answered_.notify_all();
}

}  // namespace bounced::daemon::intake
