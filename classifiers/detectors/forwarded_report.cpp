#include "forwarded_report.hpp"

#include "mime_message.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

Confidence ForwardedReportDetector::claim(const Notice& notice) const {
  const ReportParts& parts = notice.parts();
  if (parts.original_part == nullptr || !notice.read_attached()) return Confidence::none;
  const bool is_report =
      to_lower(parts.original_headers).find("multipart/report") != std::string::npos;
  return is_report ? Confidence::report : Confidence::none;
}

std::optional<BounceReport> ForwardedReportDetector::read(const Notice& notice,
                                                          BounceReport envelope) const {
  const std::string inner_bytes =
      part_content(notice.parts().original_part, notice.options().limits.max_message_size, false);
  auto result = notice.read_attached()(inner_bytes);
  auto* inner = std::get_if<BounceReport>(&result);
  if (inner == nullptr || inner->recipients.empty()) return std::nullopt;
  inner->message_id = envelope.message_id;
  inner->envelope_recipient = envelope.envelope_recipient;
  inner->verp = envelope.verp;
  for (auto& warning : envelope.warnings) inner->warnings.push_back(std::move(warning));
  return std::move(*inner);
}

}  // namespace bounced::classifiers
