#include "intake/imap_source.hpp"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include "intake/imap_session.hpp"

namespace bounced::daemon::intake {

namespace {

using Clock = std::chrono::steady_clock;

// A message's token carries its UID space, so an outcome that arrives after a UIDVALIDITY
// change is recognised and dropped instead of touching a different message.
std::uint64_t make_token(std::uint32_t uidvalidity, std::uint32_t uid) {
  return (static_cast<std::uint64_t>(uidvalidity) << 32) | uid;
}
std::uint32_t token_uidvalidity(std::uint64_t token) {
  return static_cast<std::uint32_t>(token >> 32);
}
std::uint32_t token_uid(std::uint64_t token) {
  return static_cast<std::uint32_t>(token & 0xffffffffu);
}

// A write to a connection the server has closed raises SIGPIPE in the writing thread, and
// libetpan does not ask for MSG_NOSIGNAL: the default action would end the daemon. Blocked
// while this thread talks IMAP, so the write fails with EPIPE instead (a lost connection,
// handled as such); a SIGPIPE left pending is consumed before the mask is restored.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
  }
  ~SigpipeBlocked() {
    const timespec now{0, 0};
    while (sigtimedwait(&pipe_, nullptr, &now) == SIGPIPE) {
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_;
  sigset_t previous_;
};

int poll_timeout_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp<long long>(left.count(), 0, 24LL * 3600 * 1000));
}

}  // namespace

ImapSource::ImapSource(ImapSourceOptions options, std::unique_ptr<store::ImapClaimStore> claims)
    : options_(std::move(options)),
      account_(effective_account(options_)),
      claims_(std::move(claims)),
      wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

ImapSource::~ImapSource() {
  {
    SigpipeBlocked no_sigpipe;
    std::lock_guard lock(session_mutex_);
    session_.reset();  // LOGOUT
  }
  if (wake_fd_ >= 0) close(wake_fd_);
}

ImapSource::Counters ImapSource::counters() const {
  return Counters{pushed_.load(),   removed_.load(),  kept_.load(),
                  released_.load(), connects_.load(), disconnects_.load()};
}

void ImapSource::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto written = write(wake_fd_, &one, sizeof one);
}

void ImapSource::drain_wake() {
  std::uint64_t count = 0;
  [[maybe_unused]] auto got = read(wake_fd_, &count, sizeof count);
}

void ImapSource::sleep_interruptibly(Clock::duration duration, std::stop_token& stop) {
  const auto deadline = Clock::now() + duration;
  while (!stop.stop_requested() && Clock::now() < deadline) {
    pollfd fds{wake_fd_, POLLIN, 0};
    if (poll(&fds, 1, poll_timeout_ms(deadline)) > 0) drain_wake();
  }
}

void ImapSource::run(MessageSink& sink, std::stop_token stop) {
  SigpipeBlocked no_sigpipe;
  std::unique_lock session_lock(session_mutex_);
  {
    std::lock_guard lock(outcomes_mutex_);
    running_ = true;
  }
  std::stop_callback on_stop(stop, [this] { wake(); });
  auto backoff = options_.reconnect_min;
  bool down_logged = false;
  // Logged once when the server goes away and once when it is back; the attempts in between
  // only at debug level.
  auto unavailable = [&](const std::string& why) {
    if (!down_logged) {
      spdlog::warn("source={} event=imap_unavailable retry_in={}s error=\"{}\"", options_.name,
                   backoff.count(), why);
      down_logged = true;
    } else {
      spdlog::debug("source={} event=imap_retry retry_in={}s error=\"{}\"", options_.name,
                    backoff.count(), why);
    }
    sleep_interruptibly(backoff, stop);
    backoff = std::min(backoff * 2, options_.reconnect_max);
  };

  while (!stop.stop_requested()) {
    if (!session_) {
      if (auto failed = connect_and_select()) {
        unavailable(*failed);
        continue;
      }
      if (down_logged) spdlog::info("source={} event=imap_reconnected", options_.name);
      down_logged = false;
    }
    Step step = settle();
    if (step == Step::ok) {
      renew_claims_if_due();
      if (need_scan_) step = scan(sink, stop);
    }
    if (step == Step::ok && !stop.stop_requested() && !need_scan_) step = wait_for_mail(stop);
    if (step == Step::imap_error) {
      // Reconnecting at once would repeat a command the server keeps refusing (a folder we
      // may not write, say) as fast as it answers: the same backoff as for a lost server.
      drop_session("command failed");
      unavailable("command failed");
    } else {
      backoff = options_.reconnect_min;
    }
  }

  // Outcomes queued from here on are applied by the thread that delivers them.
  {
    std::lock_guard lock(outcomes_mutex_);
    running_ = false;
  }
  if (session_) settle();
}

