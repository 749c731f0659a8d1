#include "maillog_reader.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "address.hpp"
#include "codec.hpp"
#include "pq.hpp"
#include "send_record.hpp"
#include "send_store.hpp"
#include "store_tx.hpp"

namespace bounced::store {

struct MaillogReader::OpenLog {
  std::string path;
  gzFile file = nullptr;
  ino_t inode = 0;
  std::string key;       // SHA-256 of the first line
  long long offset = 0;  // bytes of complete lines consumed (uncompressed)
  long long line = 0;
  int year = 1970;
  ~OpenLog() {
    if (file) gzclose(file);
  }
};

namespace {

// One line including its '\n'; false when no complete line is there (yet).
bool read_line(gzFile file, std::string& line, std::string& partial) {
  char buffer[8192];
  while (gzgets(file, buffer, sizeof buffer)) {
    partial += buffer;
    if (!partial.empty() && partial.back() == '\n') {
      line = std::move(partial);
      partial.clear();
      return true;
    }
  }
  return false;
}

}  // namespace

MaillogReader::MaillogReader(Database& database,
                             std::shared_ptr<const rules::Classifier> classifier,
                             MaillogOptions options)
    : database_(database), classifier_(std::move(classifier)), options_(std::move(options)) {}

MaillogReader::~MaillogReader() = default;

Status MaillogReader::load_queue() {
  if (queue_loaded_) return Done{};
  Status status = detail::in_transaction(database_, [&](pqxx::work& tx) {
    for (const auto& row :
         tx.exec("SELECT queue_id, message_id, sender, first_seen FROM maillog_queue")) {
      // The null sender is kept as "<>" so that it is not mistaken for "not seen yet".
      const std::string sender = row[2].c_str();
      queue_[row[0].c_str()] = {row[1].c_str(), sender == "<>" ? "" : sender, sender == "<>",
                                detail::parse_pg_time(row[3].c_str())};
    }
  });
  if (ok(status)) queue_loaded_ = true;
  return status;
}

std::vector<std::string> MaillogReader::queue_ids_to_forget() const {
  std::vector<std::pair<Time, std::string>> by_age;
  const Time too_old = newest_ - options_.queue_id_max_age;
  std::vector<std::string> forget;
  for (const auto& [id, entry] : queue_) {
    if (entry.first_seen < too_old) {
      forget.push_back(id);
    } else if (queue_.size() > options_.max_open_queue_ids) {
      by_age.emplace_back(entry.first_seen, id);
    }
  }
  if (queue_.size() - forget.size() > options_.max_open_queue_ids) {
    const size_t excess = queue_.size() - forget.size() - options_.max_open_queue_ids;
    std::partial_sort(by_age.begin(), by_age.begin() + static_cast<long>(excess), by_age.end());
    for (size_t i = 0; i < excess; ++i) forget.push_back(by_age[i].second);
  }
  return forget;
}

Result<std::unique_ptr<MaillogReader::OpenLog>> MaillogReader::open(const std::string& path) {
  auto log = std::make_unique<OpenLog>();
  log->path = path;
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    return StoreError{StoreError::Kind::input, path + ": cannot read"};
  }
  log->inode = info.st_ino;
  // Syslog lines carry no year: take the file's, and a line dated after the file's last write
  // belongs to the year before (a log spanning New Year).
  const std::time_t mtime = info.st_mtime;
  std::tm tm{};
  gmtime_r(&mtime, &tm);
  log->year = tm.tm_year + 1900;
  log->file = gzopen(path.c_str(), "rb");  // reads plain files as they are
  if (!log->file) return StoreError{StoreError::Kind::input, path + ": cannot open"};
  std::string first, partial;
  if (!read_line(log->file, first, partial)) {
    return log;  // empty (or no complete line yet): key stays empty, nothing to read
  }
  log->key = sha256_hex(first);
  gzrewind(log->file);
  Status status = detail::in_transaction(database_, [&](pqxx::work& tx) {
    auto row = tx.exec_params(
        "SELECT byte_offset, line_number FROM maillog_positions WHERE file_key = $1", log->key);
    if (!row.empty()) {
      log->offset = row[0][0].as<long long>();
      log->line = row[0][1].as<long long>();
    }
  });
  if (!ok(status)) return std::get<StoreError>(status);
  if (log->offset > 0 && gzseek(log->file, log->offset, SEEK_SET) != log->offset) {
    return StoreError{StoreError::Kind::input,
                      path + ": shorter than the saved position " + std::to_string(log->offset)};
  }
  return log;
}

bool MaillogReader::is_incoming(const QueueEntry& entry, const std::string& recipient) const {
  if (entry.null_sender) return true;
  const std::string_view domain = address_domain_of(recipient);
  for (const auto& bounce_domain : options_.bounce_domains) {
    if (domain == bounce_domain) return true;
  }
  if (options_.verp_prefix.empty()) return false;
  const std::string_view local = std::string_view(recipient).substr(0, recipient.rfind('@'));
  return local == options_.verp_prefix ||
         (local.size() > options_.verp_prefix.size() && local.starts_with(options_.verp_prefix) &&
          local[options_.verp_prefix.size()] == options_.verp_separator);
}

