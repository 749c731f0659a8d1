#include "ingestor.hpp"

#include <filesystem>
#include <fstream>

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

Ingestor::Ingestor(const Pipeline& pipeline, store::BounceStore& store, IngestOptions options)
    : pipeline_(pipeline), store_(store), options_(std::move(options)) {}

IngestReport Ingestor::ingest(const std::vector<std::string>& paths) {
  IngestReport report;
  for_each_message(
      paths,
      [&](SourceMessage&& source) {
        // After a failed commit nothing more is read: the rest stays for the next run.
        if (!report.store_error.empty()) return;
        ++report.read;
        ClassifiedMessage message = pipeline_.run(source.name, source.bytes);
        if (message.report.kind == classifiers::ReportKind::error) {
          report.errors.push_back(source.name + ": " + message.error);
          quarantine(source.name, source.bytes, message.error, report);
          return;
        }
        std::error_code error;
        const bool is_file = source.name != "-" && fs::is_regular_file(source.name, error);
        store::Time fallback = store::now_seconds();
        if (is_file) {
          // GCC 12 has no clock_cast: shift by the offset between the two clocks' "now".
          const auto mtime = fs::last_write_time(source.name, error);
          if (!error) {
            const auto shifted = mtime - fs::file_time_type::clock::now() +
                                 std::chrono::system_clock::now();
            fallback = std::chrono::time_point_cast<std::chrono::seconds>(shifted);
          }
        }
        batch_.push_back(
            to_bounce_record(message, std::move(source.bytes), fallback, options_.record));
        pending_.push_back({is_file ? source.name : std::string()});
        if (batch_.size() >= options_.batch_size) flush(report);
      },
      [&](const SourceError& error) { report.errors.push_back(error.name + ": " + error.reason); });
  if (report.store_error.empty()) flush(report);
  return report;
}

void Ingestor::flush(IngestReport& report) {
  if (batch_.empty()) return;
  auto written = store_.write(batch_);
  if (auto* error = std::get_if<store::StoreError>(&written)) {
    // Not acknowledged: every message of the batch is still in its folder.
    report.store_error = error->to_string();
  } else {
    const auto& summary = std::get<store::WriteSummary>(written);
    report.stored += summary.messages;
    report.duplicates += summary.duplicates;
    report.bounces += summary.bounces;
    report.joined += summary.joined.total();
    report.suppressed += summary.suppressed;
    for (const auto& pending : pending_) {
      if (!pending.path.empty()) acknowledge(pending.path, report);
    }
  }
  batch_.clear();
  pending_.clear();
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
