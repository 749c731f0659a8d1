#include "message_limits.hpp"

#include <cstring>
#include <vector>

#include "mime_message.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

namespace {

// "more than 1000 MIME parts: over the limit limits.max_mime_parts = 1000"
std::string over(const std::string& what, std::string_view key, size_t maximum) {
  return what + ": over the limit limits." + std::string(key) + " = " + std::to_string(maximum);
}

bool is_lwsp(char c) {
  return c == ' ' || c == '\t';
}

// What a line "--X..." is to the multipart whose boundary is b, as GMime reads it (its
// is_boundary()): "--b" or "--b--", each optionally followed by blanks. line has no line end.
enum class Delimiter { none, part, close };
Delimiter delimiter_of(std::string_view line, std::string_view boundary) {
  if (line.size() < boundary.size() + 2 || line.compare(2, boundary.size(), boundary) != 0) {
    return Delimiter::none;
  }
  std::string_view rest = line.substr(boundary.size() + 2);
  Delimiter kind = Delimiter::part;
  if (rest.starts_with("--")) {
    kind = Delimiter::close;
    rest.remove_prefix(2);
  }
  for (char c : rest) {
    if (!is_lwsp(c)) return Delimiter::none;
  }
  return kind;
}

// A Content-Type value as the parser will read it: parsed by GMime itself so that quoting,
// RFC 2231 continuations and comments mean here what they mean to the parser.
struct MultipartType {
  bool is_multipart = false;
  std::string boundary;  // "" when there is none
};
MultipartType multipart_type(const std::string& content_type) {
  ensure_gmime_initialized();
  GMimeContentType* type = g_mime_content_type_parse(nullptr, content_type.c_str());
  if (type == nullptr) return {};
  MultipartType multipart;
  if (g_mime_content_type_is_type(type, "multipart", "*")) {
    multipart.is_multipart = true;
    if (const char* value = g_mime_content_type_get_parameter(type, "boundary")) {
      multipart.boundary = value;
    }
  }
  g_object_unref(type);
  return multipart;
}

bool names_multipart(std::string_view value) {
  constexpr std::string_view word = "multipart";
  for (size_t at = 0; at + word.size() <= value.size(); ++at) {
    if (istarts_with(value.substr(at), word)) return true;
  }
  return false;
}

// One pass over the lines. Header blocks are the message's own and the one after each part
// delimiter; there a Content-Type naming a multipart opens a boundary. In content, a delimiter
// line of an open boundary starts a part (and closes the multiparts opened inside it), its
// closing form ends that multipart. Content of leaf parts (returned originals included) is not
// looked into, as GMime does not.
class StructureScan {
 public:
  explicit StructureScan(const MessageLimits& limits) : limits_(limits) {}

  std::optional<std::string> run(std::string_view bytes) {
    size_t at = 0;
    while (at < bytes.size()) {
      if (!in_header_) {
        // In content only delimiter lines of an open multipart count: with none open, the rest
        // is leaf content (nothing can open one again); otherwise skip to the next "--" line.
        if (open_.empty()) break;
        if (bytes.compare(at, 2, "--") != 0) {
          const size_t next = bytes.find("\n--", at);
          if (next == std::string_view::npos) break;
          at = next + 1;
        }
      }
      const void* found = std::memchr(bytes.data() + at, '\n', bytes.size() - at);
      const size_t end = found ? static_cast<size_t>(static_cast<const char*>(found) - bytes.data())
                               : bytes.size();
      std::string_view line = bytes.substr(at, end - at);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (auto reason = this->line(line)) return reason;
      at = end + 1;
    }
    if (in_header_) return end_header_block();
    return std::nullopt;
  }

 private:
  std::optional<std::string> line(std::string_view line) {
    if (line.size() >= 2 && line[0] == '-' && line[1] == '-' && !open_.empty()) {
      for (size_t i = open_.size(); i-- > 0;) {
        const Delimiter kind = delimiter_of(line, open_[i]);
        if (kind == Delimiter::none) continue;
        if (in_header_) {
          // An empty part: its header block ends here without declaring anything.
          in_header_ = false;
          field_size_ = 0;
          fields_ = 0;
          content_type_.clear();
        }
        open_.resize(i + 1);
        if (kind == Delimiter::close) {
          open_.pop_back();
          return std::nullopt;
        }
        if (++parts_ > limits_.max_mime_parts) {
          return over("more than " + std::to_string(limits_.max_mime_parts) + " MIME parts",
                      "max_mime_parts", limits_.max_mime_parts);
        }
        in_header_ = true;
        return std::nullopt;
      }
    }
    if (!in_header_) return std::nullopt;
    if (line.empty()) return end_header_block();
    if (is_lwsp(line.front())) {
      field_size_ += line.size() + 1;
      if (in_content_type_) content_type_.append(line);
    } else {
      if (++fields_ > limits_.max_header_fields) {
        return over("more than " + std::to_string(limits_.max_header_fields) +
                        " header fields in one block",
                    "max_header_fields", limits_.max_header_fields);
      }
      field_size_ = line.size();
      const size_t colon = line.find(':');
      in_content_type_ =
          colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), "Content-Type");
      // GMime keeps the last Content-Type of a block.
      if (in_content_type_) content_type_.assign(line.substr(colon + 1));
    }
    if (field_size_ > limits_.max_header_size) {
      return over(
          "a header field of more than " + std::to_string(limits_.max_header_size) + " bytes",
          "max_header_size", limits_.max_header_size);
    }
    return std::nullopt;
  }

  std::optional<std::string> end_header_block() {
    in_header_ = false;
    in_content_type_ = false;
    field_size_ = 0;
    fields_ = 0;
    if (content_type_.empty()) return std::nullopt;
    // GMime reads the type as a literal token, so a value without "multipart" in it names none;
    // most blocks (text parts, delivery-status, the original) skip GMime's parse and its object.
    if (!names_multipart(content_type_)) {
      content_type_.clear();
      return std::nullopt;
    }
    MultipartType type = multipart_type(content_type_);
    content_type_.clear();
    if (!type.is_multipart) return std::nullopt;
    // A multipart without a boundary opens nothing (GMime reads its content as a preface up
    // to the next outer delimiter) but is one more level of GMime's tree all the same.
    const size_t depth = open_.size() + 1;
    if (depth > limits_.max_mime_depth) {
      return over("multiparts nested " + std::to_string(depth) + " deep", "max_mime_depth",
                  limits_.max_mime_depth);
    }
    if (!type.boundary.empty()) open_.push_back(std::move(type.boundary));
    return std::nullopt;
  }

  const MessageLimits& limits_;
  std::vector<std::string> open_;  // boundaries of the multiparts being read, outermost first
  bool in_header_ = true;          // the message's own header block comes first
  bool in_content_type_ = false;   // the current field is Content-Type (for folded lines)
  size_t field_size_ = 0;
  size_t fields_ = 0;         // in the current header block
  std::string content_type_;  // the block's Content-Type value, unfolded
  size_t parts_ = 0;
};

}  // namespace

std::string over_size_reason(size_t size, size_t max_message_size) {
  return over("message size " + std::to_string(size) + " bytes", "max_message_size",
              max_message_size);
}

std::optional<std::string> check_message_limits(std::string_view bytes,
                                                const MessageLimits& limits) {
  if (bytes.size() > limits.max_message_size) {
    return over_size_reason(bytes.size(), limits.max_message_size);
  }
  return StructureScan(limits).run(bytes);
}

bool cut_utf8(std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return false;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return true;
}

}  // namespace bounced::classifiers