// One batch as handed to the writing thread: its sends, the open queue ids to save and those
// to forget, and the position after its last line. Copies, so that reading goes on meanwhile.
struct MaillogReader::PendingBatch {
  std::vector<SendRecord> sends;
  std::vector<std::pair<std::string, QueueEntry>> open;
  std::vector<std::string> closed;
  long long offset = 0;
  long long line = 0;
};

Result<SendWriteSummary> MaillogReader::write_batch(const OpenLog& log, const PendingBatch& batch,
                                                    const SuppressionPolicy& policy) {
  std::set<Time> times;
  for (const auto& send : batch.sends) times.insert(send.sent_at);
  if (Status s = partitions_.ensure(database_, times); !ok(s)) return std::get<StoreError>(s);
  SendWriteSummary summary;
  Status status = detail::in_transaction(database_, [&](pqxx::work& tx) {
    summary = detail::write_sends(tx, batch.sends, SendSource::maillog, options_.join, policy);
    for (const auto& [id, entry] : batch.open) {
      tx.exec_params(
          "INSERT INTO maillog_queue (queue_id, message_id, sender, first_seen) VALUES ($1, $2, "
          "$3, $4) ON CONFLICT (queue_id) DO UPDATE SET message_id = EXCLUDED.message_id, "
          "sender = EXCLUDED.sender, updated_at = now()",
          id, entry.message_id, entry.null_sender ? std::string("<>") : entry.sender,
          detail::pg_time(entry.first_seen));
    }
    if (!batch.closed.empty()) {
      tx.exec_params("DELETE FROM maillog_queue WHERE queue_id = ANY($1::text[])",
                     detail::pg_text_array(batch.closed));
    }
    tx.exec_params(
        "INSERT INTO maillog_positions (file_key, path, byte_offset, line_number) VALUES ($1, "
        "$2, $3, $4) ON CONFLICT (file_key) DO UPDATE SET path = EXCLUDED.path, byte_offset = "
        "EXCLUDED.byte_offset, line_number = EXCLUDED.line_number, updated_at = now()",
        log.key, log.path, batch.offset, batch.line);
    if (options_.before_commit) options_.before_commit();
  });
  if (!ok(status)) return std::get<StoreError>(status);
  return summary;
}

// Reading and writing overlap, as in `sends import`: while batch N is written on its own thread
// (the server's part is most of the time), batch N+1 is read, parsed and classified here. One
// batch is in the database at a time, so batches commit in file order, and the saved position
// moves only with a COMMIT.
Status MaillogReader::drain(OpenLog& log, MaillogStats& stats) {
  if (log.key.empty()) return Done{};
  std::vector<SendRecord> batch;
  std::set<std::string> touched, removed;
  long long offset = log.offset, line_number = log.line;
  std::string line, partial;

  const SuppressionPolicy policy(options_.suppression);
  PendingBatch writing;
  std::optional<std::future<Result<SendWriteSummary>>> written;
  // Waits for the batch being written; then its lines are consumed.
  auto finish_write = [&]() -> Status {
    if (!written) return Done{};
    auto result = written->get();
    written.reset();
    if (auto* error = std::get_if<StoreError>(&result)) {
      // The queue ids in memory are ahead of what committed: read them again before the next
      // read, from where the last COMMIT left them.
      queue_.clear();
      queue_loaded_ = false;
      return *error;
    }
    stats.late_joined += std::get<SendWriteSummary>(result).late_joined.total();
    stats.deliveries += writing.sends.size();
    log.offset = writing.offset;
    log.line = writing.line;
    return Done{};
  };
  auto hand_off = [&]() -> Status {
    if (Status s = finish_write(); !ok(s)) return s;
    writing.sends = std::move(batch);
    writing.open.clear();
    for (const auto& id : touched) {
      if (!removed.contains(id)) writing.open.emplace_back(id, queue_[id]);
    }
    for (const auto& id : queue_ids_to_forget()) removed.insert(id);
    writing.closed.assign(removed.begin(), removed.end());
    writing.offset = offset;
    writing.line = line_number;
    // Gone from memory now, as their batch is handed off: the next batch is read without them,
    // as it would be after this one's COMMIT.
    for (const auto& id : removed) queue_.erase(id);
    batch.clear();
    touched.clear();
    removed.clear();
    written = std::async(std::launch::async, [this, &log, &writing, &policy] {
      return write_batch(log, writing, policy);
    });
    return Done{};
  };

  size_t lines_in_batch = 0;
  const Time year_limit = now_seconds() + std::chrono::days(2);
  Status status = Done{};
  while (read_line(log.file, line, partial)) {
    offset += static_cast<long long>(line.size());
    ++line_number;
    ++stats.lines;
    ++lines_in_batch;
    auto event = parse_maillog_line(line, log.year);
    if (event && event->at > year_limit) event = parse_maillog_line(line, log.year - 1);
    if (event) {
      newest_ = std::max(newest_, event->at);
      auto [entry, is_new] = queue_.try_emplace(event->queue_id);
      if (is_new) entry->second.first_seen = event->at;
      switch (event->kind) {
        case MaillogEvent::Kind::message_id:
          entry->second.message_id = event->message_id;
          touched.insert(event->queue_id);
          break;
        case MaillogEvent::Kind::sender:
          entry->second.sender = event->sender;
          entry->second.null_sender = event->null_sender;
          touched.insert(event->queue_id);
          break;
        case MaillogEvent::Kind::removed:
          removed.insert(event->queue_id);
          break;
        case MaillogEvent::Kind::delivery: {
          touched.insert(event->queue_id);
          SendRecord send;
          send.send_id = "postfix:" + event->queue_id;
          send.queue_id = event->queue_id;
          send.message_id = entry->second.message_id;
          send.verp_token =
              verp_token(entry->second.sender, options_.verp_prefix, options_.verp_separator);
          send.recipient = normalize_address(event->recipient);
          if (send.recipient.empty()) break;
          if (is_incoming(entry->second, send.recipient)) {
            ++stats.incoming;
            break;
          }
          // One row per message and recipient: every attempt updates the same row.
          send.sent_at = entry->second.first_seen;
          send.outcome_at = event->at;
          send.enhanced_status = event->dsn;
          send.reply_code = event->reply_code;
          send.reply_text = event->reply;
          send.attrs =
              nlohmann::json{{"relay", event->relay}, {"postfix_status", event->status}}.dump(
                  -1, ' ', false, nlohmann::json::error_handler_t::replace);
          if (event->status == "sent") {
            send.sync_category = "accepted";
            send.sync_reason = "accepted";
            send.sync_rule = "postfix:sent";
          } else {
            classify_sync_outcome(send, *classifier_);
            // Still queued and retried: what the reply says is kept, but it is no failure yet.
            if (event->status == "deferred") send.sync_category = "deferred";
          }
          batch.push_back(std::move(send));
          break;
        }
      }
    }
    if (lines_in_batch >= options_.batch_lines) {
      status = hand_off();
      if (!ok(status)) break;
      lines_in_batch = 0;
    }
  }
  if (ok(status) && lines_in_batch > 0) status = hand_off();
  if (Status s = finish_write(); ok(status)) status = s;
  if (!ok(status)) return status;
  // A partial last line is not consumed: seek back so the next read starts at its beginning.
  if (!partial.empty()) gzseek(log.file, offset, SEEK_SET);
  gzclearerr(log.file);
  return Done{};
}

