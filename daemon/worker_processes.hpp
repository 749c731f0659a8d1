// Runs one job over a stream of messages in forked worker processes and hands the results back
// in input order: what `bounced classify -j N` runs its pipeline on.
//
// Why processes and not threads: threads of one process shared GLib's signal lock (every
// g_object_unref of a parsed message), glibc's gconv lock (iconv_open) and RE2's DFA rwlock, and
// two of them gained only 1.37x over one. Workers forked after the pipeline is built share its
// compiled rules copy-on-write and take none of those locks from each other.
//
// The parent hands each message (its bytes, or the name of a file for the worker to read) to
// the worker with the least queued, bounded per worker and in all so that memory stays bounded
// and a slow message does not stall the others. Each worker answers in the order it got its
// messages, in batches, so that the parent wakes once per batch; the parent delivers every
// answer in input order. A worker that dies (a crash, a kill) is replaced. The message it was on
// - which it marks in memory shared with the parent, so a batch of answers lost with it does not
// blur that - is tried once more on another worker, and if that one dies on it too, it is
// delivered through `lost` with the reason: no message is ever silently dropped. The others it
// held go to the other workers.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "intake/message_source.hpp"

namespace bounced::daemon {

class WorkerProcesses {
 public:
  // Runs in a worker, once per message: the bytes the parent gets back for it.
  using Job = std::function<std::string(const SourceMessage&)>;
  // Runs in the parent, once per message, in input order, with its result.
  using Deliver = std::function<void(std::string_view result)>;
  // Runs in the parent for a message no worker could answer: the result to deliver instead.
  using Lost = std::function<std::string(const SourceMessage&, const std::string& reason)>;

  // Forks `workers` processes running `job`. Precondition: the calling process runs no other
  // thread - fork copies only the calling thread, so a lock another one held (malloc's, GLib's)
  // would stay locked in the worker forever; std::logic_error if it does.
  WorkerProcesses(unsigned workers, Job job, Deliver deliver, Lost lost);
  WorkerProcesses(const WorkerProcesses&) = delete;
  WorkerProcesses& operator=(const WorkerProcesses&) = delete;
  // Kills and reaps the workers still running (after finish() there are none).
  ~WorkerProcesses();

  // Queues a message; waits (delivering earlier results) while every worker has its share.
  void submit(SourceMessage message);
  // Queues a result that needs no worker (a message that could not even be read), to be
  // delivered in its place in the input order.
  void submit_answered(std::string result);
  // Delivers every remaining result, then lets the workers exit and reaps them.
  void finish();

  // The workers running now (tests kill one to see its message survive).
  std::vector<pid_t> worker_ids() const;

 private:
  struct Worker {
    pid_t pid = -1;
    int socket = -1;                           // the parent's end, non-blocking
    std::atomic<int64_t>* progress = nullptr;  // shared: the message it is on, -1 between
    size_t answered = 0;                       // answers received: its first unanswered one
    std::string outbox;                        // framed messages not yet written to it
    size_t outbox_sent = 0;                    // bytes of outbox already written
    std::deque<size_t> in_flight;  // sequence numbers sent and not answered, oldest first
    size_t in_flight_bytes = 0;    // their message bytes
    std::string inbox;             // result bytes read, not yet a whole frame
  };
  struct Entry {
    SourceMessage message;
    std::optional<std::string> result;
    unsigned deaths = 0;  // workers that died while this message was the one being worked on
  };

  bool start_worker();
  bool has_room() const;
  Worker* least_busy();
  // Queues the message for the least busy worker: that worker, or null when there is none and
  // the message has been given up.
  Worker* dispatch(size_t sequence);
  // Waits until a worker answers (or can take more bytes, or dies), then writes what it can,
  // reads what has arrived and delivers what is next in order.
  void pump();
  void write_some(Worker& worker);
  // False when the worker has gone (end of file or an error).
  bool read_some(Worker& worker);
  void take_results(Worker& worker);
  // Reaps a worker that has gone, replaces it and sends its unanswered messages elsewhere.
  void bury(size_t index);
  void deliver_ready();
  Entry& entry(size_t sequence) { return pending_[sequence - first_sequence_]; }
  void stop_all();

  Job job_;
  Deliver deliver_;
  Lost lost_;
  unsigned wanted_ = 0;              // how many workers to keep running
  unsigned unexplained_deaths_ = 0;  // workers that died with no message to blame
  std::vector<Worker> workers_;
  std::deque<Entry> pending_;  // messages not yet delivered, from first_sequence_ on
  size_t first_sequence_ = 0;
};

}  // namespace bounced::daemon