std::optional<std::string> ImapSource::connect_and_select() {
  auto opened = ImapSession::open(options_);
  if (auto* error = std::get_if<ImapError>(&opened)) return error->message;
  auto session = std::get<std::unique_ptr<ImapSession>>(std::move(opened));
  for (const std::string* folder : {&options_.processed_folder, &options_.not_bounce_folder}) {
    if (folder->empty()) continue;
    if (auto failed = session->ensure_folder(*folder)) return failed->message;
  }
  auto selected = session->select(options_.folder);
  if (auto* error = std::get_if<ImapError>(&selected)) return error->message;
  const std::uint32_t uidvalidity = std::get<std::uint32_t>(selected);
  if (uidvalidity_ != 0 && uidvalidity != uidvalidity_) {
    // RFC 3501 section 2.3.1.1: the old UIDs mean nothing now. Forget them; the messages are
    // all scanned again and the fingerprint keeps what was stored from being stored twice.
    spdlog::warn("source={} event=imap_uidvalidity_changed folder={} old={} new={} dropped={}",
                 options_.name, options_.folder, uidvalidity_, uidvalidity, in_flight_.size());
    in_flight_.clear();
    retry_after_.clear();
  }
  uidvalidity_ = uidvalidity;
  if (claims_) {
    auto released = claims_->release_other_uidvalidities({account_, options_.folder, uidvalidity});
    if (!store::ok(released)) {
      spdlog::debug("source={} event=claims_cleanup_failed error=\"{}\"", options_.name,
                    std::get<store::StoreError>(released).to_string());
    }
  }
  session_ = std::move(session);
  need_scan_ = true;
  ++connects_;
  spdlog::info("source={} event=imap_connected host={} folder={} uidvalidity={} idle={}",
               options_.name, options_.host, options_.folder, uidvalidity_, session_->has_idle());
  return std::nullopt;
}

void ImapSource::drop_session(const std::string& why) {
  spdlog::debug("source={} event=imap_session_dropped reason=\"{}\"", options_.name, why);
  session_.reset();
  ++disconnects_;
}

std::vector<std::uint32_t> ImapSource::claim(const std::vector<std::uint32_t>& uids) {
  if (!claims_) return uids;
  if (Clock::now() < claims_retry_at_) return {};
  auto claimed = claims_->claim({account_, options_.folder, uidvalidity_}, uids);
  if (auto* error = std::get_if<store::StoreError>(&claimed)) {
    claims_backoff_ =
        std::clamp(claims_backoff_ * 2, options_.reconnect_min, options_.reconnect_max);
    claims_retry_at_ = Clock::now() + claims_backoff_;
    if (!claims_down_logged_) {
      spdlog::warn("source={} event=claims_unavailable retry_in={}s error=\"{}\"", options_.name,
                   claims_backoff_.count(), error->to_string());
      claims_down_logged_ = true;
    }
    return {};
  }
  if (claims_down_logged_) spdlog::info("source={} event=claims_available", options_.name);
  claims_down_logged_ = false;
  claims_backoff_ = std::chrono::seconds(0);
  return std::get<std::vector<std::uint32_t>>(std::move(claimed));
}

void ImapSource::release_claims(const std::vector<std::uint32_t>& uids) {
  if (!claims_ || uids.empty()) return;
  // Best effort: a claim that cannot be deleted now expires with its lease.
  auto status = claims_->release({account_, options_.folder, uidvalidity_}, uids);
  if (!store::ok(status)) {
    spdlog::debug("source={} event=claims_release_failed count={} error=\"{}\"", options_.name,
                  uids.size(), std::get<store::StoreError>(status).to_string());
  }
}

