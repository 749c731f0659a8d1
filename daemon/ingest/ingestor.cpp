#include "ingestor.hpp"

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <thread>

#include "intake/message_source.hpp"
#include "intake/quarantine.hpp"

namespace bounced::daemon {

namespace fs = std::filesystem;

std::string maildir_of(const std::string& path) {
  const fs::path file(path);
  const fs::path parent = file.parent_path();
  const std::string sub = parent.filename().string();
  if (sub != "cur" && sub != "new") return "";
  const fs::path root = parent.parent_path();
  if (!fs::is_directory(root / "cur") && !fs::is_directory(root / "new")) return "";
  return root.string();
}

namespace {

// When bounced received a message: a file's mtime (when the MTA delivered it into the Maildir),
// else now. A file from the future (a wrong clock, a touch) was received now.
store::Time received_time(const std::string& name, bool is_file) {
  const store::Time now = store::now_seconds();
  if (!is_file) return now;
  struct stat info {};
  if (::stat(name.c_str(), &info) != 0) return now;
  return std::min(now, store::Time(std::chrono::seconds(info.st_mtim.tv_sec)));
}

// One message after the parsing threads: its record for the store, or why it was unreadable.
struct Parsed {
  std::optional<store::BounceRecord> record;
  std::string error;
  bool is_file = false;
};

}  // namespace

Ingestor::Ingestor(const Pipeline& pipeline, store::BounceStore& store, IngestOptions options)
    : pipeline_(pipeline), store_(store), options_(std::move(options)) {}

IngestReport Ingestor::ingest(const std::vector<std::string>& paths) {
  IngestReport report;
  for_each_message(
      paths, pipeline_.parser().options().limits.max_message_size,
      [&](SourceMessage&& source) {
        // After a failed commit nothing more is read: the rest stays for the next run.
        if (!report.store_error.empty()) return;
        ++report.read;
        read_.push_back(std::move(source));
        if (read_.size() >= options_.batch_size) store_batch(report);
      },
      [&](const SourceError& error) {
        report.errors.push_back(error.name + ": " + error.reason);
        // Over the size limit: never read into memory, quarantined from where it is whole.
        if (!error.file.empty()) quarantine_file(error.name, error.file, error.reason, report);
      });
  if (report.store_error.empty()) store_batch(report);
  finish_batch(report);
  return report;
}

void Ingestor::store_batch(IngestReport& report) {
  if (read_.empty()) return;
  // Parse, classify, hash and compress on `jobs` threads; the results keep the input order.
  std::vector<Parsed> parsed(read_.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < read_.size(); i = next++) {
      SourceMessage& source = read_[i];
      ClassifiedMessage message = pipeline_.run(source.name, source.bytes);
      if (message.report.kind == classifiers::ReportKind::error) {
        parsed[i].error = message.error;
        continue;
      }
      std::error_code error;
      parsed[i].is_file = source.name != "-" && fs::is_regular_file(source.name, error);
      store::BounceRecord record =
          to_bounce_record(message, std::move(source.bytes),
                           received_time(source.name, parsed[i].is_file), options_.record);
      store_.prepare(record);
      parsed[i].record = std::move(record);
    }
  };
  {
    std::vector<std::jthread> threads;
    for (unsigned t = 1; t < options_.jobs; ++t) threads.emplace_back(work);
    work();
  }

  auto batch = std::make_unique<InFlight>();
  for (size_t i = 0; i < read_.size(); ++i) {
    if (!parsed[i].record) {
      report.errors.push_back(read_[i].name + ": " + parsed[i].error);
      quarantine(read_[i].name, read_[i].bytes, parsed[i].error, report);
      continue;
    }
    batch->records.push_back(std::move(*parsed[i].record));
    batch->not_bounce.push_back(batch->records.back().kind == "not_bounce");
    batch->paths.push_back(parsed[i].is_file ? read_[i].name : std::string());
  }
  read_.clear();
  // One batch in the database at a time: the previous one must have committed first.
  finish_batch(report);
  if (!report.store_error.empty() || batch->records.empty()) return;
  InFlight& started = *batch;
  started.written =
      std::async(std::launch::async, [this, &started] { return store_.write(started.records); });
  in_flight_ = std::move(batch);
}

