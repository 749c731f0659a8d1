// What SIGHUP may replace while the daemon runs: the parser and rule engine with the options
// that turn a verdict into a record, the store's join and suppression settings, and the
// maillog reader's. Each is an immutable value behind a shared_ptr: a reload builds the new
// ones off to the side, then swaps the pointers; work already under way finishes with the value
// it started with.
#pragma once

#include <memory>
#include <mutex>

#include "bounce_store.hpp"
#include "ingest/bounce_record.hpp"
#include "maillog_reader.hpp"
#include "pipeline.hpp"

namespace bounced::daemon::service {

struct ClassifySettings {
  std::shared_ptr<const Pipeline> pipeline;             // parse + classify
  std::shared_ptr<const rules::Classifier> classifier;  // the pipeline's, for the maillog
  RecordOptions record;                                 // join header, VERP
  int raw_retention_days = 30;  // 0: the raw mail is not compressed for the store
};

struct SettingsSet {
  std::shared_ptr<const ClassifySettings> classify;
  std::shared_ptr<const store::BounceStoreOptions> store;
  std::shared_ptr<const store::MaillogOptions> maillog;  // VERP, join, suppression of refusals
};

class RuntimeSettings {
 public:
  explicit RuntimeSettings(SettingsSet settings) : settings_(std::move(settings)) {}

  std::shared_ptr<const ClassifySettings> classify() const {
    std::lock_guard lock(mutex_);
    return settings_.classify;
  }
  std::shared_ptr<const store::BounceStoreOptions> store() const {
    std::lock_guard lock(mutex_);
    return settings_.store;
  }
  std::shared_ptr<const store::MaillogOptions> maillog() const {
    std::lock_guard lock(mutex_);
    return settings_.maillog;
  }
  void replace(SettingsSet settings) {
    std::lock_guard lock(mutex_);
    settings_ = std::move(settings);
  }

 private:
  mutable std::mutex mutex_;
  SettingsSet settings_;
};

}  // namespace bounced::daemon::service