Result<MaillogStats> MaillogReader::read_file(const std::string& path) {
  MaillogStats stats;
  if (Status s = load_queue(); !ok(s)) return std::get<StoreError>(s);
  auto opened = open(path);
  if (auto* error = std::get_if<StoreError>(&opened)) return *error;
  auto log = std::get<std::unique_ptr<OpenLog>>(std::move(opened));
  if (Status s = drain(*log, stats); !ok(s)) return std::get<StoreError>(s);
  return stats;
}

bool MaillogReader::truncated_in_place(const std::string& path, const OpenLog& log) const {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0 || info.st_ino != log.inode) return false;  // renamed
  if (info.st_size < log.offset) return true;
  std::ifstream in(path, std::ios::binary);
  std::string first;
  if (!std::getline(in, first) || in.eof()) return false;  // no complete first line yet
  return sha256_hex(first + "\n") != log.key;
}

Result<MaillogStats> MaillogReader::follow(const std::string& path,
                                           const std::function<bool()>& keep_going) {
  MaillogStats stats;
  if (Status s = load_queue(); !ok(s)) return std::get<StoreError>(s);
  std::unique_ptr<OpenLog> log;
  while (keep_going()) {
    if (!log || log->key.empty()) {
      auto opened = open(path);
      if (auto* error = std::get_if<StoreError>(&opened)) {
        if (error->kind != StoreError::Kind::input) return *error;
        log.reset();  // not there yet (between rename and create): try again
      } else {
        log = std::get<std::unique_ptr<OpenLog>>(std::move(opened));
      }
    }
    // Copied and truncated in place (logrotate's copytruncate): the same inode starts again
    // with other lines, and may have grown past our position already, so the first line tells,
    // not the size. Checked before reading, so the new lines are not read as the old file's
    // tail. What was written between the copy and the truncation is in the copy only
    // (logrotate's documented loss).
    if (log && truncated_in_place(path, *log)) {
      log.reset();
      continue;
    }
    if (log) {
      if (Status s = drain(*log, stats); !ok(s)) return std::get<StoreError>(s);
      struct stat info {};
      if (stat(path.c_str(), &info) == 0 && info.st_ino != log->inode) {
        // Rotated: what was appended to the old file before the rename is read first.
        if (Status s = drain(*log, stats); !ok(s)) return std::get<StoreError>(s);
        log.reset();
        continue;
      }
    }
    std::this_thread::sleep_for(options_.poll_interval);
  }
  return stats;
}

}  // namespace bounced::store
