// The IMAP intake source: drains one folder of one account.
//
// One thread (run) owns the connection. It claims messages by UID (UIDVALIDITY-scoped) in
// PostgreSQL when a claim store is given, fetches them with BODY.PEEK[] (so nothing about a
// message changes before its rows commit), and pushes them to the pipeline. New mail is awaited
// with IDLE where the server offers it (CAPABILITY), by polling otherwise.
//
// acknowledge() and release() come from the writer's thread: they queue the outcome and wake
// the run thread out of IDLE, which then flags \Deleted + UID EXPUNGE, or MOVEs, in batches.
// A release leaves the message untouched; it is taken again after release_retry.
//
// Failure behaviour:
// - connection lost / server restarted: reconnect with capped exponential backoff
//   (reconnect_min doubling to reconnect_max); queued outcomes are applied after reconnecting.
// - restart of the daemon: committed messages are gone from the folder (expunged or moved), so
//   a new run simply takes what is left, by UID. Messages in flight when a daemon died keep
//   their claim until the lease passes, then another daemon (or the restarted one) takes them.
// - UIDVALIDITY change: every UID known from before is forgotten (queued outcomes for them are
//   dropped, the messages stay) and the folder is scanned from scratch; what was stored already
//   is recognised by its fingerprint and not stored twice.
// - PostgreSQL unavailable (claims): nothing new is taken; retried with the same backoff.
// - messages claimed by another daemon: the folder is scanned again every poll_interval while
//   there are any (even with IDLE), so a claim whose owner died is taken over once its lease
//   passed (claim_lease; owners renew their claims every third of it).
// - stop: run() returns at once; outcomes arriving later are applied by the caller's thread on
//   the still-open connection, or, if it is gone, the messages stay and are taken again later.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "imap_claim_store.hpp"
#include "intake/imap_options.hpp"
#include "intake/source.hpp"

namespace bounced::daemon::intake {

class ImapSession;

class ImapSource final : public Source {
 public:
  // claims may be null: then this source assumes it is the folder's only reader.
  ImapSource(ImapSourceOptions options, std::unique_ptr<store::ImapClaimStore> claims);
  ~ImapSource() override;
  ImapSource(const ImapSource&) = delete;
  ImapSource& operator=(const ImapSource&) = delete;

  const std::string& name() const override { return options_.name; }
  void run(MessageSink& sink, std::stop_token stop) override;
  void acknowledge(const IncomingMessage& message, Disposition disposition) override;
  void release(const IncomingMessage& message) override;

  // For logs and tests.
  struct Counters {
    std::uint64_t pushed = 0;
    std::uint64_t removed = 0;  // expunged or moved after commit
    std::uint64_t kept = 0;     // not-bounce mail left in place (keyword) or moved aside
    std::uint64_t released = 0;
    std::uint64_t connects = 0;
    std::uint64_t disconnects = 0;  // connections lost or dropped after a failed command
  };
  Counters counters() const;

 private:
  struct Outcome {
    std::uint64_t token = 0;
    bool released = false;
    Disposition disposition = Disposition::stored;
  };
  enum class Step { ok, imap_error, stopped };

  // Connects, creates the configured folders, selects; why it failed, or nullopt.
  std::optional<std::string> connect_and_select();
  void drop_session(const std::string& why);
  Step scan(MessageSink& sink, std::stop_token& stop);
  Step push_claimed(MessageSink& sink, std::stop_token& stop,
                    const std::vector<std::uint32_t>& uids);
  // Applies queued outcomes; an IMAP failure puts the unapplied ones back in the queue.
  Step settle();
  Step wait_for_mail(std::stop_token& stop);
  void renew_claims_if_due();
  std::vector<std::uint32_t> claim(const std::vector<std::uint32_t>& uids);
  void release_claims(const std::vector<std::uint32_t>& uids);
  void complete_claims(const std::vector<std::uint32_t>& uids);
  std::chrono::steady_clock::time_point next_deadline(std::chrono::seconds wait) const;
  void wake();
  void drain_wake();
  void sleep_interruptibly(std::chrono::steady_clock::duration duration, std::stop_token& stop);

  ImapSourceOptions options_;
  std::string account_;
  std::unique_ptr<store::ImapClaimStore> claims_;
  int wake_fd_ = -1;  // eventfd: outcomes queued or stop requested

  // The connection and everything tied to its UID space: owned by the run thread while it
  // runs, by whoever holds session_mutex_ after.
  std::mutex session_mutex_;
  std::unique_ptr<ImapSession> session_;
  std::uint32_t uidvalidity_ = 0;
  std::set<std::uint32_t> in_flight_;  // pushed, outcome not yet applied
  std::map<std::uint32_t, std::chrono::steady_clock::time_point> retry_after_;  // released
  bool need_scan_ = true;
  std::chrono::steady_clock::time_point next_renewal_{};
  std::chrono::steady_clock::time_point next_purge_{};
  // Set while other daemons hold claims on messages of the folder: they may die or give them
  // back without the server telling us anything, so the folder is scanned again at this time.
  std::optional<std::chrono::steady_clock::time_point> contested_rescan_at_;
  std::chrono::steady_clock::time_point claims_retry_at_{};
  std::chrono::seconds claims_backoff_{0};
  bool claims_down_logged_ = false;

  // Outcomes from the writer's thread.
  std::mutex outcomes_mutex_;
  std::vector<Outcome> outcomes_;
  bool running_ = false;

  std::atomic<std::uint64_t> pushed_{0}, removed_{0}, kept_{0}, released_{0}, connects_{0},
      disconnects_{0};
};

}  // namespace bounced::daemon::intake
