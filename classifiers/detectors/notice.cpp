#include "notice.hpp"

#include "mime_message.hpp"

namespace bounced::classifiers {

Notice::Notice(GMimeMessage* message, const ReportParts& parts, bool delivery_status_inline,
               std::string_view from, std::string_view subject, const FormatCatalog& catalog,
               const ParserOptions& options, AttachedReader read_attached)
    : message_(message),
      parts_(parts),
      delivery_status_inline_(delivery_status_inline),
      from_(from),
      subject_(subject),
      catalog_(catalog),
      options_(options),
      read_attached_(std::move(read_attached)) {}

std::string Notice::header(const char* name) const {
  return header_value(GMIME_OBJECT(message_), name);
}

const FormatMatch& Notice::prose_format() const {
  if (!prose_format_) prose_format_ = catalog_.detect(from_, subject_, parts_.body);
  return *prose_format_;
}

}  // namespace bounced::classifiers
