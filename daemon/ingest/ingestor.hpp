// The daemon's main job in batch form: source -> parse -> classify -> store (with join and
// suppression) -> acknowledge. A Maildir message is moved to the processed folder (or deleted)
// only after the transaction holding its result has committed; if the database goes away the
// batch is rolled back and its mail stays where it was, to be read again next time (the
// fingerprint makes that harmless). Mail that cannot be read at all is moved to the quarantine
// directory with a .reason file beside it.
//
// Two overlaps keep both cores busy: a batch is parsed, classified, hashed and compressed on
// `jobs` threads (the pipeline is immutable and shared), and while the store writes batch N on
// its own thread, batch N+1 is read and parsed. At most one batch is in the database at a time,
// so batches commit in order and an error stops the run after the batch it hit.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "bounce_record.hpp"
#include "bounce_store.hpp"
#include "intake/message_source.hpp"
#include "intake/quarantine.hpp"
#include "pipeline.hpp"

namespace bounced::daemon {

struct IngestOptions {
  size_t batch_size = 500;
  unsigned jobs = 1;  // parsing threads
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
  // A batch handed to the store: its records, the files to acknowledge once it committed
  // ("" for what cannot be acknowledged), and the write running on the store's thread.
  struct InFlight {
    std::vector<store::BounceRecord> records;
    std::vector<std::string> paths;
    std::vector<bool> not_bounce;  // ordinary mail: left in its Maildir, never deleted
    std::future<store::Result<store::WriteSummary>> written;
  };
  // Parses the read messages and hands them to the store once the previous batch is done.
  void store_batch(IngestReport& report);
  // Waits for the batch in the store, then acknowledges its mail or records the error.
  void finish_batch(IngestReport& report);
  void quarantine(const std::string& name, const std::string& bytes, const std::string& reason,
                  IngestReport& report);
  // The same for a message too large to read: copied from the file that holds it.
  void quarantine_file(const std::string& name, const std::string& file, const std::string& reason,
                       IngestReport& report);
  // Keeps a copy through `keep`, then removes the original if it is ours (a Maildir's).
  void quarantined(const std::string& name,
                   const std::function<bool(const intake::Quarantine&, std::string&)>& keep,
                   IngestReport& report);
  void acknowledge(const std::string& path, bool not_bounce, IngestReport& report);

  const Pipeline& pipeline_;
  store::BounceStore& store_;
  IngestOptions options_;
  std::vector<SourceMessage> read_;  // read, not yet parsed
  std::unique_ptr<InFlight> in_flight_;
};

// The Maildir a message file belongs to (the parent of its cur/ or new/), or "".
std::string maildir_of(const std::string& path);

}  // namespace bounced::daemon
