// The milter intake source: the MTA (Postfix smtpd_milters / non_smtpd_milters, Sendmail
// INPUT_MAIL_FILTER) hands over mail for the bounce address while its SMTP client waits for the
// end-of-DATA reply. The message goes into the pipeline and the milter answers only once its
// fate is known:
// - rows committed (acknowledge): SMFIS_DISCARD or SMFIS_ACCEPT as configured; mail that is
//   not a bounce is always accepted so the MTA delivers it normally (never deleted);
// - release (database unavailable, daemon stopping) or no answer within answer_timeout:
//   SMFIS_TEMPFAIL, so the sending MTA keeps the mail and tries again later.
// The MTA's queue is the spool: nothing is ever held only in bounced's memory.
//
// libmilter allows one milter per process (see libmilter_runner.hpp), so create() refuses a
// second one. run() may be called once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "intake/libmilter_runner.hpp"
#include "intake/milter_options.hpp"
#include "intake/source.hpp"

namespace bounced::daemon::intake {

class MilterSource final : public Source {
 public:
  // An error when the options are unusable or this process already has a milter.
  static std::variant<std::unique_ptr<MilterSource>, std::string> create(
      MilterSourceOptions options);
  ~MilterSource() override;

  const std::string& name() const override { return options_.name; }
  void run(MessageSink& sink, std::stop_token stop) override;
  void acknowledge(const IncomingMessage& message, Disposition disposition) override;
  void release(const IncomingMessage& message) override;

  struct Counters {
    std::uint64_t pushed = 0;
    std::uint64_t stored = 0;      // answered discard/accept after commit
    std::uint64_t not_bounce = 0;  // answered accept: delivered as ordinary mail
    std::uint64_t tempfailed = 0;  // released, timed out or stopping
  };
  Counters counters() const;

 private:
  explicit MilterSource(MilterSourceOptions options);
  MilterVerdict end_of_message(MilterTransaction& transaction, const std::string& queue_id,
                               const std::function<void()>& keep_alive);
  MilterVerdict tempfail(const std::string& reply);

  struct Outcome {
    bool released = false;
    Disposition disposition = Disposition::stored;
  };

  MilterSourceOptions options_;
  MilterHandlers handlers_;

  std::mutex mutex_;
  std::condition_variable answered_;
  std::map<std::uint64_t, std::optional<Outcome>> waiting_;  // token -> outcome once known
  MessageSink* sink_ = nullptr;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_deadline_{};
  std::mutex push_mutex_;  // one push at a time, whatever the number of MTA connections
  std::uint64_t next_token_ = 0;
  bool ran_ = false;  // libmilter runs once per process

  std::atomic<std::uint64_t> pushed_{0}, stored_{0}, not_bounce_{0}, tempfailed_{0};
};

}  // namespace bounced::daemon::intake