void ImapSource::complete_claims(const std::vector<std::uint32_t>& uids) {
  if (!claims_ || uids.empty()) return;
  // Best effort too: without the done marker, a daemon with a stale view could still see the
  // UID, but the server no longer has the message to give it.
  auto status = claims_->complete({account_, options_.folder, uidvalidity_}, uids);
  if (!store::ok(status)) {
    spdlog::debug("source={} event=claims_complete_failed count={} error=\"{}\"", options_.name,
                  uids.size(), std::get<store::StoreError>(status).to_string());
  }
}

void ImapSource::renew_claims_if_due() {
  if (claims_ && Clock::now() >= next_purge_) {
    next_purge_ = Clock::now() + std::chrono::hours(1);
    auto purged = claims_->purge_expired();
    if (auto* error = std::get_if<store::StoreError>(&purged)) {
      next_purge_ = Clock::now() + options_.reconnect_max;
      spdlog::debug("source={} event=claims_purge_failed error=\"{}\"", options_.name,
                    error->to_string());
    }
  }
  if (!claims_ || in_flight_.empty() || Clock::now() < next_renewal_) return;
  next_renewal_ = Clock::now() + std::max(options_.claim_lease / 3, std::chrono::seconds(1));
  auto renewed = claims_->renew();
  if (auto* error = std::get_if<store::StoreError>(&renewed)) {
    spdlog::warn("source={} event=claims_renew_failed in_flight={} error=\"{}\"", options_.name,
                 in_flight_.size(), error->to_string());
  }
}

ImapSource::Step ImapSource::scan(MessageSink& sink, std::stop_token& stop) {
  need_scan_ = false;
  session_->clear_exists_seen();
  auto searched = session_->search_pending(
      options_.not_bounce_folder.empty() ? options_.kept_keyword : std::string());
  if (auto* error = std::get_if<ImapError>(&searched)) {
    spdlog::warn("source={} event=imap_error error=\"{}\"", options_.name, error->message);
    return Step::imap_error;
  }
  const auto now = Clock::now();
  const auto& pending = std::get<std::vector<std::uint32_t>>(searched);
  // Released messages that someone else has taken out of the folder meanwhile.
  std::erase_if(retry_after_, [&](const auto& entry) {
    return !std::binary_search(pending.begin(), pending.end(), entry.first);
  });
  std::vector<std::uint32_t> candidates;
  for (std::uint32_t uid : pending) {
    if (in_flight_.count(uid)) continue;
    if (auto retry = retry_after_.find(uid); retry != retry_after_.end()) {
      if (now < retry->second) continue;
      retry_after_.erase(retry);
    }
    candidates.push_back(uid);
  }

  const std::size_t batch_size = std::max<std::size_t>(options_.fetch_batch, 1);
  bool contested = false;
  contested_rescan_at_.reset();
  for (std::size_t begin = 0; begin < candidates.size() && !stop.stop_requested();
       begin += batch_size) {
    // Outcomes are applied between batches so a long backlog does not hold them up.
    if (Step settled = settle(); settled != Step::ok) return settled;
    renew_claims_if_due();
    const auto end = std::min(candidates.size(), begin + batch_size);
    const std::vector<std::uint32_t> batch(candidates.begin() + static_cast<long>(begin),
                                           candidates.begin() + static_cast<long>(end));
    const std::vector<std::uint32_t> claimed = claim(batch);
    if (claimed.size() < batch.size()) contested = true;
    if (claims_ && Clock::now() < claims_retry_at_) {
      // The database is away: nothing is taken. wait_for_mail wakes at claims_retry_at_ and
      // the scan runs again then.
      return Step::ok;
    }
    if (Step pushed = push_claimed(sink, stop, claimed); pushed != Step::ok) return pushed;
  }
  if (contested) contested_rescan_at_ = Clock::now() + options_.poll_interval;
  // EXISTS during the scan: mail arrived after the SEARCH ran; look again before idling.
  if (session_->exists_seen()) need_scan_ = true;
  return Step::ok;
}

