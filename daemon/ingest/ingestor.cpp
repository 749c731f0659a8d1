#include "ingestor.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "codec.hpp"
#include "intake/message_source.hpp"

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

// The bounce's time when its Date header is missing or broken: the file's mtime (when the MTA
// delivered it), else now.
store::Time fallback_time(const std::string& name, bool is_file) {
  store::Time fallback = store::now_seconds();
  if (!is_file) return fallback;
  std::error_code error;
  // GCC 12 has no clock_cast: shift by the offset between the two clocks' "now".
  const auto mtime = fs::last_write_time(name, error);
  if (error) return fallback;
  const auto shifted = mtime - fs::file_time_type::clock::now() + std::chrono::system_clock::now();
  return std::chrono::time_point_cast<std::chrono::seconds>(shifted);
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
                           fallback_time(source.name, parsed[i].is_file), options_.record);
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
  for (const auto& path : batch->paths) {
    if (!path.empty()) acknowledge(path, report);
  }
}

void Ingestor::acknowledge(const std::string& path, IngestReport& report) {
  const std::string maildir = maildir_of(path);
  if (maildir.empty()) return;  // a plain file or directory: replay is harmless, leave it
  // Re-reading the processed folder itself must not nest it inside itself.
  if (fs::path(maildir).filename() == options_.processed_folder) return;
  std::error_code error;
  if (options_.processed_folder.empty()) {
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
  if (options_.quarantine_dir.empty()) return;
  std::error_code error;
  fs::create_directories(options_.quarantine_dir, error);
  const std::optional<std::string> digest = store::sha256_hex_of_file(file);
  if (!digest) {
    report.errors.push_back(name + ": cannot read it to quarantine it");
    return;
  }
  const fs::path target = fs::path(options_.quarantine_dir) / (*digest + ".eml");
  // The kernel copies; the message is never in this process's memory.
  fs::copy_file(file, target, fs::copy_options::overwrite_existing, error);
  if (!error) {
    std::ofstream why(target.string() + ".reason");
    why << "source: " << name << "\nreason: " << reason << "\n";
    if (!why) error = std::make_error_code(std::errc::io_error);
  }
  if (error) {
    report.errors.push_back(name + ": cannot write to quarantine " + options_.quarantine_dir +
                            ": " + error.message());
    return;
  }
  if (!maildir_of(name).empty()) fs::remove(name, error);
  ++report.quarantined;
}

void Ingestor::quarantine(const std::string& name, const std::string& bytes,
                          const std::string& reason, IngestReport& report) {
  if (options_.quarantine_dir.empty()) return;
  std::error_code error;
  fs::create_directories(options_.quarantine_dir, error);
  // Named by fingerprint so quarantining the same mail twice keeps one copy.
  const fs::path target = fs::path(options_.quarantine_dir) / (store::sha256_hex(bytes) + ".eml");
  {
    std::ofstream out(target, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::ofstream why(target.string() + ".reason");
    why << "source: " << name << "\nreason: " << reason << "\n";
    if (!out || !why) {
      report.errors.push_back(name + ": cannot write to quarantine " + options_.quarantine_dir);
      return;
    }
  }
  // Only mail we own (a Maildir) is moved away; other files are copied.
  if (!maildir_of(name).empty()) fs::remove(name, error);
  ++report.quarantined;
}

}  // namespace bounced::daemon
