// The contract between the daemon's intake sources (Maildir, IMAP, milter, pipe) and its
// pipeline (parse -> classify -> batching writer -> acknowledge).
//
// A source claims a message so that no other process takes it too, hands it to the pipeline,
// and learns its fate only through acknowledge() or release(), both called by the pipeline after
// the batch holding the message committed or failed. Nothing leaves its source before that:
// the source and the database together are the spool (Postfix's queue discipline).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

namespace bounced::daemon::intake {

struct IncomingMessage {
  std::string source;  // the configured source's name ("bounces-maildir", "imap-main", ...)
  std::string name;    // unique within the source: a file path, "INBOX/1234567/42", a queue id
  std::string bytes;   // the message as received
  std::chrono::system_clock::time_point received;  // when the MTA delivered it to the source
  std::uint64_t token = 0;  // the source's own handle for acknowledge()/release()
};

// What became of a message once its batch committed.
enum class Disposition {
  stored,       // a bounce, auto-reply, complaint or delivery report: rows committed
  not_bounce,   // ordinary mail (a human reply, spam): committed as counted, never deleted
  quarantined,  // unreadable or over a limit: a copy and its reason are on disk (fsync'ed)
};

// Where a source puts what it claimed. push() blocks while the pipeline's queue is full
// (backpressure) and returns false once the daemon is stopping: the source must then release
// the message itself, since the pipeline never saw it.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual bool push(IncomingMessage message) = 0;

  // False while the database is unavailable: push() would then wait until it is back (or the
  // daemon stops). A source whose sender is waiting (the milter) can answer "try again later"
  // at once instead of pushing.
  virtual bool store_available() const { return true; }
};

class Source {
 public:
  virtual ~Source() = default;

  virtual const std::string& name() const = 0;

  // Claims and pushes messages until stop is requested. Waits for new mail (inotify, IMAP IDLE,
  // the MTA's next connection) rather than spinning. Errors that go away (a server restart, a
  // lost connection) are retried here with backoff; run() returns only when stopping.
  virtual void run(MessageSink& sink, std::stop_token stop) = 0;

  // The message's rows committed: move it to the processed/not-bounce folder, delete it, flag
  // it, or answer the MTA, as configured. Called from the pipeline's acknowledging thread: one
  // thread makes every acknowledge() and release() call, in the order the writer decided.
  virtual void acknowledge(const IncomingMessage& message, Disposition disposition) = 0;

  // The message could not be committed now (database unavailable, daemon stopping): give it
  // back untouched so that this or another process takes it again later.
  virtual void release(const IncomingMessage& message) = 0;
};

}  // namespace bounced::daemon::intake
