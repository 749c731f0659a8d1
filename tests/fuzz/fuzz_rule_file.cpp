// libFuzzer target: one rule file (YAML, format bounced-rules(5)) loaded, compiled into the RE2
// sets, its examples checked, and a diagnostic classified with it - what `bounced rules check`
// and a daemon reload do with an operator's file. A broken file must come back as located
// diagnostics, never as a crash, an exception or an unbounded compile.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>

#include "classifier.hpp"
#include "rule_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bounced::rules;
  RuleLoader loader;
  loader.add_document("fuzz.yaml", std::string(reinterpret_cast<const char*>(data), size));
  LoadedRules loaded = std::move(loader).finish();
  for (const auto& diagnostic : loaded.diagnostics) {
    if (diagnostic.message.empty() || diagnostic.location.empty()) std::abort();
  }
  if (!loaded.ok()) return 0;
  CompileResult compiled = Classifier::compile(loaded.sets);
  auto* classifier = std::get_if<std::shared_ptr<const Classifier>>(&compiled);
  if (classifier == nullptr) return 0;
  (void)(*classifier)->check_examples();
  ClassifyInput input;
  input.recipient_domain = "example.org";
  input.hosts = {"mx1.example.org"};
  input.status = "5.1.1";
  input.reply_code = "550";
  input.command = "RCPT";
  input.diagnostic = "550 5.1.1 <jane@example.org>: Recipient address rejected: User unknown";
  (void)(*classifier)->classify(input);
  (void)(*classifier)->explain(input);
  return 0;
}