ImapSource::Step ImapSource::push_claimed(MessageSink& sink, std::stop_token& stop,
                                          const std::vector<std::uint32_t>& uids) {
  if (uids.empty()) return Step::ok;
  auto fetched = session_->fetch(uids);
  if (auto* error = std::get_if<ImapError>(&fetched)) {
    release_claims(uids);
    spdlog::warn("source={} event=imap_error error=\"{}\"", options_.name, error->message);
    return Step::imap_error;
  }
  auto& messages = std::get<std::vector<FetchedMessage>>(fetched);
  // Expunged by someone else between SEARCH and FETCH: nothing to take.
  std::vector<std::uint32_t> vanished;
  for (std::uint32_t uid : uids) {
    if (std::none_of(messages.begin(), messages.end(),
                     [uid](const FetchedMessage& m) { return m.uid == uid; })) {
      vanished.push_back(uid);
    }
  }
  release_claims(vanished);

  for (std::size_t i = 0; i < messages.size(); ++i) {
    FetchedMessage& fetched_message = messages[i];
    IncomingMessage message;
    message.source = options_.name;
    message.name = options_.folder + "/" + std::to_string(uidvalidity_) + "/" +
                   std::to_string(fetched_message.uid);
    message.bytes = std::move(fetched_message.bytes);
    message.received = fetched_message.internal_date;
    message.token = make_token(uidvalidity_, fetched_message.uid);
    if (in_flight_.empty()) {
      next_renewal_ = Clock::now() + std::max(options_.claim_lease / 3, std::chrono::seconds(1));
    }
    in_flight_.insert(fetched_message.uid);
    if (stop.stop_requested() || !sink.push(std::move(message))) {
      // The pipeline is stopping and never saw these: give them back.
      std::vector<std::uint32_t> unpushed;
      for (std::size_t j = i; j < messages.size(); ++j) {
        in_flight_.erase(messages[j].uid);
        unpushed.push_back(messages[j].uid);
      }
      release_claims(unpushed);
      return Step::stopped;
    }
    ++pushed_;
  }
  return Step::ok;
}

void ImapSource::acknowledge(const IncomingMessage& message, Disposition disposition) {
  bool running = false;
  {
    std::lock_guard lock(outcomes_mutex_);
    outcomes_.push_back({message.token, false, disposition});
    running = running_;
  }
  if (running) {
    wake();
    return;
  }
  SigpipeBlocked no_sigpipe;
  std::lock_guard session_lock(session_mutex_);
  if (session_) settle();
}

void ImapSource::release(const IncomingMessage& message) {
  bool running = false;
  {
    std::lock_guard lock(outcomes_mutex_);
    outcomes_.push_back({message.token, true, Disposition::stored});
    running = running_;
  }
  if (running) {
    wake();
    return;
  }
  SigpipeBlocked no_sigpipe;
  std::lock_guard session_lock(session_mutex_);
  settle();
}