void Ingestor::finish_batch(IngestReport& report) {
  if (!in_flight_) return;
  const std::unique_ptr<InFlight> batch = std::move(in_flight_);
  auto written = batch->written.get();
  if (auto* error = std::get_if<store::StoreError>(&written)) {
    // Not acknowledged: every message of the batch is still in its folder.
    report.store_error = error->to_string();
    return;
  }
  const auto& summary = std::get<store::WriteSummary>(written);
  report.stored += summary.messages;
  report.duplicates += summary.duplicates;
  report.bounces += summary.bounces;
  report.joined += summary.joined.total();
  report.suppressed += summary.suppressed;
  for (size_t i = 0; i < batch->paths.size(); ++i) {
    if (!batch->paths[i].empty()) acknowledge(batch->paths[i], batch->not_bounce[i], report);
  }
}

void Ingestor::acknowledge(const std::string& path, bool not_bounce, IngestReport& report) {
  const std::string maildir = maildir_of(path);
  if (maildir.empty()) return;  // a plain file or directory: replay is harmless, leave it
  // Re-reading the processed folder itself must not nest it inside itself.
  if (fs::path(maildir).filename() == options_.processed_folder) return;
  std::error_code error;
  if (not_bounce) {
    // Ordinary mail (a human reply) is never deleted nor filed away: it stays in the Maildir,
    // moved from new/ to cur/ unread, where a person reading the mailbox finds it.
    if (fs::path(path).parent_path().filename() == "new") {
      std::string name = fs::path(path).filename().string();
      if (name.find(":2,") == std::string::npos) name += ":2,";
      fs::rename(path, fs::path(maildir) / "cur" / name, error);
    }
  } else if (options_.processed_folder.empty()) {
    fs::remove(path, error);
  } else {
    const fs::path folder = fs::path(maildir) / options_.processed_folder;
    for (const char* sub : {"cur", "new", "tmp"}) fs::create_directories(folder / sub, error);
    std::string name = fs::path(path).filename().string();
    // A message taken from new/ has been seen now: give it the Maildir info suffix.
    if (name.find(":2,") == std::string::npos) name += ":2,S";
    fs::rename(path, folder / "cur" / name, error);
  }
  if (error) {
    report.errors.push_back(path + ": stored but not acknowledged: " + error.message());
  } else {
    ++report.acknowledged;
  }
}

void Ingestor::quarantine_file(const std::string& name, const std::string& file,
                               const std::string& reason, IngestReport& report) {
  // Copied in chunks: the message is never in this process's memory.
  quarantined(
      name,
      [&](const intake::Quarantine& q, std::string& error) {
        return q.keep_file(file, "ingest", name, reason, error).has_value();
      },
      report);
}

void Ingestor::quarantine(const std::string& name, const std::string& bytes,
                          const std::string& reason, IngestReport& report) {
  quarantined(
      name,
      [&](const intake::Quarantine& q, std::string& error) {
        return q.keep(bytes, "ingest", name, reason, error).has_value();
      },
      report);
}

void Ingestor::quarantined(const std::string& name,
                           const std::function<bool(const intake::Quarantine&, std::string&)>& keep,
                           IngestReport& report) {
  if (options_.quarantine_dir.empty()) return;
  // The copy, its reason and the directory are fsync'ed before the original may go.
  std::string error;
  if (!keep(intake::Quarantine(options_.quarantine_dir), error)) {
    report.errors.push_back(name + ": cannot write to quarantine: " + error);
    return;
  }
  // Only mail we own (a Maildir) is moved away; other files are copied.
  if (!maildir_of(name).empty()) {
    std::error_code ignored;
    fs::remove(name, ignored);
  }
  ++report.quarantined;
}

}  // namespace bounced::daemon
