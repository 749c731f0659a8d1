// The daemon's main job in batch form: source -> parse -> classify -> store (with join and
// suppression) -> acknowledge. A Maildir message is moved to the processed folder (or deleted)
// only after the transaction holding its result has committed; if the database goes away the
// batch is rolled back and its mail stays where it was, to be read again next time (the
// fingerprint makes that harmless). Mail that cannot be read at all is moved to the quarantine
// directory with a .reason file beside it.
#pragma once

#include <string>
#include <vector>

#include "bounce_record.hpp"
#include "bounce_store.hpp"
#include "pipeline.hpp"

namespace bounced::daemon {

struct IngestOptions {
  size_t batch_size = 500;
  // Where a committed Maildir message goes: a Maildir++ folder name under the Maildir
  // (".Processed"), or "" to delete it. Files outside a Maildir are left in place.
  std::string processed_folder = ".Processed";
  std::string quarantine_dir;  // "" = do not quarantine (the error is only reported)
  RecordOptions record;
};

struct IngestReport {
  size_t read = 0;
  size_t stored = 0;      // new messages committed
  size_t duplicates = 0;  // already stored before
  size_t bounces = 0;     // recipient rows
  size_t joined = 0;
  size_t suppressed = 0;
  size_t quarantined = 0;
  size_t acknowledged = 0;
  std::vector<std::string> errors;  // per message, "file: reason"
  std::string store_error;          // set when a batch could not be committed (ingest stopped)
};

class Ingestor {
 public:
  Ingestor(const Pipeline& pipeline, store::BounceStore& store, IngestOptions options);

  IngestReport ingest(const std::vector<std::string>& paths);

 private:
  struct Pending {
    std::string path;  // "" when not a file we can acknowledge
  };
  void flush(IngestReport& report);
  void quarantine(const std::string& name, const std::string& bytes, const std::string& reason,
                  IngestReport& report);
  void acknowledge(const std::string& path, IngestReport& report);

  const Pipeline& pipeline_;
  store::BounceStore& store_;
  IngestOptions options_;
  std::vector<store::BounceRecord> batch_;
  std::vector<Pending> pending_;
};

// The Maildir a message file belongs to (the parent of its cur/ or new/), or "".
std::string maildir_of(const std::string& path);

}  // namespace bounced::daemon