ImapSource::Step ImapSource::settle() {
  std::vector<Outcome> outcomes;
  {
    std::lock_guard lock(outcomes_mutex_);
    outcomes.swap(outcomes_);
  }
  if (outcomes.empty()) return Step::ok;

  // Group by what the folder must do; outcomes from another UID space are dropped.
  std::vector<Outcome> remove, aside, keep;
  std::vector<std::uint32_t> given_back;
  const auto now = Clock::now();
  for (const Outcome& outcome : outcomes) {
    if (token_uidvalidity(outcome.token) != uidvalidity_) continue;
    const std::uint32_t uid = token_uid(outcome.token);
    if (outcome.released) {
      in_flight_.erase(uid);
      retry_after_[uid] = now + options_.release_retry;
      given_back.push_back(uid);
      ++released_;
    } else if (outcome.disposition == Disposition::not_bounce) {
      (options_.not_bounce_folder.empty() ? keep : aside).push_back(outcome);
    } else {
      remove.push_back(outcome);
    }
  }
  release_claims(given_back);
  if (!session_) {
    // No connection (after run() ended on a lost one): the messages stay; their claims expire.
    return Step::ok;
  }
  if (given_back.size() == outcomes.size()) return Step::ok;

  auto uids_of = [](const std::vector<Outcome>& group) {
    std::vector<std::uint32_t> uids;
    for (const auto& outcome : group) uids.push_back(token_uid(outcome.token));
    return uids;
  };
  // Removes the group's messages from the folder: MOVE where offered, else COPY + delete.
  auto remove_from_folder = [&](const std::vector<std::uint32_t>& uids,
                                const std::string& to_folder) -> ImapStatus {
    if (!to_folder.empty() && session_->has_move()) return session_->uid_move(uids, to_folder);
    if (!to_folder.empty()) {
      if (auto failed = session_->uid_copy(uids, to_folder)) return failed;
    }
    if (auto failed = session_->add_flag(uids, "\\Deleted")) return failed;
    // Without UIDPLUS, EXPUNGE removes every \Deleted message of the folder, not only ours:
    // a dedicated bounce mailbox is assumed.
    return session_->has_uidplus() ? session_->uid_expunge(uids) : session_->expunge();
  };

  struct Group {
    std::vector<Outcome>* outcomes;
    std::function<ImapStatus(const std::vector<std::uint32_t>&)> apply;
    std::atomic<std::uint64_t>* counter;
  };
  const std::string processed =
      options_.after_commit == ImapAfterCommit::move ? options_.processed_folder : std::string();
  Group groups[] = {
      {&remove, [&](const auto& uids) { return remove_from_folder(uids, processed); }, &removed_},
      {&aside,
       [&](const auto& uids) { return remove_from_folder(uids, options_.not_bounce_folder); },
       &kept_},
      {&keep, [&](const auto& uids) { return session_->add_flag(uids, options_.kept_keyword); },
       &kept_},
  };
  for (std::size_t g = 0; g < std::size(groups); ++g) {
    if (groups[g].outcomes->empty()) continue;
    const auto uids = uids_of(*groups[g].outcomes);
    if (auto failed = groups[g].apply(uids)) {
      // Not applied: queue this group and the ones after it again for the next connection.
      spdlog::warn("source={} event=imap_error error=\"{}\"", options_.name, failed->message);
      std::lock_guard lock(outcomes_mutex_);
      for (std::size_t rest = g; rest < std::size(groups); ++rest) {
        outcomes_.insert(outcomes_.end(), groups[rest].outcomes->begin(),
                         groups[rest].outcomes->end());
      }
      return Step::imap_error;
    }
    for (std::uint32_t uid : uids) in_flight_.erase(uid);
    *groups[g].counter += uids.size();
    complete_claims(uids);
  }
  return Step::ok;
}

Clock::time_point ImapSource::next_deadline(std::chrono::seconds wait) const {
  auto deadline = Clock::now() + wait;
  if (claims_ && !in_flight_.empty()) deadline = std::min(deadline, next_renewal_);
  if (!retry_after_.empty()) {
    for (const auto& [uid, at] : retry_after_) deadline = std::min(deadline, at);
  }
  if (claims_ && claims_retry_at_ > Clock::now()) deadline = std::min(deadline, claims_retry_at_);
  if (contested_rescan_at_) deadline = std::min(deadline, *contested_rescan_at_);
  return deadline;
}

ImapSource::Step ImapSource::wait_for_mail(std::stop_token& stop) {
  const bool idle = session_->has_idle();
  const auto wait = idle ? options_.idle_refresh : options_.poll_interval;
  const auto deadline = next_deadline(wait);
  bool server_spoke = false;
  if (idle) {
    if (auto failed = session_->idle_start()) {
      spdlog::warn("source={} event=imap_error error=\"{}\"", options_.name, failed->message);
      return Step::imap_error;
    }
    server_spoke = session_->has_buffered_input();
    while (!server_spoke && !stop.stop_requested() && Clock::now() < deadline) {
      pollfd fds[2] = {{session_->fd(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      int ready = poll(fds, 2, poll_timeout_ms(deadline));
      if (ready < 0 && errno != EINTR) break;
      if (fds[0].revents) server_spoke = true;
      if (fds[1].revents) {
        drain_wake();
        break;  // outcomes to apply or stop: leave IDLE
      }
    }
    if (auto failed = session_->idle_done()) {
      spdlog::warn("source={} event=imap_error error=\"{}\"", options_.name, failed->message);
      return Step::imap_error;
    }
  } else {
    while (!stop.stop_requested() && Clock::now() < deadline) {
      pollfd fds{wake_fd_, POLLIN, 0};
      if (poll(&fds, 1, poll_timeout_ms(deadline)) > 0) {
        drain_wake();
        break;
      }
    }
  }
  // Scan after the server spoke (EXISTS), when a poll period or IDLE refresh passed, or when a
  // released message's retry time came; not after a mere wake-up for outcomes.
  if (server_spoke || Clock::now() >= deadline) need_scan_ = true;
  return Step::ok;
}

}  // namespace bounced::daemon::intake
