// The parse and classify stages of the pipeline (source -> parse -> classify -> store -> ack):
// raw bytes in, a ClassifiedMessage out. No I/O here, so the CLI, the daemon and the tests all
// run the same code.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bounce_parser.hpp"
#include "classifier.hpp"
#include "report.hpp"

namespace bounced::daemon {

struct ClassifiedRecipient {
  classifiers::RecipientStatus status;
  rules::Verdict verdict;
};

struct ClassifiedMessage {
  std::string source;  // file name or mailbox id
  classifiers::BounceReport report;
  std::vector<ClassifiedRecipient> recipients;
  std::string error;  // set when report.kind == error
};

// The verdict for one recipient of a report. Kinds that are not bounces are decided by kind
// (an auto-reply is never a bounce; an ARF report is a complaint); bounces go to the rules.
rules::Verdict verdict_for(const classifiers::BounceReport& report,
                           const classifiers::RecipientStatus& recipient,
                           const rules::Classifier& classifier);

class Pipeline {
 public:
  Pipeline(std::shared_ptr<const classifiers::BounceParser> parser,
           std::shared_ptr<const rules::Classifier> classifier);

  ClassifiedMessage run(std::string source, std::string_view bytes) const;

  const rules::Classifier& classifier() const { return *classifier_; }
  const classifiers::BounceParser& parser() const { return *parser_; }

 private:
  std::shared_ptr<const classifiers::BounceParser> parser_;
  std::shared_ptr<const rules::Classifier> classifier_;
};

// The input the rule engine sees for one recipient.
rules::ClassifyInput classify_input(const classifiers::BounceReport& report,
                                    const classifiers::RecipientStatus& recipient,
                                    std::string& domain_storage);

}  // namespace bounced::daemon
