#include "worker_processes.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <new>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace bounced::daemon {

namespace {

// Per worker at most this many messages or bytes sent and not answered (but always one), and
// at most this many messages waiting for their turn to be delivered in all: enough to keep a
// worker busy while the parent reads, small enough that memory does not grow with the input.
constexpr size_t kMaxInFlight = 64;
constexpr size_t kMaxInFlightBytes = 4 << 20;
constexpr size_t kMaxPendingPerWorker = 512;
// A message is given up after this many workers died on it: the first death may be someone
// else's doing (a kill, the OOM killer), the second is the message's.
constexpr unsigned kTries = 2;
constexpr size_t kAnswerBatchBytes = 64 * 1024;
constexpr size_t kSendBatchBytes = 16 * 1024;

// A frame to a worker: unread (u8), name size (u32), bytes size (u64), name, bytes. From a
// worker: result size (u64), result. Both ends are this process and its fork: native order.
constexpr size_t kMessageHeader = 1 + sizeof(uint32_t) + sizeof(uint64_t);
constexpr size_t kResultHeader = sizeof(uint64_t);

size_t threads_running() {
  std::error_code error;
  size_t count = 0;
  for (std::filesystem::directory_iterator it("/proc/self/task", error), end; !error && it != end;
       it.increment(error)) {
    ++count;
  }
  return error ? 1 : count;  // no /proc: nothing to check with
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended (wait status " + std::to_string(status) + ")";
}

// Sends all of the buffers, blocking; false once the parent has gone.
bool send_all(int socket, iovec* parts, size_t count) {
  while (count > 0) {
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = count;
    const ssize_t n = ::sendmsg(socket, &message, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    auto left = static_cast<size_t>(n);
    while (count > 0 && left >= parts->iov_len) {
      left -= parts->iov_len;
      ++parts;
      --count;
    }
    if (count > 0) {
      parts->iov_base = static_cast<char*>(parts->iov_base) + left;
      parts->iov_len -= left;
    }
  }
  return true;
}

// The worker's side of its socket: whole messages out of a buffered blocking read.
class MessageReader {
 public:
  explicit MessageReader(int socket) : socket_(socket), buffer_(256 * 1024) {}

  // False at the end of the stream (the parent has finished or gone).
  bool next(SourceMessage& message) {
    char header[kMessageHeader];
    if (!read_exact(header, sizeof header)) return false;
    uint32_t name_size = 0;
    uint64_t bytes_size = 0;
    message.unread = header[0] != 0;
    std::memcpy(&name_size, header + 1, sizeof name_size);
    std::memcpy(&bytes_size, header + 1 + sizeof name_size, sizeof bytes_size);
    message.name.resize(name_size);
    message.bytes.resize(bytes_size);
    return read_exact(message.name.data(), name_size) &&
           read_exact(message.bytes.data(), bytes_size);
  }

  // True when next() can go on without waiting for the parent: a whole message is buffered, or
  // more bytes have arrived.
  bool ready() {
    const size_t buffered = end_ - begin_;
    if (buffered >= kMessageHeader) {
      uint32_t name_size = 0;
      uint64_t bytes_size = 0;
      std::memcpy(&name_size, buffer_.data() + begin_ + 1, sizeof name_size);
      std::memcpy(&bytes_size, buffer_.data() + begin_ + 1 + sizeof name_size, sizeof bytes_size);
      if (buffered - kMessageHeader >= name_size + bytes_size) return true;
    }
    std::memmove(buffer_.data(), buffer_.data() + begin_, buffered);
    begin_ = 0;
    end_ = buffered;
    if (end_ == buffer_.size()) return true;  // a message larger than the buffer, arriving
    ssize_t n = 0;
    do {
      n = ::recv(socket_, buffer_.data() + end_, buffer_.size() - end_, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n > 0) end_ += static_cast<size_t>(n);
    return n >= 0;  // bytes, or the end that next() reports at once; not: it would wait
  }

 private:
  bool read_exact(char* out, size_t size) {
    const size_t buffered = std::min(size, end_ - begin_);
    std::memcpy(out, buffer_.data() + begin_, buffered);
    begin_ += buffered;
    out += buffered;
    size -= buffered;
    while (size > 0) {
      // A large message goes straight to its place; small ones come through the buffer.
      const bool direct = size >= buffer_.size();
      char* into = direct ? out : buffer_.data();
      const ssize_t n = ::recv(socket_, into, direct ? size : buffer_.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      const auto got = static_cast<size_t>(n);
      if (direct) {
        out += got;
        size -= got;
        continue;
      }
      begin_ = std::min(size, got);
      end_ = got;
      std::memcpy(out, buffer_.data(), begin_);
      out += begin_;
      size -= begin_;
    }
    return true;
  }

  int socket_;
  std::vector<char> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

// A worker's whole life: answer each message in turn until the parent closes the socket.
// Answers go back in batches - a quarter of what the parent keeps queued, or whatever is done
// before the worker would wait for more - so that the parent is woken once per batch, not once
// per message. _exit, not exit: the parent's atexit handlers and stdio buffers are the parent's.
[[noreturn]] void serve(int socket, const WorkerProcesses::Job& job,
                        std::atomic<int64_t>& progress) {
  MessageReader reader(socket);
  SourceMessage message;
  std::string answers;
  size_t batched = 0;
  size_t started = 0;
  auto flush = [&] {
    iovec all{answers.data(), answers.size()};
    if (!send_all(socket, &all, 1)) ::_exit(0);  // the parent has gone
    answers.clear();
    batched = 0;
  };
  for (;;) {
    if (batched > 0 && !reader.ready()) flush();
    if (!reader.next(message)) break;
    progress.store(static_cast<int64_t>(started++), std::memory_order_relaxed);
    const std::string result = job(message);
    progress.store(-1, std::memory_order_relaxed);
    const uint64_t size = result.size();
    answers.append(reinterpret_cast<const char*>(&size), sizeof size);
    answers.append(result);
    if (++batched >= kMaxInFlight / 4 || answers.size() >= kAnswerBatchBytes) flush();
  }
  if (batched > 0) flush();
  ::_exit(0);
}

}  // namespace

WorkerProcesses::WorkerProcesses(unsigned workers, Job job, Deliver deliver, Lost lost)
    : job_(std::move(job)), deliver_(std::move(deliver)), lost_(std::move(lost)), wanted_(workers) {
  if (threads_running() > 1) {
    throw std::logic_error("worker processes must be forked before any other thread starts");
  }
  for (unsigned i = 0; i < workers; ++i) start_worker();
}

WorkerProcesses::~WorkerProcesses() {
  for (auto& worker : workers_) ::kill(worker.pid, SIGKILL);
  stop_all();
}

bool WorkerProcesses::start_worker() {
  // Shared with the worker: which message it is on, so that a crash is pinned on that message
  // even when the worker had answered others in a batch it had not sent yet.
  void* shared = ::mmap(nullptr, sizeof(std::atomic<int64_t>), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) return false;
  auto* progress = new (shared) std::atomic<int64_t>(-1);
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    ::munmap(shared, sizeof *progress);
    return false;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(ends[0]);
    ::close(ends[1]);
    ::munmap(shared, sizeof *progress);
    return false;
  }
  if (pid == 0) {
    // The other workers' sockets stay the parent's alone: a copy here would keep them open
    // after the parent closed them, and their workers would never see the end.
    ::close(ends[0]);
    for (const auto& other : workers_) ::close(other.socket);
    // A worker never outlives the parent (killed, or dead of SIGPIPE on a closed stdout).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(0);
    serve(ends[1], job_, *progress);
  }
  ::close(ends[1]);
  ::fcntl(ends[0], F_SETFL, ::fcntl(ends[0], F_GETFL) | O_NONBLOCK);
  Worker worker;
  worker.pid = pid;
  worker.socket = ends[0];
  worker.progress = progress;
  workers_.push_back(std::move(worker));
  return true;
}

std::vector<pid_t> WorkerProcesses::worker_ids() const {
  std::vector<pid_t> ids;
  for (const auto& worker : workers_) ids.push_back(worker.pid);
  return ids;
}

bool WorkerProcesses::has_room() const {
  if (workers_.empty()) return true;  // nothing can run: submit() gives the message up at once
  if (pending_.size() >= kMaxPendingPerWorker * workers_.size()) return false;
  return std::any_of(workers_.begin(), workers_.end(), [](const Worker& worker) {
    return worker.in_flight.empty() ||
           (worker.in_flight.size() < kMaxInFlight && worker.in_flight_bytes < kMaxInFlightBytes);
  });
}

WorkerProcesses::Worker* WorkerProcesses::least_busy() {
  Worker* best = nullptr;
  for (auto& worker : workers_) {
    if (best == nullptr || worker.in_flight.size() < best->in_flight.size() ||
        (worker.in_flight.size() == best->in_flight.size() &&
         worker.in_flight_bytes < best->in_flight_bytes)) {
      best = &worker;
    }
  }
  return best;
}

void WorkerProcesses::submit(SourceMessage message) {
  while (!has_room()) pump();
  pending_.push_back(Entry{std::move(message), std::nullopt, 0});
  Worker* worker = dispatch(first_sequence_ + pending_.size() - 1);
  // Messages go out in batches, at the latest when the parent waits (pump() writes every
  // outbox first), early when the worker's queue runs short; answers are collected only when
  // the parent waits too, so it wakes once per batch of answers rather than once per message.
  if (worker != nullptr && (worker->outbox.size() - worker->outbox_sent >= kSendBatchBytes ||
                            worker->in_flight.size() <= kMaxInFlight / 4)) {
    write_some(*worker);
  }
}

void WorkerProcesses::submit_answered(std::string result) {
  pending_.push_back(Entry{SourceMessage{}, std::move(result), 0});
  deliver_ready();
}

WorkerProcesses::Worker* WorkerProcesses::dispatch(size_t sequence) {
  Entry& job = entry(sequence);
  Worker* worker = least_busy();
  if (worker == nullptr) {
    job.result = lost_(job.message, "no worker process could be started");
    return nullptr;
  }
  const auto name_size = static_cast<uint32_t>(job.message.name.size());
  const uint64_t bytes_size = job.message.bytes.size();
  char header[kMessageHeader];
  header[0] = job.message.unread ? 1 : 0;
  std::memcpy(header + 1, &name_size, sizeof name_size);
  std::memcpy(header + 1 + sizeof name_size, &bytes_size, sizeof bytes_size);
  worker->outbox.append(header, sizeof header);
  worker->outbox.append(job.message.name);
  worker->outbox.append(job.message.bytes);
  worker->in_flight.push_back(sequence);
  worker->in_flight_bytes += job.message.bytes.size();
  return worker;
}

void WorkerProcesses::write_some(Worker& worker) {
  while (worker.outbox_sent < worker.outbox.size()) {
    const ssize_t n =
        ::send(worker.socket, worker.outbox.data() + worker.outbox_sent,
               worker.outbox.size() - worker.outbox_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;  // full for now, or the worker has gone: its end of file says which
    worker.outbox_sent += static_cast<size_t>(n);
  }
  if (worker.outbox_sent == worker.outbox.size()) {
    worker.outbox.clear();
    worker.outbox_sent = 0;
  } else if (worker.outbox_sent > (1u << 20)) {
    worker.outbox.erase(0, worker.outbox_sent);
    worker.outbox_sent = 0;
  }
}

bool WorkerProcesses::read_some(Worker& worker) {
  char chunk[64 * 1024];
  for (;;) {
    const ssize_t n = ::recv(worker.socket, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) {
      worker.inbox.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

void WorkerProcesses::take_results(Worker& worker) {
  size_t offset = 0;
  while (worker.inbox.size() - offset >= kResultHeader && !worker.in_flight.empty()) {
    uint64_t size = 0;
    std::memcpy(&size, worker.inbox.data() + offset, sizeof size);
    if (worker.inbox.size() - offset - kResultHeader < size) break;
    Entry& done = entry(worker.in_flight.front());
    worker.in_flight.pop_front();
    ++worker.answered;
    worker.in_flight_bytes -= done.message.bytes.size();
    done.result.emplace(worker.inbox, offset + kResultHeader, size);
    done.message.bytes = std::string();  // answered: its bytes are not needed any more
    offset += kResultHeader + size;
  }
  worker.inbox.erase(0, offset);
}

void WorkerProcesses::pump() {
  if (workers_.empty()) {  // every message left has been given up and has its result
    deliver_ready();
    return;
  }
  std::vector<pollfd> polled;
  polled.reserve(workers_.size());
  for (auto& worker : workers_) {
    write_some(worker);
    const bool more = worker.outbox_sent < worker.outbox.size();
    polled.push_back({worker.socket, static_cast<short>(POLLIN | (more ? POLLOUT : 0)), 0});
  }
  if (::poll(polled.data(), polled.size(), -1) < 0) {
    if (errno == EINTR) return;
    throw std::system_error(errno, std::generic_category(), "poll");
  }
  std::vector<size_t> gone;
  for (size_t i = 0; i < polled.size(); ++i) {
    Worker& worker = workers_[i];
    if (polled[i].revents & POLLOUT) write_some(worker);
    if (polled[i].revents & (POLLIN | POLLHUP | POLLERR)) {
      const bool alive = read_some(worker);
      take_results(worker);
      if (!alive) gone.push_back(i);
    }
  }
  // From the last: bury() erases its worker, and the indices before it stay valid.
  for (auto i = gone.rbegin(); i != gone.rend(); ++i) bury(*i);
  deliver_ready();
}

void WorkerProcesses::bury(size_t index) {
  Worker dead = std::move(workers_[index]);
  workers_.erase(workers_.begin() + static_cast<std::ptrdiff_t>(index));
  ::kill(dead.pid, SIGKILL);  // it closed its socket, so it has exited or is exiting: make sure
  ::close(dead.socket);
  int status = 0;
  while (::waitpid(dead.pid, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string how = describe_exit(status);
  // The message it was on, from the progress it left: the ones before it were answered in a
  // batch that died with it, the ones after were only queued; both go to another worker.
  const int64_t on = dead.progress->load(std::memory_order_relaxed);
  ::munmap(dead.progress, sizeof *dead.progress);
  std::optional<size_t> culprit;
  if (on >= 0 && static_cast<size_t>(on) >= dead.answered &&
      static_cast<size_t>(on) - dead.answered < dead.in_flight.size()) {
    culprit = static_cast<size_t>(on) - dead.answered;
  }
  // A death no message explains (a kill between messages, a worker that cannot even start) is
  // made good a bounded number of times, so that it cannot become a fork loop.
  if (culprit || ++unexplained_deaths_ <= 2 * wanted_) start_worker();
  for (size_t k = 0; k < dead.in_flight.size(); ++k) {
    Entry& job = entry(dead.in_flight[k]);
    if (k == culprit && ++job.deaths >= kTries) {
      job.result = lost_(job.message, "the worker process classifying it died, " +
                                          std::to_string(job.deaths) + " times; last " + how);
      job.message.bytes = std::string();
      continue;
    }
    dispatch(dead.in_flight[k]);
  }
}

void WorkerProcesses::deliver_ready() {
  while (!pending_.empty() && pending_.front().result) {
    const std::string result = std::move(*pending_.front().result);
    pending_.pop_front();
    ++first_sequence_;
    deliver_(result);
  }
}

void WorkerProcesses::finish() {
  while (!pending_.empty()) pump();
  stop_all();
}

void WorkerProcesses::stop_all() {
  // Closing the parent's end is the workers' end of input: each exits when it reads it.
  for (auto& worker : workers_) ::close(worker.socket);
  for (auto& worker : workers_) {
    while (::waitpid(worker.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    ::munmap(worker.progress, sizeof *worker.progress);
  }
  workers_.clear();
}

}  // namespace bounced::daemon
